/**
 * One bluegreen resource type (`bluegreen_upstream`, `bluegreen_service`, `bluegreen_route`): Terraform's CRUD on one
 * Admin API object, through the hooks engine's own code paths. A write or a delete is exactly what the hook runs
 * (`runHook`: ownership and `adopt`, read-after-write verification, retries and budgets, the health gate, verified
 * releases, the API7 EE cascade rule); a read compares the fields the stack owns as `bluegreen drift` does.
 */
import type {
  ApplyRequest,
  Diagnostic,
  HandlerContext,
  ObjectValue,
  PlanRequest,
  PlanResult,
  ResourceTypeDefinition,
  StateResult,
  TfValue,
} from "../protocol/provider-definition";
import { type AdminResource, canonicalPath } from "../../model/admin-paths";
import type { AdminClient } from "../../client/admin-client";
import type { StoredObject } from "../../client/envelopes";
import type { RequestContext } from "../../client/transport";
import { type GatewayTarget, REQUEST_ENV } from "../../model/gateway-request";
import { COLORS, type Color } from "../../model/specs";
import { colorShares, type ColorShares } from "../../release/weights";
import { diffObject } from "../../client/diff-object";
import { ownerOf } from "../../client/object-sync";
import { redact } from "../../client/errors";
import { clientForTarget, readAdminKey } from "../../deploy/target-client";
import { runHook } from "../../hook/run-hook";
import { BluegreenError, messageOf } from "../../bluegreen-error";
import {
  gatewayOf,
  isUnknown,
  JSON_ATTRIBUTES,
  OBJECT_ATTRIBUTES,
  objectRequestOf,
  parseJson,
  pathOf,
  resourceTypeName,
  SERVICE_ATTRIBUTES,
  stringOf,
  whereOf,
} from "./object-attributes";
import { importedOwnedFields, liveOwnedFields } from "./owned-fields";

/** The private state of an imported object: the import counts as `adopt` until the first write. */
interface PrivateState {
  readonly adopt?: boolean;
}

const NO_PRIVATE = new Uint8Array(0);

function readPrivate(bytes: Uint8Array | undefined): PrivateState {
  if (bytes === undefined || bytes.length === 0) return {};
  try {
    const value = JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
    return value !== null && typeof value === "object" ? (value as PrivateState) : {};
  } catch {
    return {};
  }
}

function writePrivate(state: PrivateState): Uint8Array {
  return state.adopt === true ? new Uint8Array(Buffer.from(JSON.stringify(state))) : NO_PRIVATE;
}

/** The resource type of one Admin API collection. */
export function objectResource(kind: AdminResource): ResourceTypeDefinition {
  const service = kind === "services";
  const noun = kind.replace(/s$/, "");
  return {
    name: resourceTypeName(kind),
    schema: {
      version: 0,
      description: `One Admin API ${noun} of a blue-green release, written and verified like the hooks engine writes it.`,
      attributes: service ? { ...OBJECT_ATTRIBUTES, ...SERVICE_ATTRIBUTES } : OBJECT_ATTRIBUTES,
    },

    validate(config) {
      return guard(() => {
        for (const name of JSON_ATTRIBUTES) {
          if (!isUnknown(config[name])) parseJson(config, name, whereOf(config));
        }
        if (!isUnknown(config.gateway)) gatewayOf(config);
        if (service && typeof config.active === "string" && !(COLORS as readonly string[]).includes(config.active)) {
          return [{ severity: "error", summary: `active must be blue or green, got ${JSON.stringify(config.active)}${whereOf(config)}`, attribute: ["active"] }];
        }
        return [];
      });
    },

    plan: service ? planService : undefined,

    async apply(request, context) {
      listings.clear();
      return request.planned === null ? remove(kind, request, context) : write(kind, request, context);
    },

    async read(current, context) {
      const where = whereOf(current);
      try {
        const gateway = gatewayOf(current);
        const objectId = stringOf(current, "object_id")!;
        const live = await withClient(gateway, `terraform plan or refresh (needed by ${label(current)})`, (client) =>
          readLive(client, kind, pathOf(kind, objectId, gateway), { constructPath: stringOf(current, "construct_path") }),
        );
        if (live === undefined) return { state: null, private: context.private };
        const declared = parseJson(current, "body", where) as Record<string, unknown>;
        if (diffObject(declared, live).length === 0) return { state: current, private: context.private };
        const body = liveOwnedFields(declared, live);
        const drifted: Record<string, TfValue> = { ...current, body: JSON.stringify(body) };
        if (service) Object.assign(drifted, trafficAttributes(body, gateway, objectId));
        return { state: drifted, private: context.private };
      } catch (error) {
        return { state: current, private: context.private, diagnostics: [errorDiagnostic(error)] };
      }
    },

    async importState(id, context) {
      try {
        const gateway = providerGateway(context);
        const live = await withClient(gateway, `terraform import of ${noun} ${id}`, (client) => client.get(pathOf(kind, id, gateway)));
        if (live === undefined) {
          throw new BluegreenError(`cannot import ${noun} ${id}: GET ${pathOf(kind, id, gateway)} on ${gateway.admin_url} answered 404 (no such ${noun})`);
        }
        const body = importedOwnedFields(kind, live);
        const state: Record<string, TfValue> = {
          ...nulls(service),
          id,
          object_id: id,
          // the provider block's text as written, so that a declaration with the same target plans no change to it
          gateway: context.providerConfig!.gateway as string,
          owner: ownerOf(live) ?? "",
          body: JSON.stringify(body),
        };
        if (service) Object.assign(state, trafficAttributes(body, gateway, id));
        return { state, private: writePrivate({ adopt: true }) };
      } catch (error) {
        return { state: null, diagnostics: [errorDiagnostic(error)] };
      }
    },
  };
}

/** Every attribute null: the base of an imported state. */
function nulls(service: boolean): Record<string, TfValue> {
  const names = Object.keys(service ? { ...OBJECT_ATTRIBUTES, ...SERVICE_ATTRIBUTES } : OBJECT_ATTRIBUTES);
  return Object.fromEntries(names.map((n) => [n, null]));
}

/** The provider block's `gateway`: where `terraform import` looks (the import id is a bare Admin API id). */
function providerGateway(context: HandlerContext): GatewayTarget {
  const config = context.providerConfig;
  if (config === null || config.gateway === null || config.gateway === undefined) {
    throw new BluegreenError(
      "import needs to know which gateway to read: set gateway in the bluegreen provider block (the JSON of the " +
        "target, as the resources' gateway attribute holds it; cdktf's GatewayConnection with engine \"provider\" sets it)",
    );
  }
  return gatewayOf(config);
}

/** `active` and `traffic` as a service body gives them (the main traffic-split rule, or the default upstream). */
function trafficAttributes(body: Record<string, unknown>, gateway: GatewayTarget, serviceId: string): Record<string, TfValue> {
  let shares: ColorShares;
  try {
    shares = colorShares(body, { flavor: gateway.flavor, serviceId });
  } catch {
    return { active: null, traffic: null };
  }
  const active: Color = shares.green > shares.blue ? "green" : "blue";
  return { active, traffic: { blue: shares.blue, green: shares.green } };
}

/** Services: `active` and `traffic` follow the body when the configuration leaves them out. */
function planService(request: PlanRequest): PlanResult {
  const { proposed, config } = request;
  if (isUnknown(proposed.body) || isUnknown(proposed.gateway) || isUnknown(proposed.object_id)) {
    return {
      planned: { ...proposed, ...(config.active === null ? { active: proposed.active } : {}) },
      plannedPrivate: request.priorPrivate,
    };
  }
  try {
    const body = parseJson(proposed, "body", whereOf(proposed)) as Record<string, unknown>;
    const derived = trafficAttributes(body, gatewayOf(proposed), stringOf(proposed, "object_id")!);
    return {
      planned: {
        ...proposed,
        active: config.active === null ? derived.active! : proposed.active!,
        traffic: config.traffic === null ? derived.traffic! : proposed.traffic!,
      },
      plannedPrivate: request.priorPrivate,
    };
  } catch (error) {
    return { planned: proposed, plannedPrivate: request.priorPrivate, diagnostics: [errorDiagnostic(error)] };
  }
}

/** Create or update: the hook's `apply` (health gate, verified release or one verified write). */
async function write(kind: AdminResource, request: ApplyRequest, context: HandlerContext): Promise<StateResult> {
  const planned = request.planned!;
  const failed = (diagnostics: readonly Diagnostic[]): StateResult => ({
    // an update that failed keeps the prior state: the next refresh reads what the gateway holds
    state: request.prior,
    private: request.plannedPrivate,
    diagnostics,
  });
  if (context.signal.aborted) return failed([{ severity: "error", summary: `stopped before writing ${label(planned)}: Terraform was interrupted` }]);
  const adopt = readPrivate(request.plannedPrivate).adopt === true;
  let hookRequest;
  try {
    hookRequest = objectRequestOf(kind, planned, adopt);
  } catch (error) {
    return failed([errorDiagnostic(error)]);
  }
  const run = await runHookFor("apply", hookRequest, context.signal);
  if (run.code !== 0) return failed(run.diagnostics);
  const objectId = stringOf(planned, "object_id")!;
  return { state: { ...planned, id: objectId }, private: NO_PRIVATE, diagnostics: run.diagnostics };
}

/** Delete: the hook's `destroy` (only ours; an API7 EE service with someone else's objects under it stays). */
async function remove(kind: AdminResource, request: ApplyRequest, context: HandlerContext): Promise<StateResult> {
  const prior = request.prior!;
  if (context.signal.aborted) {
    return { state: prior, diagnostics: [{ severity: "error", summary: `stopped before deleting ${label(prior)}: Terraform was interrupted` }] };
  }
  let hookRequest;
  try {
    hookRequest = objectRequestOf(kind, prior, false);
  } catch (error) {
    return { state: prior, diagnostics: [errorDiagnostic(error)] };
  }
  const run = await runHookFor("destroy", hookRequest, context.signal);
  return run.code === 0 ? { state: null, diagnostics: run.diagnostics } : { state: prior, diagnostics: run.diagnostics };
}

const PREFIX = /^bluegreen: /;

/**
 * Runs one hook action in this process on `request`; its lines go to stderr (Terraform's log: stdout belongs to
 * the plugin handshake), its warnings become warning diagnostics and its error an error diagnostic, whose detail is
 * the run's other stderr lines (e.g. retries). `signal` (StopProvider) stops it: a release restores, a write in
 * flight is given up.
 */
async function runHookFor(action: "apply" | "destroy", request: object, signal: AbortSignal): Promise<{ code: number; diagnostics: Diagnostic[] }> {
  const lines: string[] = [];
  const warnings: Diagnostic[] = [];
  let failure: string | undefined;
  const code = await runHook(
    action,
    {
      env: { ...process.env, [REQUEST_ENV]: JSON.stringify(request) },
      cwd: process.cwd(),
      stdout: (line) => process.stderr.write(line.endsWith("\n") ? line : `${line}\n`),
      stderr: (line) => {
        process.stderr.write(line.endsWith("\n") ? line : `${line}\n`);
        lines.push(line.replace(PREFIX, "").trimEnd());
      },
    },
    signal,
    {
      warning: (message) => warnings.push({ severity: "warning", summary: message }),
      failure: (message) => (failure = message),
      withoutTeardown: true,
    },
  );
  if (code === 0) return { code, diagnostics: warnings };
  const summary = failure ?? `bluegreen hook ${action} failed`;
  const detail = lines.filter((l) => l !== summary).join("\n");
  return { code, diagnostics: [{ severity: "error", summary, ...(detail ? { detail } : {}) }] };
}

/**
 * One Admin API client per gateway target and key for the whole provider process, kept open: Terraform reads every
 * resource of a plan through the same process, ten at a time, and a client per read paid a TCP connect and close
 * for each. Its keep-alive sockets do not hold the process (Node unrefs idle ones); the process exits on Shutdown.
 * The retry budget is then one per process and target (like the hook's, one per run): a gateway that does not
 * answer fails a plan of a thousand resources after one budget, not after one per resource.
 */
const clients = new Map<string, ReturnType<typeof clientForTarget>>();

/** Runs `use` with the process's client for `gateway` (the key is read from its variable on every call). */
async function withClient<T>(gateway: GatewayTarget, purpose: string, use: (client: ReturnType<typeof clientForTarget>) => Promise<T>): Promise<T> {
  const key = readAdminKey(gateway, process.env, purpose);
  const cacheKey = `${JSON.stringify(gateway)}\n${key}`;
  let client = clients.get(cacheKey);
  if (client === undefined) {
    client = clientForTarget(gateway, key, process.cwd());
    clients.set(cacheKey, client);
  }
  try {
    return await use(client);
  } catch (error) {
    throw new BluegreenError(redact(messageOf(error), key));
  }
}

/**
 * A refresh reads every resource of the stack once, ten at a time: one GET each (1,100 for 1,000 routes) cost the
 * gateway far more than one listing per kind. The first read of a kind on a client lists that kind; the reads that
 * follow look their object up in that listing, each object once: a second read of the same object (a new refresh),
 * a read `LISTING_TTL_MS` after the listing, or any write in this process takes a new listing, so a read never
 * returns an older state than a read before it saw. A listing is complete or fails (API7 EE's pages are read to the
 * end); a failed one falls back to the object's GET, so errors read as they did. API7 EE upstreams (listed per
 * service) are read one by one.
 */
interface Listing {
  readonly taken: number;
  readonly byPath: Promise<Map<string, StoredObject>>;
  /** The objects a read has taken from this listing. */
  readonly served: Set<string>;
}
const listings = new Map<AdminClient, Map<AdminResource, Listing>>();
const LISTING_TTL_MS = 5_000;

async function readLive(client: AdminClient, kind: AdminResource, path: string, context: RequestContext): Promise<StoredObject | undefined> {
  if (client.flavor !== "apisix" && kind === "upstreams") return client.get(path, context);
  const object = canonicalPath(path);
  let kinds = listings.get(client);
  if (kinds === undefined) listings.set(client, (kinds = new Map()));
  let listing = kinds.get(kind);
  if (listing === undefined || listing.served.has(object) || Date.now() - listing.taken > LISTING_TTL_MS) {
    const byPath = client.list(kind, context).then((objects) => new Map(objects.map((o) => [canonicalPath(o.path), o.value])));
    const taken: Listing = { taken: Date.now(), byPath, served: new Set() };
    kinds.set(kind, (listing = taken));
    byPath.catch(() => {
      if (kinds.get(kind) === taken) kinds.delete(kind);
    });
  }
  listing.served.add(object);
  try {
    return (await listing.byPath).get(object);
  } catch {
    return client.get(path, context);
  }
}

/** `<construct path>`, or `<kind> <id>` for a resource written by hand. */
function label(value: ObjectValue): string {
  return stringOf(value, "construct_path") ?? `${String(value.object_id)}`;
}

function errorDiagnostic(error: unknown): Diagnostic {
  return { severity: "error", summary: messageOf(error) };
}

/** Runs `fn`, turning a throw into one error diagnostic. */
function guard(fn: () => readonly Diagnostic[]): readonly Diagnostic[] {
  try {
    return fn();
  } catch (error) {
    return [errorDiagnostic(error)];
  }
}
