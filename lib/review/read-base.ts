/**
 * The objects a review compares: the synthesized stacks' requests (head, or a base synth output), or what the live
 * gateway stores for them (each declared object, the undeclared objects with the stacks' owner labels, which the
 * deploy's sweep deletes, and the upstreams the live services use: the provider engine has no sweep to find them).
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { BluegreenError } from "../bluegreen-error";
import { findExtraObjects } from "../client/drift";
import type { RetryEvent } from "../client/transport";
import { readStack, STACK_FILE, stackFileOf, type SynthesizedStack } from "../drift/read-stack";
import { openEveryClient, stackClients } from "../drift/stack-clients";
import { objectPath } from "../model/admin-paths";
import { referencedUpstreamIds, type ReviewObject } from "./release-state";

/** The stacks of a synth output directory (`cdktf.out`, with `stacks/<name>/cdk.tf.json`) or of one stack directory. */
export function readSynthOutput(dir: string, cwd: string, flag: string): SynthesizedStack[] {
  const root = resolve(cwd, dir);
  const stacksDir = join(root, "stacks");
  if (existsSync(stacksDir)) {
    const files = readdirSync(stacksDir)
      .sort()
      .map((name) => join(stacksDir, name, STACK_FILE))
      .filter((file) => existsSync(file));
    if (files.length > 0) return files.map(readStack);
  }
  if (existsSync(join(root, STACK_FILE))) return [readStack(stackFileOf(root, cwd))];
  throw new BluegreenError(
    `${flag} ${dir}: no synthesized stack in ${root} (expected ${join("stacks", "<name>", STACK_FILE)} or ${STACK_FILE}): ` +
      `run cdktf synth there first (e.g. cdktf synth --output ${dir})`,
  );
}

/** The objects the stacks declare. */
export function stackObjects(stacks: readonly SynthesizedStack[]): ReviewObject[] {
  return stacks.flatMap((s) =>
    s.objects.map(({ request }) => ({
      path: request.path,
      body: request.body,
      flavor: request.gateway.flavor,
      healthGate: request.health_check?.path,
    })),
  );
}

/** Environment and hooks of a live read. */
export interface LiveOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** What the gateways store for the stacks' objects and owners. Throws on a missing key or an unreachable gateway. */
export async function liveObjects(stacks: readonly SynthesizedStack[], options: LiveOptions): Promise<ReviewObject[]> {
  const out = new Map<string, ReviewObject>();
  for (const stack of stacks) {
    const clients = stackClients(stack, "bluegreen review", options.env, options.onRetry);
    try {
      openEveryClient(stack, clients);
      for (const { request } of stack.objects) {
        const client = clients.clientFor(request.gateway, request.construct_path);
        const live = await client.get(request.path, { constructPath: request.construct_path });
        if (live !== undefined) out.set(request.path, { path: request.path, body: live, flavor: request.gateway.flavor });
      }
      for (const { request } of stack.sweeps) {
        const extras = await findExtraObjects(clients.clientFor(request.gateway, request.construct_path), {
          owner: request.owner,
          keep: request.keep,
          legacyOwner: request.legacy_owner,
          constructPath: request.construct_path,
        });
        for (const o of extras) out.set(o.path, { path: o.path, body: o.value, flavor: request.gateway.flavor });
      }
      // the upstreams a live service uses that the stack no longer declares (a moved color's old upstream)
      for (const { request } of stack.objects) {
        const service = out.get(request.path);
        // API7 EE services hold their upstreams inline
        if (service === undefined || !request.path.includes("/services/") || request.gateway.flavor !== "apisix") continue;
        const { flavor, gateway_group_id: group } = request.gateway;
        for (const id of referencedUpstreamIds(service.body)) {
          const path = objectPath(flavor, "upstreams", id, group);
          if (out.has(path)) continue;
          const live = await clients.clientFor(request.gateway, request.construct_path).get(path, { constructPath: request.construct_path });
          if (live !== undefined) out.set(path, { path, body: live, flavor });
        }
      }
    } finally {
      await clients.close();
    }
  }
  return [...out.values()];
}
