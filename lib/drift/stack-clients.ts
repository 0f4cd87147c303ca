/**
 * The Admin API clients of one synthesized stack's gateways, one per distinct gateway target, for the read-only
 * commands (`bluegreen drift`, `bluegreen review`).
 */
import type { AdminClient } from "../client/admin-client";
import type { RetryEvent } from "../client/transport";
import { clientForTarget, readAdminKey } from "../deploy/target-client";
import type { GatewayTarget } from "../model/gateway-request";
import type { SynthesizedStack } from "./read-stack";

export interface StackClients {
  /** The client of `gateway`; throws when its admin key is missing (naming `neededBy`). */
  clientFor(gateway: GatewayTarget, neededBy: string): AdminClient;
  /** Closes every client. */
  close(): Promise<void>;
}

/**
 * Clients for `stack`, created on first use; with `eager`, one for every gateway the stack's objects and sweeps name
 * right away, so that a missing key fails before any request.
 */
export function stackClients(
  stack: SynthesizedStack,
  command: string,
  env: NodeJS.ProcessEnv,
  onRetry?: (event: RetryEvent) => void,
): StackClients {
  const clients = new Map<string, AdminClient>();
  const pool: StackClients = {
    clientFor(gateway, neededBy) {
      const id = JSON.stringify(gateway);
      let client = clients.get(id);
      if (!client) {
        const key = readAdminKey(gateway, env, `${command} (needed by ${neededBy} for ${gateway.admin_url})`);
        client = clientForTarget(gateway, key, stack.dir, onRetry);
        clients.set(id, client);
      }
      return client;
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.close().catch(() => undefined)));
    },
  };
  return pool;
}

/** Creates the client of every gateway the stack names (so that a missing key fails before any request). */
export function openEveryClient(stack: SynthesizedStack, clients: StackClients): void {
  for (const { request } of [...stack.objects, ...stack.sweeps]) clients.clientFor(request.gateway, request.construct_path);
}
