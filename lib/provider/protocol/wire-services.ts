/**
 * grpc-js service definitions for the three services a provider process serves, built by hand from the message
 * types in wire-messages.ts (no @grpc/proto-loader at run time): tfplugin6.Provider, go-plugin's
 * plugin.GRPCController and grpc.health.v1.Health.
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import type { Type } from "protobufjs/light";
import { PROVIDER_RPCS, type ProviderRpc, wireRoot } from "./wire-messages";

/** A decoded request or a response to encode: message fields by their snake_case names. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WireMessage = { [field: string]: any };

function unary(path: string, request: Type, response: Type): MethodDefinition<WireMessage, WireMessage> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value) => Buffer.from(request.encode(request.fromObject(value)).finish()),
    requestDeserialize: (bytes) => request.decode(bytes) as unknown as WireMessage,
    responseSerialize: (value) => Buffer.from(response.encode(response.fromObject(value)).finish()),
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
  const root = wireRoot();
  const type = (name: string) => root.lookupType(name);
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
