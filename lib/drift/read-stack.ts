/**
 * Reads synthesized stacks (`cdk.tf.json`) for `bluegreen drift` and `bluegreen review`: finds them, and collects the
 * gateway requests they declare, validated by the hook's own schema, for both engines. Hooks engine: an object's
 * request is the Terraform local that its `terraform_data`'s `triggers_replace.request` encodes (`request-local.ts`),
 * a sweep's is its `input`. Provider engine: a `bluegreen_<kind>` resource's attributes hold the same request, which
 * the provider builds with `objectRequestOf` (the provider engine has no sweep).
 *
 * An input that still holds a Terraform expression (`${...}`, `%{...}`) has a value known only at apply, so it is
 * reported as skipped rather than compared. Terraform's escapes (`$${` and `%%{`) are turned back into literals,
 * as Terraform does before handing `self.input` to the hook.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import {
  type GatewayRequest,
  gatewayRequestSchema,
  type ObjectRequest,
  type SweepRequest,
} from "../model/gateway-request";
import { findProjectRoot } from "../deploy/project-root";
import { requestLocalName } from "../model/request-local";
import { safeParseWithMessages } from "../schemas/parse-with-messages";
import { BluegreenError } from "../bluegreen-error";
import { redact } from "../client/errors";
import { JSON_ATTRIBUTES, OBJECT_ATTRIBUTES, OBJECT_KINDS, objectRequestOf, resourceTypeName, SERVICE_ATTRIBUTES } from "../provider/resources/object-attributes";
import type { ObjectValue } from "../provider/protocol/provider-definition";

/** The file cdktf writes per stack (JSON output, the default). */
export const STACK_FILE = "cdk.tf.json";
const DEFAULT_OUTPUT_DIR = "cdktf.out";
/** The resource type of the hooks engine's objects and sweeps. */
export const HOOK_RESOURCE_TYPE = "terraform_data";

/** One `terraform_data` or `bluegreen_<kind>` resource and its validated request. */
export interface StackResource<T extends GatewayRequest> {
  /** Terraform address, e.g. `terraform_data.service_E754E327` or `bluegreen_service.service_E754E327`. */
  readonly address: string;
  readonly request: T;
}

/** A gateway request that cannot be checked before apply. */
export interface SkippedResource {
  readonly address: string;
  readonly constructPath?: string;
  /** Why, e.g. `value known only at apply: body.upstream.nodes[0].host = "${var.host}"`. */
  readonly reason: string;
}

/** What one synthesized stack declares on gateways. */
export interface SynthesizedStack {
  /** Stack name (cdk.tf.json metadata, else the directory name). */
  readonly name: string;
  /** Absolute path of cdk.tf.json. */
  readonly file: string;
  /** The directory Terraform runs in. */
  readonly dir: string;
  readonly objects: ReadonlyArray<StackResource<ObjectRequest>>;
  readonly sweeps: ReadonlyArray<StackResource<SweepRequest>>;
  readonly skipped: readonly SkippedResource[];
}

/**
 * The cdk.tf.json of every synthesized stack of the project around `cwd`: the nearest ancestor holding
 * `cdktf.json`, its `output` directory (default `cdktf.out`), `stacks/<name>/cdk.tf.json`, sorted by name.
 */
export function findStackFiles(cwd: string): string[] {
  const root = findProjectRoot(cwd);
  const config = join(root, "cdktf.json");
  if (!existsSync(config)) {
    throw new BluegreenError(
      `no cdktf.json in ${resolve(cwd)} or any parent directory: run bluegreen drift inside a cdktf project ` +
        `(after cdktf synth), or name the synthesized stack with --stack DIR`,
    );
  }
  const outDir = join(root, outputDirOf(config));
  const stacksDir = join(outDir, "stacks");
  const files = existsSync(stacksDir)
    ? readdirSync(stacksDir)
        .sort()
        .map((name) => join(stacksDir, name, STACK_FILE))
        .filter((file) => existsSync(file))
    : [];
  if (files.length === 0) {
    throw new BluegreenError(
      `no synthesized stack in ${join(relative(resolve(cwd), outDir) || ".", "stacks", "*", STACK_FILE)} ` +
        `(project ${root}): run cdktf synth first, or name the stack with --stack DIR`,
    );
  }
  return files;
}

/** `DIR/cdk.tf.json` for a stack directory, or the file itself when given one; throws with the hint when absent. */
export function stackFileOf(dirOrFile: string, cwd: string): string {
  const target = resolve(cwd, dirOrFile);
  const isFile = existsSync(target) && statSync(target).isFile();
  const file = isFile ? target : join(target, STACK_FILE);
  if (existsSync(file)) return file;
  const hcl = !isFile && existsSync(join(target, "cdk.tf"));
  throw new BluegreenError(
    hcl
      ? `--stack ${dirOrFile}: the stack was synthesized as HCL (cdk.tf); bluegreen drift reads JSON: run cdktf synth without --hcl`
      : `--stack ${dirOrFile}: no ${STACK_FILE} in ${target}: run cdktf synth first (a stack directory is ` +
          `cdktf.out/stacks/<stack name>)`,
  );
}

/** The stacks named by `--stack` arguments, else every stack of the project around `cwd` (each file once). */
export function readStacks(stackArgs: readonly string[] | undefined, cwd: string): SynthesizedStack[] {
  const files = stackArgs?.length ? stackArgs.map((dir) => stackFileOf(dir, cwd)) : findStackFiles(cwd);
  return [...new Set(files)].map(readStack);
}

/** Reads one cdk.tf.json and collects its gateway requests; throws `BluegreenError` naming the resource on bad input. */
export function readStack(file: string): SynthesizedStack {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new BluegreenError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const root = asRecord(json);
  if (!root) throw new BluegreenError(`${file} is not a Terraform JSON configuration (expected an object, got ${typeof json})`);
  const name = stackNameOf(root) ?? basename(dirname(file));
  const resources = asRecord(asRecord(root.resource)?.[HOOK_RESOURCE_TYPE]) ?? {};
  const objects: Array<StackResource<ObjectRequest>> = [];
  const sweeps: Array<StackResource<SweepRequest>> = [];
  const skipped: SkippedResource[] = [];
  for (const [key, resource] of Object.entries(resources)) {
    const address = `${HOOK_RESOURCE_TYPE}.${key}`;
    const input = asRecord(resourceRequest(root, resource));
    if (!input || (input.kind !== "object" && input.kind !== "sweep")) continue; // not ours
    const constructPath = typeof input.construct_path === "string" ? input.construct_path : undefined;
    const expression = findExpression(input, "");
    if (expression) {
      skipped.push({ address, constructPath, reason: `value known only at apply: ${expression}` });
      continue;
    }
    const parsed = safeParseWithMessages(gatewayRequestSchema, unescapeTemplates(input));
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
        .join("; ");
      throw new BluegreenError(
        `${address}${constructPath ? ` (construct ${constructPath})` : ""} in ${file} does not match the hook input ` +
          `schema (${issues}); was the stack synthesized by a different version of cdktf-apisix-bluegreen?`,
      );
    }
    const request = parsed.data;
    if (request.kind === "object") objects.push({ address, request });
    else if (request.kind === "sweep") sweeps.push({ address, request });
  }
  readProviderResources(root, file, objects, skipped);
  return { name, file, dir: dirname(file), objects, sweeps, skipped };
}

/**
 * The requests of the stack's `bluegreen_upstream`, `bluegreen_service` and `bluegreen_route` resources (provider
 * engine), in that order: their attributes, with Terraform's escapes undone, made into the request the provider
 * writes. A resource whose attributes hold a Terraform expression is skipped like a hook input that does.
 */
function readProviderResources(
  root: Record<string, unknown>,
  file: string,
  objects: Array<StackResource<ObjectRequest>>,
  skipped: SkippedResource[],
): void {
  for (const kind of OBJECT_KINDS) {
    const type = resourceTypeName(kind);
    const names = Object.keys(kind === "services" ? { ...OBJECT_ATTRIBUTES, ...SERVICE_ATTRIBUTES } : OBJECT_ATTRIBUTES);
    for (const [key, resource] of Object.entries(asRecord(asRecord(root.resource)?.[type]) ?? {})) {
      const address = `${type}.${key}`;
      const declared = asRecord(resource) ?? {};
      const attributes = Object.fromEntries(names.filter((n) => declared[n] !== undefined).map((n) => [n, declared[n]]));
      const constructPath = typeof attributes.construct_path === "string" ? attributes.construct_path : undefined;
      // inside the JSON attributes when they parse, so the reason names the field (`body.name = "${var.name}"`)
      const view = Object.fromEntries(Object.entries(attributes).map(([n, v]) => [n, JSON_ATTRIBUTES.includes(n) ? jsonOrText(v) : v]));
      const expression = findExpression(view, "");
      if (expression) {
        skipped.push({ address, constructPath, reason: `value known only at apply: ${expression}` });
        continue;
      }
      try {
        const request = objectRequestOf(kind, unescapeTemplates(attributes) as ObjectValue, false);
        objects.push({ address, request });
      } catch (error) {
        throw new BluegreenError(
          `${address} in ${file} is not a valid ${type} (${error instanceof Error ? error.message : String(error)}); ` +
            `was the stack synthesized by a different version of cdktf-apisix-bluegreen?`,
        );
      }
    }
  }
}

/**
 * The hook request of one `terraform_data` resource of a parsed cdk.tf.json: the local its `triggers_replace.request`
 * encodes, else its `input` (a sweep, or a stack synthesized by a version that kept the request there).
 */
export function resourceRequest(root: Record<string, unknown>, resource: unknown): unknown {
  const record = asRecord(resource);
  const local = requestLocalName(asRecord(record?.triggers_replace)?.request);
  if (local !== undefined) return asRecord(root.locals)?.[local];
  return record?.input;
}

/** Redacts every admin key the stacks' gateways read (from `env`) from a text, so that no output line can hold one. */
export function keyScrubber(stacks: readonly SynthesizedStack[], env: NodeJS.ProcessEnv): (text: string) => string {
  const names = new Set(stacks.flatMap((s) => [...s.objects, ...s.sweeps].map((r) => r.request.gateway.admin_key_env)));
  const keys = [...names].map((name) => env[name]).filter((key): key is string => typeof key === "string" && key.length > 0);
  return (text) => keys.reduce((t, key) => redact(t, key), text);
}

function outputDirOf(configFile: string): string {
  try {
    const output = asRecord(JSON.parse(readFileSync(configFile, "utf8")))?.output;
    return typeof output === "string" && output.length > 0 ? output : DEFAULT_OUTPUT_DIR;
  } catch {
    return DEFAULT_OUTPUT_DIR; // cdktf itself reports a broken cdktf.json
  }
}

function stackNameOf(root: Record<string, unknown>): string | undefined {
  const name = asRecord(asRecord(root["//"])?.metadata)?.stackName;
  return typeof name === "string" && name.length > 0 ? name : undefined;
}

/** The JSON value a string holds, else the value itself (`${jsonencode(...)}` is not JSON). */
function jsonOrText(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** True for an unescaped `${` or `%{` (Terraform interpolation or directive). */
function hasTemplate(text: string): boolean {
  return /(^|[^$])\$\{/.test(text) || /(^|[^%])%\{/.test(text);
}

/** The first `field = "value"` holding a Terraform expression, or undefined. */
function findExpression(value: unknown, where: string): string | undefined {
  if (typeof value === "string") return hasTemplate(value) ? `${where || "(value)"} = ${JSON.stringify(value)}` : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findExpression(value[i], `${where}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  const record = asRecord(value);
  if (!record) return undefined;
  for (const [key, item] of Object.entries(record)) {
    const field = where ? `${where}.${key}` : key;
    if (hasTemplate(key)) return `${field} (key)`;
    const found = findExpression(item, field);
    if (found) return found;
  }
  return undefined;
}

/** Terraform's literal escapes: `$${` is `${`, `%%{` is `%{`. */
function unescapeTemplates(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
  if (Array.isArray(value)) return value.map(unescapeTemplates);
  const record = asRecord(value);
  if (!record) return value;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [unescapeTemplates(k) as string, unescapeTemplates(v)]));
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
