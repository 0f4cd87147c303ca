/**
 * Each wire message type's `encode` and `decode`, by full name (`tfplugin6.ReadResource.Request`): from the static
 * code the build generates (wire-static.ts), or else from protobufjs reflection over the same descriptors
 * (wire-messages.ts). Both decode into objects whose unset fields read as their defaults, and encode plain objects.
 */
import type { Reader, Writer } from "protobufjs/minimal";
import { wireRoot } from "./wire-messages";
import { STATIC_ROOT } from "./wire-static";

export interface WireCodec {
  encode(message: object): Writer;
  decode(bytes: Uint8Array | Reader): object;
}

/** The codec of the message type `name` (throws when there is no such type: a mistake in this package). */
export function wireCodec(name: string): WireCodec {
  if (STATIC_ROOT === undefined) return wireRoot().lookupType(name);
  let found: unknown = STATIC_ROOT;
  for (const part of name.split(".")) found = (found as Record<string, unknown> | undefined)?.[part];
  if (typeof (found as Partial<WireCodec> | undefined)?.decode !== "function") {
    throw new Error(`the provider's static wire code has no message type ${name}`);
  }
  return found as WireCodec;
}
