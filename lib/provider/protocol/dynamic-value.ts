/**
 * Terraform values on the wire (docs/plugin-protocol/object-wire-format.md): `DynamicValue.msgpack` and, for raw
 * state and as a fallback, `DynamicValue.json`, decoded and encoded along a cty type. Null is nil; an unknown value
 * is a msgpack extension (written as type 0, `d4 00 00`; ANY extension reads as unknown, e.g. a refined unknown,
 * type 12); an object is a map with every attribute of its type; a number may arrive as the string of its decimal
 * representation; a `dynamic` value is a pair [JSON of its type, value].
 */
import { Decoder, Encoder, ExtData } from "@msgpack/msgpack";
import { type CtyType, type ObjectValue, type TfValue, UNKNOWN } from "./provider-definition";

/** The types that can appear on the wire: the ones a schema declares, plus tuples inside `dynamic` values. */
type WireType = CtyType | readonly ["tuple", readonly WireType[]];

/** The `DynamicValue` message. */
export interface DynamicValueMessage {
  readonly msgpack?: Uint8Array | null;
  readonly json?: Uint8Array | null;
}

const UNKNOWN_EXTENSION = new ExtData(0, new Uint8Array([0]));

/**
 * One decoder and one encoder for the process: msgpack's `decode()` and `encode()` build a new one per call, which
 * V8 never optimizes (ten times slower, and Terraform calls the provider four times per resource per plan). Both are
 * synchronous (a nested call gets its own state) and `encode` returns a copy of the encoder's buffer.
 */
const decoder = new Decoder();
const encoder = new Encoder();

/** Reads a DynamicValue as a value of `type` (an empty message is null). */
export function decodeDynamicValue(message: DynamicValueMessage | null | undefined, type: CtyType): TfValue {
  if (message?.msgpack && message.msgpack.length > 0) {
    return fromMsgpack(decoder.decode(message.msgpack), type, []);
  }
  if (message?.json && message.json.length > 0) {
    return fromJson(JSON.parse(Buffer.from(message.json).toString("utf8")), type, []);
  }
  return null;
}

/** Reads a DynamicValue that must be an object (or null) of `type`. */
export function decodeObject(message: DynamicValueMessage | null | undefined, type: CtyType): ObjectValue | null {
  return decodeDynamicValue(message, type) as ObjectValue | null;
}

/** Reads a JSON text (raw state) as an object of `type`. */
export function decodeJsonObject(json: Uint8Array, type: CtyType): ObjectValue | null {
  return fromJson(JSON.parse(Buffer.from(json).toString("utf8")), type, []) as ObjectValue | null;
}

/** Writes a value of `type` as a DynamicValue. */
export function encodeDynamicValue(value: TfValue, type: CtyType): { msgpack: Uint8Array } {
  return { msgpack: encoder.encode(toMsgpack(value, type, [])) };
}

type Path = readonly (string | number)[];

function where(path: Path): string {
  if (path.length === 0) return "the object";
  return path.map((step, i) => (typeof step === "number" ? `[${step}]` : i === 0 ? step : `.${step}`)).join("");
}

function mismatch(path: Path, expected: string, value: unknown): Error {
  const got = value === undefined ? "nothing" : Array.isArray(value) ? "a list" : typeof value;
  return new Error(`${where(path)}: expected ${expected}, got ${got} (${JSON.stringify(value)?.slice(0, 80)})`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function parseType(bytes: unknown, path: Path): WireType {
  if (!(bytes instanceof Uint8Array)) throw mismatch(path, "the JSON of a type (binary)", bytes);
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as WireType;
}

function fromMsgpack(raw: unknown, type: WireType, path: Path): TfValue {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof ExtData || raw instanceof Date) return UNKNOWN;
  if (type === "dynamic") {
    if (!Array.isArray(raw) || raw.length !== 2) throw mismatch(path, "a [type, value] pair", raw);
    return fromMsgpack(raw[1], parseType(raw[0], path), path);
  }
  return fromPlain(raw, type, path, fromMsgpack);
}

function fromJson(raw: unknown, type: WireType, path: Path): TfValue {
  if (raw === null || raw === undefined) return null;
  if (type === "dynamic") {
    if (!isRecord(raw) || !("type" in raw)) throw mismatch(path, 'a {"value","type"} object', raw);
    return fromJson(raw.value, raw.type as WireType, path);
  }
  return fromPlain(raw, type, path, fromJson);
}

/** The rules msgpack and JSON share, `recurse` being the format's own decoder for nested values. */
function fromPlain(
  raw: unknown,
  type: Exclude<WireType, "dynamic">,
  path: Path,
  recurse: (raw: unknown, type: WireType, path: Path) => TfValue,
): TfValue {
  if (type === "string") {
    if (typeof raw !== "string") throw mismatch(path, "a string", raw);
    return raw;
  }
  if (type === "number") {
    if (typeof raw === "number") return raw;
    if (typeof raw === "bigint") return Number(raw);
    if (typeof raw === "string" && raw.trim() !== "" && Number.isFinite(Number(raw))) return Number(raw);
    throw mismatch(path, "a number", raw);
  }
  if (type === "bool") {
    if (typeof raw !== "boolean") throw mismatch(path, "a bool", raw);
    return raw;
  }
  const [kind, argument] = type;
  if (kind === "list" || kind === "set") {
    if (!Array.isArray(raw)) throw mismatch(path, `a ${kind}`, raw);
    return raw.map((element, i) => recurse(element, argument, [...path, i]));
  }
  if (kind === "tuple") {
    if (!Array.isArray(raw)) throw mismatch(path, "a tuple", raw);
    return argument.map((elementType, i) => recurse(raw[i], elementType, [...path, i]));
  }
  if (!isRecord(raw)) throw mismatch(path, `a ${kind}`, raw);
  if (kind === "map") {
    return Object.fromEntries(Object.entries(raw).map(([key, element]) => [key, recurse(element, argument, [...path, key])]));
  }
  return Object.fromEntries(
    Object.entries(argument).map(([name, attributeType]) => [name, recurse(raw[name], attributeType, [...path, name])]),
  );
}

function toMsgpack(value: TfValue | undefined, type: WireType, path: Path): unknown {
  if (value === null || value === undefined) return null;
  if (value === UNKNOWN) return UNKNOWN_EXTENSION;
  if (type === "dynamic") {
    const actual = typeOf(value);
    return [Buffer.from(JSON.stringify(actual)), toMsgpack(value, actual, path)];
  }
  if (type === "string") {
    if (typeof value !== "string") throw mismatch(path, "a string", value);
    return value;
  }
  if (type === "number") {
    if (typeof value !== "number" || !Number.isFinite(value)) throw mismatch(path, "a finite number", value);
    return value;
  }
  if (type === "bool") {
    if (typeof value !== "boolean") throw mismatch(path, "a bool", value);
    return value;
  }
  const [kind, argument] = type;
  if (kind === "list" || kind === "set") {
    if (!Array.isArray(value)) throw mismatch(path, `a ${kind}`, value);
    return value.map((element: TfValue, i: number) => toMsgpack(element, argument, [...path, i]));
  }
  if (kind === "tuple") {
    if (!Array.isArray(value)) throw mismatch(path, "a tuple", value);
    return argument.map((elementType, i) => toMsgpack((value as readonly TfValue[])[i], elementType, [...path, i]));
  }
  if (!isRecord(value)) throw mismatch(path, `a ${kind}`, value);
  const record = value as { readonly [k: string]: TfValue };
  if (kind === "map") {
    return Object.fromEntries(Object.entries(record).map(([key, element]) => [key, toMsgpack(element, argument, [...path, key])]));
  }
  return Object.fromEntries(
    Object.entries(argument).map(([name, attributeType]) => [name, toMsgpack(record[name], attributeType, [...path, name])]),
  );
}

/** The type of a value in a `dynamic` attribute: tuples for lists, objects for records. */
function typeOf(value: TfValue): WireType {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (value === null || value === UNKNOWN) return "dynamic";
  if (Array.isArray(value)) return ["tuple", value.map(typeOf)];
  const record = value as { readonly [k: string]: TfValue };
  return ["object", Object.fromEntries(Object.entries(record).map(([key, element]) => [key, typeOf(element) as CtyType]))];
}
