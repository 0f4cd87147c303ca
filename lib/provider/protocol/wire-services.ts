/**
 * grpc-js service definitions for the three services a provider process serves, built by hand from the message
 * types in wire-messages.ts (no @grpc/proto-loader at run time): tfplugin6.Provider, go-plugin's
 * plugin.GRPCController and grpc.health.v1.Health.
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { wireCodec, type WireCodec } from "./wire-codecs";
import { PROVIDER_RPCS, type ProviderRpc } from "./wire-messages";

/** A decoded request or a response to encode: message fields by their snake_case names. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WireMessage = { [field: string]: any };

/**
 * Encodes a message given as a plain object. protobufjs encodes plain objects whose fields have the wire types
 * (numbers for enums, Uint8Array for bytes, plain objects for messages and maps), which is how this package builds
 * every message: no `fromObject` copy per call.
 */
function encode(type: WireCodec, value: WireMessage): Buffer {
  const bytes = type.encode(value).finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function unary(path: string, request: WireCodec, response: WireCodec): MethodDefinition<WireMessage, WireMessage> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value) => encode(request, value),
    requestDeserialize: (bytes) => request.decode(bytes) as unknown as WireMessage,
    responseSerialize: (value) => encode(response, value),
    responseDeserialize: (bytes) => response.decode(bytes) as unknown as WireMessage,
  };
}

/** The three services' definitions. */
export interface WireServices {
  readonly provider: ServiceDefinition<Record<ProviderRpc, MethodDefinition<WireMessage, WireMessage>>>;
  readonly controller: ServiceDefinition;
  readonly health: ServiceDefinition;
}

let services: WireServices | undefined;

/** The services, built at first use (serve-provider.ts does it after printing the handshake line). */
export function wireServices(): WireServices {
  if (services !== undefined) return services;
  const type = wireCodec;
  services = {
    provider: Object.fromEntries(
      PROVIDER_RPCS.map((rpc) => [
        rpc,
        unary(`/tfplugin6.Provider/${rpc}`, type(`tfplugin6.${rpc}.Request`), type(`tfplugin6.${rpc}.Response`)),
      ]),
    ) as never,
    controller: { Shutdown: unary("/plugin.GRPCController/Shutdown", type("plugin.Empty"), type("plugin.Empty")) },
    health: {
      Check: unary("/grpc.health.v1.Health/Check", type("grpc.health.v1.HealthCheckRequest"), type("grpc.health.v1.HealthCheckResponse")),
    },
  };
  return services;
}
