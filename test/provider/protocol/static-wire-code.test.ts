/**
 * The static wire code the build bundles into the provider (scripts/static-wire-code.ts, pbjs) against protobufjs
 * reflection over the same descriptors, which the sources use: every message type is there, and the messages a
 * provider process decodes and encodes (maps, repeated and nested messages, bytes, int64, enums, a oneof) come out as
 * the same bytes and read back the same, defaults included.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import type { Namespace, ReflectionObject, Type } from "protobufjs/light";
import { wireRoot } from "../../../lib/provider/protocol/wire-messages";
import { staticWireCode } from "../../../scripts/static-wire-code";

interface Codec {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
}

let staticRoot: Record<string, unknown>;
beforeAll(async () => {
  const code = await staticWireCode();
  const module = { exports: {} as { STATIC_ROOT?: Record<string, unknown> } };
  const require = createRequire(path.resolve(__dirname, "../../../package.json"));
  new Function("exports", "require", "module", code)(module.exports, require, module);
  staticRoot = module.exports.STATIC_ROOT!;
});

const staticCodec = (name: string) => name.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], staticRoot) as Codec;
const reflected = (name: string) => wireRoot().lookupType(name) as unknown as Codec;

/** Every message type of the descriptors, by full name without the leading dot. */
function messageTypes(ns: Namespace): string[] {
  return (ns.nestedArray as ReflectionObject[]).flatMap((child) => [
    ...("fields" in child ? [(child as Type).fullName.slice(1)] : []),
    ...("nestedArray" in child && (child as Namespace).nestedArray ? messageTypes(child as Namespace) : []),
  ]);
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text));
const diagnostic = {
  severity: 1,
  summary: "attribute body is not valid JSON",
  detail: "it starts with: {",
  attribute: { steps: [{ attribute_name: "body" }, { element_key_int: 3 }, { element_key_string: "k" }] },
};
const SAMPLES: Record<string, object> = {
  "tfplugin6.GetProviderSchema.Response": {
    provider: { version: 0, block: { version: 0, description: "p", attributes: [{ name: "gateway", type: bytes('"string"'), optional: true }] } },
    resource_schemas: {
      bluegreen_service: {
        version: 0,
        block: {
          version: 0,
          attributes: [
            { name: "id", type: bytes('"string"'), computed: true, description: "the id" },
            { name: "traffic", type: bytes('["map","number"]'), optional: true, computed: true },
          ],
        },
      },
      bluegreen_route: { version: 0, block: { version: 0, attributes: [] } },
    },
    server_capabilities: { get_provider_schema_optional: true },
    diagnostics: [diagnostic],
  },
  "tfplugin6.UpgradeResourceState.Request": { type_name: "bluegreen_route", version: 2, raw_state: { json: bytes('{"id":"r1"}') } },
  "tfplugin6.PlanResourceChange.Request": {
    type_name: "bluegreen_service",
    prior_state: { msgpack: new Uint8Array([0x81, 0xa2, 0x69, 0x64, 0xa2, 0x73, 0x31]) },
    proposed_new_state: { msgpack: new Uint8Array([0xc0]) },
    config: { json: bytes("null") },
    prior_private: bytes('{"adopt":true}'),
  },
  "tfplugin6.PlanResourceChange.Response": {
    planned_state: { msgpack: new Uint8Array([0xd4, 0x00, 0x00]) },
    requires_replace: [{ steps: [{ attribute_name: "object_id" }] }],
    planned_private: new Uint8Array(0),
    diagnostics: [diagnostic, { severity: 2, summary: "w" }],
  },
  "tfplugin6.ImportResourceState.Response": {
    imported_resources: [{ type_name: "bluegreen_route", state: { msgpack: new Uint8Array([0x80]) }, private: bytes("{}") }],
  },
  "tfplugin6.StopProvider.Response": { Error: "stopped" },
  "grpc.health.v1.HealthCheckResponse": { status: 1 },
};

test("the static code has every message type of the descriptors", () => {
  const names = messageTypes(wireRoot());
  expect(names.length).toBeGreaterThan(50);
  for (const name of names) expect([name, typeof staticCodec(name)?.decode]).toEqual([name, "function"]);
});

test.each(Object.keys(SAMPLES))("%s: the same bytes as reflection, and each reads the other's back", (name) => {
  const sample = SAMPLES[name];
  const fromStatic = Buffer.from(staticCodec(name).encode(sample).finish());
  const fromReflection = Buffer.from(reflected(name).encode(sample).finish());
  expect(fromStatic.length).toBeGreaterThan(0);
  expect(fromStatic.equals(fromReflection)).toBe(true);
  const decodedByStatic = staticCodec(name).decode(fromReflection);
  expect(Buffer.from(reflected(name).encode(decodedByStatic).finish()).equals(fromReflection)).toBe(true);
  expect(Buffer.from(staticCodec(name).encode(reflected(name).decode(fromStatic)).finish()).equals(fromStatic)).toBe(true);
});

test("unset fields read as the same defaults; unknown fields are skipped", () => {
  const name = "tfplugin6.UpgradeResourceState.Request";
  // type_name = "x", then an unknown field 15 (varint) that a newer Terraform might send
  const bytesIn = new Uint8Array([0x0a, 0x01, 0x78, 0x78, 0x05]);
  const [s, r] = [staticCodec(name).decode(bytesIn), reflected(name).decode(bytesIn)] as Record<string, unknown>[];
  expect(s.type_name).toBe("x");
  expect(Number(s.version)).toBe(0);
  expect(Number(r.version)).toBe(0);
  expect(s.raw_state ?? null).toEqual(r.raw_state ?? null);
});
