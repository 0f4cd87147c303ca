/** The DynamicValue codec against the bytes object-wire-format.md specifies. */
import { encode } from "@msgpack/msgpack";
import { decodeDynamicValue, encodeDynamicValue } from "../../../lib/provider/protocol/dynamic-value";
import { type CtyType, UNKNOWN } from "../../../lib/provider/protocol/provider-definition";

const type: CtyType = ["object", { id: "string", size: "number", tags: ["map", "string"], any: "dynamic" }];

test("writes every attribute, nil for null and unknown as fixext1 type 0 (d4 00 00)", () => {
  const { msgpack } = encodeDynamicValue({ id: UNKNOWN, size: 3 }, type);
  const bytes = Buffer.from(msgpack);
  expect(bytes.includes(Buffer.from([0xa2, 0x69, 0x64, 0xd4, 0x00, 0x00]))).toBe(true); // "id": unknown
  expect(decodeDynamicValue({ msgpack }, type)).toEqual({ id: UNKNOWN, size: 3, tags: null, any: null });
});

test("reads any extension as unknown, numbers sent as decimal strings, dynamic [type, value] pairs", () => {
  const refinedUnknown = new Uint8Array([0xd5, 0x0c, 0x81, 0x01]); // fixext2, type 12
  const raw = Buffer.concat([
    Buffer.from([0x84]),
    Buffer.from(encode("id")),
    refinedUnknown,
    Buffer.from(encode("size")),
    Buffer.from(encode("12345678901234567890")),
    Buffer.from(encode("tags")),
    Buffer.from(encode({ a: "b" })),
    Buffer.from(encode("any")),
    Buffer.from(encode([Buffer.from('["list","number"]'), [1, 2]])),
  ]);
  expect(decodeDynamicValue({ msgpack: raw }, type)).toEqual({ id: UNKNOWN, size: 12345678901234567000, tags: { a: "b" }, any: [1, 2] });
});

test("round-trips a dynamic value and names the attribute of a wrong value", () => {
  const value = { id: "x", size: 1.5, tags: {}, any: { weights: [1, 2], on: true } };
  expect(decodeDynamicValue(encodeDynamicValue(value, type), type)).toEqual(value);
  expect(() => encodeDynamicValue({ id: "x", size: "big" }, type)).toThrow(/size: expected a finite number, got string/);
});
