/**
 * Checks one synthesized stack against its gateway(s): every declared object (changed / missing / unmanaged) and,
 * per connection, the undeclared objects carrying its owner label (extra). Read-only.
 */
import type { RetryEvent } from "../client/transport";
import { messageOf } from "../bluegreen-error";
import { checkObjectDrift, type FieldDifference, findExtraObjects } from "../client/drift";
import { ownerOf } from "../client/object-sync";
import type { AdminResource } from "../model/admin-paths";
import type { SkippedResource, SynthesizedStack } from "./read-stack";
import { openEveryClient, stackClients } from "./stack-clients";
import { releaseTerm } from "./release-terms";

/** Where the declared object comes from, for every finding. */
interface FindingSource {
  /** Terraform address of the resource, e.g. `terraform_data.service_E754E327`. */
  readonly address: string;
  readonly constructPath: string;
  /** Admin API path (with query) on the gateway. */
  readonly path: string;
}

/** A field difference, named in release terms (`service shop: green weight`). */
export interface NamedDifference extends FieldDifference {
  readonly term: string;
}

/** A declared object whose owned fields differ on the gateway. */
export interface ChangedFinding extends FindingSource {
  readonly kind: "changed";
  readonly differences: NamedDifference[];
}

/** A declared object the gateway does not have (404). */
export interface MissingFinding extends FindingSource {
  readonly kind: "missing";
}

/** A declared object that exists without our managed-by label. */
export interface UnmanagedFinding extends FindingSource {
  readonly kind: "unmanaged";
  readonly labels: Record<string, unknown>;
  /** The stack's `adopt` flag: with false, the next apply of this object refuses to overwrite it. */
  readonly adopt: boolean;
  readonly differences: NamedDifference[];
}

/** An object with our labels and a connection's owner that the stack does not declare. */
export interface ExtraFinding extends FindingSource {
  readonly kind: "extra";
  /** The `bluegreen-owner` label value. */
  readonly owner: string;
  readonly resource: AdminResource;
  readonly id: string;
}

export type Finding = ChangedFinding | MissingFinding | UnmanagedFinding | ExtraFinding;
export type FindingKind = Finding["kind"];

/** The result of checking one stack. */
export interface StackReport {
  readonly stack: string;
  readonly file: string;
  /** The directory Terraform runs in (for the `terraform apply -replace` hint). */
  readonly dir: string;
  /** Declared objects checked. */
  readonly checked: number;
  /** Declared objects that match the gateway. */
  readonly inSync: number;
  readonly findings: Finding[];
  readonly skipped: readonly SkippedResource[];
  /** Set when the check could not finish (unreachable gateway, missing key, ...); findings are then incomplete. */
  readonly error?: string;
}

/** Environment and hooks of a check. */
export interface CheckOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Called before each retry of an Admin API call. */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Parallel GETs per stack. Default 8. */
  readonly concurrency?: number;
}

/** Checks every declared object and connection of `stack`; never throws (errors land in `error`). */
export async function checkStack(stack: SynthesizedStack, options: CheckOptions): Promise<StackReport> {
  const clients = stackClients(stack, "bluegreen drift", options.env, options.onRetry);
  const clientFor = clients.clientFor;
  const base = { stack: stack.name, file: stack.file, dir: stack.dir, checked: stack.objects.length, skipped: stack.skipped };
  const objectFindings: Array<Finding | undefined> = new Array(stack.objects.length);
  let inSync = 0;
  try {
    openEveryClient(stack, clients);

    await forEachLimited(stack.objects.length, options.concurrency ?? 8, async (i) => {
      const { address, request } = stack.objects[i];
      const source = { address, constructPath: request.construct_path, path: request.path };
      const named = (differences: FieldDifference[]): NamedDifference[] =>
        differences.map((d) => ({ ...d, term: releaseTerm(request.path, request.body, request.gateway.flavor, d.field) }));
      const drift = await checkObjectDrift(clientFor(request.gateway, request.construct_path), {
        path: request.path,
        body: request.body,
        constructPath: request.construct_path,
      });
      switch (drift.status) {
        case "in-sync":
          inSync++;
          break;
        case "missing":
          objectFindings[i] = { kind: "missing", ...source };
          break;
        case "changed":
          objectFindings[i] = { kind: "changed", ...source, differences: named(drift.differences) };
          break;
        case "unmanaged":
          objectFindings[i] = {
            kind: "unmanaged",
            ...source,
            labels: drift.labels,
            adopt: request.adopt,
            differences: named(drift.differences),
          };
          break;
      }
    });

    const extras: ExtraFinding[] = [];
    for (const { address, request } of stack.sweeps) {
      const client = clientFor(request.gateway, request.construct_path);
      const found = await findExtraObjects(client, {
        owner: request.owner,
        keep: request.keep,
        legacyOwner: request.legacy_owner,
        constructPath: request.construct_path,
      });
      for (const object of found) {
        extras.push({
          kind: "extra",
          address,
          constructPath: request.construct_path,
          path: object.path,
          owner: ownerOf(object.value) ?? request.owner,
          resource: object.resource,
          id: object.id,
        });
      }
    }
    const findings = [...objectFindings.filter((f): f is Finding => f !== undefined), ...extras];
    return { ...base, inSync, findings };
  } catch (error) {
    const findings = objectFindings.filter((f): f is Finding => f !== undefined);
    return { ...base, inSync, findings, error: messageOf(error) };
  } finally {
    await clients.close();
  }
}

/** Runs `task(0..count-1)` with at most `limit` in flight; rejects with the first error once the rest settle. */
async function forEachLimited(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        await task(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
  if (failure) throw failure.error;
}
