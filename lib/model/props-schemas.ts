/**
 * Zod schemas for the construct props: the single source of truth for what `GatewayConnection`, `BlueGreenService`
 * and `BlueGreenRoute` accept. Pure (no cdktf), so a native Terraform provider can validate its arguments the same way.
 *
 * Messages are written to be appended to a field path: `blue.nodes[0].port` + ` must be an integer from 1 to 65535`.
 * Construct references (`gateway`, `service`) are not part of these schemas; the constructs check them by brand.
 */
import { z } from "zod";
import { flavorSchema } from "./gateway-request";
import { activeColor, COLORS, previewValues } from "./specs";
import { UPSTREAM_HASH_LENGTH, UPSTREAM_ID_SUFFIX_MAX_LENGTH } from "./upstream-ids";
import {
  ENV_NAME_PATTERN,
  HEADER_NAME_PATTERN,
  HOST_PATTERN,
  HTTP_METHODS,
  ID_MAX_LENGTH,
  ID_PATTERN,
  LABEL_VALUE_MAX_LENGTH,
  LABEL_VALUE_PATTERN,
  NODE_HOST_PATTERN,
} from "../schemas/common";
import { PASS_HOST_MODES } from "../schemas/upstream";
import { releasePropsSchema } from "../release/release-input";
import { isIP } from "node:net";

/** Upstream ids are `<serviceId>-<color>-<content hash>` (`upstreamId`), so a service id leaves room for the suffix. */
export const SERVICE_ID_MAX_LENGTH = ID_MAX_LENGTH - UPSTREAM_ID_SUFFIX_MAX_LENGTH;
/** The schemes a color may use (APISIX knows more, for stream routes and kafka). */
const COLOR_SCHEMES = ["http", "https", "grpc", "grpcs"] as const;

const ID_RULE = `must be 1 to ${ID_MAX_LENGTH} characters of letters, digits, "-", "_" or "."`;

const intRange = (min: number, max: number, what = "an integer") => {
  const message = `must be ${what} from ${min} to ${max}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
};

/** Ids the id pattern allows but a URL cannot carry: `/routes/..` is normalised to `/routes/` (the collection). */
const DOT_SEGMENTS: readonly string[] = [".", ".."];

const idString = (maxLength: number, rule: string) =>
  z
    .string({ error: rule })
    .min(1, { error: rule })
    .max(maxLength, { error: rule })
    .regex(ID_PATTERN, { error: rule })
    .refine((v) => !DOT_SEGMENTS.includes(v), {
      error: 'must not be "." or ".." (in an Admin API URL they name the collection, not an object)',
    });

/** An APISIX object id (route id, gateway group id). */
export const objectIdPropSchema = idString(ID_MAX_LENGTH, ID_RULE);

const OWNER_RULE = `must be 1 to ${LABEL_VALUE_MAX_LENGTH} characters without whitespace (an APISIX label value)`;

/** The `bluegreen-owner` label value. */
const ownerPropSchema = z
  .string({ error: OWNER_RULE })
  .min(1, { error: OWNER_RULE })
  .max(LABEL_VALUE_MAX_LENGTH, { error: OWNER_RULE })
  .regex(LABEL_VALUE_PATTERN, { error: OWNER_RULE });

/** A service id: an object id short enough for the derived upstream ids. */
const serviceIdPropSchema = idString(
  SERVICE_ID_MAX_LENGTH,
  `must be 1 to ${SERVICE_ID_MAX_LENGTH} characters of letters, digits, "-", "_" or "." (upstream ids append "-green-" ` +
    `and ${UPSTREAM_HASH_LENGTH} hex digits of a content hash, and may have at most ${ID_MAX_LENGTH} characters)`,
);

/** A display name (APISIX `rule_name_def`). */
const namePropSchema = z
  .string({ error: "must be a string of 1 to 256 characters" })
  .min(1, { error: "must be a string of 1 to 256 characters" })
  .max(256, { error: "must be a string of 1 to 256 characters" });

const nodeHostPropSchema = z
  .string({ error: "must be a hostname or ip address" })
  .min(1, { error: "must be a hostname or ip address" })
  .max(253, { error: "must be a hostname or ip address of at most 253 characters" })
  .regex(NODE_HOST_PATTERN, { error: "must be a hostname or ip address (letters, digits, '-', '.', ':', '[', ']')" });

const routeHostPropSchema = z
  .string({ error: "must be a hostname, optionally starting with '*'" })
  .min(1, { error: "must be a hostname, optionally starting with '*'" })
  .max(253, { error: "must be a hostname of at most 253 characters" })
  .regex(HOST_PATTERN, { error: "must be a hostname, optionally starting with '*'" });

const portPropSchema = intRange(1, 65535);

/** One backend node of a color. */
export const upstreamNodePropSchema = z.strictObject({
  host: nodeHostPropSchema,
  port: portPropSchema,
  weight: intRange(0, 65535).optional(),
});

const timeoutSec = z
  .number({ error: "must be a number of seconds greater than 0" })
  .gt(0, { error: "must be a number of seconds greater than 0" })
  .max(86_400, { error: "must be a number of seconds greater than 0 and at most 86400" });

/** One color (blue or green): the nodes and how to reach them. */
export const upstreamPropsSchema = z
  .strictObject({
    nodes: z
      .array(upstreamNodePropSchema, { error: "must be a list of nodes" })
      .min(1, { error: "must list at least one node" }),
    scheme: z.enum(COLOR_SCHEMES, { error: `must be one of ${COLOR_SCHEMES.join(", ")}` }).optional(),
    passHost: z.enum(PASS_HOST_MODES, { error: `must be one of ${PASS_HOST_MODES.join(", ")}` }).optional(),
    upstreamHost: nodeHostPropSchema.optional(),
    connectTimeoutSec: timeoutSec.optional(),
    sendTimeoutSec: timeoutSec.optional(),
    readTimeoutSec: timeoutSec.optional(),
    retries: intRange(0, 100).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.passHost === "rewrite" && v.upstreamHost === undefined) {
      ctx.addIssue({ code: "custom", path: ["upstreamHost"], message: 'must be set when passHost is "rewrite"' });
    }
    if (v.upstreamHost !== undefined && v.passHost !== "rewrite") {
      ctx.addIssue({ code: "custom", path: ["passHost"], message: 'must be "rewrite" when upstreamHost is set' });
    }
  });

/** Header-based preview of either color. */
export const previewPropsSchema = z
  .strictObject({
    header: z
      .string({ error: "must be an http header name of letters, digits and '-'" })
      .min(1, { error: "must be an http header name of letters, digits and '-'" })
      .max(128, { error: "must be an http header name of at most 128 characters" })
      .regex(HEADER_NAME_PATTERN, { error: "must be an http header name of letters, digits and '-'" }),
    greenValue: z.string({ error: "must be a non-empty string" }).min(1, { error: "must be a non-empty string" }).optional(),
    blueValue: z.string({ error: "must be a non-empty string" }).min(1, { error: "must be a non-empty string" }).optional(),
  })
  .superRefine((v, ctx) => {
    const values = previewValues(v);
    if (values.green === values.blue) {
      ctx.addIssue({ code: "custom", path: ["blueValue"], message: "must differ from greenValue" });
    }
  });

const flavorProp = z.enum(flavorSchema.options, { error: 'must be "apisix" or "api7-ee"' });

/** `GatewayConnectionProps`. */
/**
 * How Terraform talks to the gateway: `hooks` (terraform_data resources whose local-exec provisioners run the hook) or
 * `provider` (this package's own Terraform provider, laid into the stack folder at synth).
 */
export const ENGINES = ["hooks", "provider"] as const;
export type Engine = (typeof ENGINES)[number];
/** The engine of a connection that names none. */
export const DEFAULT_ENGINE: Engine = "hooks";

export const gatewayConnectionPropsSchema = z
  .strictObject({
    adminUrl: z.string({ error: "must be an http(s) url without path, e.g. https://127.0.0.1:9180" }).refine(isAdminUrl, {
      error: "must be an http(s) url without path, query or credentials, e.g. https://127.0.0.1:9180",
    }),
    flavor: flavorProp.optional(),
    gatewayGroupId: objectIdPropSchema.optional(),
    adminKeyEnv: z
      .string({ error: "must be an environment variable name" })
      .regex(ENV_NAME_PATTERN, { error: "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)" })
      .optional(),
    tls: z
      .strictObject({
        insecureSkipVerify: z.boolean({ error: "must be a boolean" }).optional(),
        caFile: z.string({ error: "must be a file path" }).min(1, { error: "must be a file path" }).optional(),
      })
      .superRefine((v, ctx) => {
        if (v.insecureSkipVerify === true && v.caFile !== undefined) {
          ctx.addIssue({ code: "custom", path: ["caFile"], message: "must not be set together with insecureSkipVerify" });
        }
      })
      .optional(),
    owner: ownerPropSchema.optional(),
    requestTimeoutMs: intRange(1, 600_000).optional(),
    retryBudgetMs: intRange(0, 3_600_000).optional(),
    proxyUrl: z
      .string({ error: "must be an http(s) url without path, e.g. http://127.0.0.1:9080" })
      .refine(isAdminUrl, { error: "must be an http(s) url without path, query or credentials, e.g. http://127.0.0.1:9080" })
      .optional(),
    engine: z.enum(ENGINES, { error: `must be one of ${ENGINES.map((e) => JSON.stringify(e)).join(", ")}` }).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.flavor === "api7-ee" && v.gatewayGroupId === undefined) {
      ctx.addIssue({ code: "custom", path: ["gatewayGroupId"], message: 'is required when flavor is "api7-ee"' });
    }
    if (v.flavor !== "api7-ee" && v.gatewayGroupId !== undefined) {
      ctx.addIssue({ code: "custom", path: ["gatewayGroupId"], message: 'is only allowed when flavor is "api7-ee"' });
    }
  });

const pathProp = z
  .string({ error: 'must be a path starting with "/"' })
  .min(1, { error: 'must be a path starting with "/"' })
  .max(4096, { error: "must be a path of at most 4096 characters" })
  .regex(/^\/\S*$/, { error: 'must be a path starting with "/" without whitespace' });

/** The health gate of the service write. */
export const healthCheckPropsSchema = z.strictObject({
  path: pathProp,
  expectStatus: intRange(100, 599).optional(),
  timeoutMs: intRange(1, 60_000).optional(),
});

/** `BlueGreenServiceProps` without `gateway`. */
export const blueGreenServicePropsSchema = z.strictObject({
  serviceId: serviceIdPropSchema,
  name: namePropSchema.optional(),
  blue: upstreamPropsSchema,
  green: upstreamPropsSchema,
  hosts: z
    .array(routeHostPropSchema, { error: "must be a list of hosts" })
    .min(1, { error: "must list at least one host, or be left out for any host" })
    .max(32, { error: "must list at most 32 hosts" })
    .refine(unique, { error: "must not repeat a host" })
    .optional(),
  active: z.enum(COLORS, { error: 'must be "blue" or "green"' }).optional(),
  canaryPercent: intRange(0, 99).optional(),
  preview: previewPropsSchema.optional(),
  retireIdle: z.boolean({ error: "must be a boolean" }).optional(),
  healthCheck: healthCheckPropsSchema.optional(),
  adopt: z.boolean({ error: "must be a boolean" }).optional(),
  release: z.optional(releasePropsSchema),
}).superRefine((v, ctx) => {
  if (v.release?.analysis !== undefined && v.retireIdle !== true) refuseSharedNodeIps(v, ctx);
  if (v.healthCheck === undefined) return;
  // the colors the health gate may probe: both, or only the active one once the idle color is retired
  const colors = v.retireIdle === true ? [activeColor(v)] : COLORS;
  for (const color of colors) {
    const scheme = v[color]?.scheme;
    if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
      ctx.addIssue({
        code: "custom",
        path: [color, "scheme"],
        message: "must be http or https when healthCheck is set (the health check is an http GET)",
      });
    }
  }
});

/**
 * `release.analysis` tells the colors apart by the IP the gateway connected to (the metrics' `node` label): a literal
 * IP that is a node of both colors makes that impossible. (Hostnames are resolved, and refused, by the hook.)
 */
function refuseSharedNodeIps(v: { blue?: { nodes?: unknown }; green?: { nodes?: unknown } }, ctx: z.RefinementCtx): void {
  const literalIps = (nodes: unknown) =>
    (Array.isArray(nodes) ? nodes : []).map((n) => (n as { host?: unknown } | null)?.host).map((h) => (typeof h === "string" && isIP(h) !== 0 ? h : undefined));
  const blue = new Set(literalIps(v.blue?.nodes).filter((h) => h !== undefined));
  literalIps(v.green?.nodes).forEach((host, i) => {
    if (host === undefined || !blue.has(host)) return;
    ctx.addIssue({
      code: "custom",
      path: ["green", "nodes", i, "host"],
      message:
        "must not be a node IP of blue too while release.analysis is set (the gateway labels its metrics with the IP it " +
        "connected to, so the analysis could not tell the colors apart); give each color its own node IPs",
    });
  });
}

const METHOD_RULE = `must be one of ${HTTP_METHODS.join(", ")}`;
/** An HTTP method; typed `string` like `RouteMatch.methods`. */
const method = z
  .string({ error: METHOD_RULE })
  .refine((m) => (HTTP_METHODS as readonly string[]).includes(m), { error: METHOD_RULE });

/** `BlueGreenRouteProps` without `service`; `flavor` is the flavor of the service's gateway. */
export const blueGreenRoutePropsSchema = (flavor: "apisix" | "api7-ee") =>
  z.strictObject({
    routeId: objectIdPropSchema,
    name: namePropSchema.optional(),
    methods: z
      .array(method, { error: "must be a list of methods" })
      .min(1, { error: "must list at least one method, or be left out for any method" })
      .refine(unique, { error: "must not repeat a method" })
      .optional(),
    paths: z
      .array(pathProp, { error: 'must be a list of paths starting with "/"' })
      .min(1, { error: "must list at least one path" })
      .refine(unique, { error: "must not repeat a path" }),
    hosts:
      flavor === "api7-ee"
        ? z.undefined({ error: 'is not supported on api7-ee routes (hosts live on the service); remove it' }).optional()
        : z
            .array(routeHostPropSchema, { error: "must be a list of hosts" })
            .min(1, { error: "must list at least one host, or be left out for any host" })
            .refine(unique, { error: "must not repeat a host" })
            .optional(),
    priority: intRange(-1_000_000, 1_000_000).optional(),
    adopt: z.boolean({ error: "must be a boolean" }).optional(),
  });

/**
 * Props that must be plain strings when the app synthesizes, not Terraform tokens (variables, resource attributes,
 * `Fn` results): they become part of Admin API paths, labels and the synth-time ownership checks, and a token there
 * would be written percent-encoded into the paths.
 */
export const SYNTH_TIME_PROPS = {
  gatewayConnection: ["owner", "gatewayGroupId", "engine"],
  blueGreenService: ["serviceId"],
  blueGreenRoute: ["routeId"],
} as const satisfies Record<string, readonly string[]>;

const SYNTH_TIME_RULE =
  "must be known at synth time: a plain string, not a Terraform variable, resource attribute or Fn result " +
  "(it names gateway objects or their owner)";

/** `GatewayConnectionProps`, as the model's conversions take it. */
export type GatewayConnectionPropsInput = z.input<typeof gatewayConnectionPropsSchema>;

/** Whether `value` is an http(s) URL with no path (other than "/"), query, fragment or credentials. */
export function isAdminUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === "http:" || url.protocol === "https:") &&
    url.hostname !== "" &&
    (url.pathname === "/" || url.pathname === "") &&
    url.search === "" &&
    url.hash === "" &&
    url.username === "" &&
    url.password === "" &&
    !/\s/.test(value)
  );
}

function unique(values: readonly unknown[]): boolean {
  return new Set(values).size === values.length;
}

/** One validation problem, ready to print: `blue.nodes[0].port must be ..., got 70000`. */
export interface PropIssue {
  /** Dotted field path, e.g. `blue.nodes[0].port` (empty for the props object itself). */
  readonly field: string;
  /** The segments of the path. */
  readonly path: readonly PropertyKey[];
  /** What is allowed. */
  readonly message: string;
}

/**
 * Validates `props` and returns the problems, leaving out those on values for which `skip` is true (unresolved
 * tokens: their real value is only known when Terraform runs), except at the top-level `synthTime` props, where such
 * a value is itself a problem (see `SYNTH_TIME_PROPS`).
 */
export function checkProps(
  schema: z.core.$ZodType,
  props: unknown,
  skip: (value: unknown) => boolean = () => false,
  synthTime: readonly string[] = [],
): PropIssue[] {
  const issues: PropIssue[] = [];
  for (const field of synthTime) {
    if (skip(valueAt(props, [field]))) issues.push({ field, path: [field], message: SYNTH_TIME_RULE });
  }
  const result = z.safeParse(schema, props);
  if (result.success) return issues;
  for (const issue of result.error.issues) {
    if (pathTouches(props, issue.path, skip)) continue;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        issues.push({ field: formatPath(path), path, message: "is not a known prop" });
      }
      continue;
    }
    const field = formatPath(issue.path);
    if (issues.some((i) => i.field === field && i.message === issue.message)) continue;
    issues.push({ field, path: issue.path, message: issue.message });
  }
  return issues;
}

/** Renders issues as `field message, got value` fragments. */
export function formatIssues(props: unknown, issues: readonly PropIssue[], describe: (v: unknown) => string): string[] {
  return issues.map((i) => {
    const value = valueAt(props, i.path);
    const subject = i.field === "" ? "props" : i.field;
    return i.message === "is not a known prop"
      ? `${subject} ${i.message}`
      : `${subject} ${i.message}, got ${describe(value)}`;
  });
}

/** `["blue","nodes",0,"port"]` → `blue.nodes[0].port`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function pathTouches(root: unknown, path: readonly PropertyKey[], skip: (value: unknown) => boolean): boolean {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return false;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
    if (skip(cur)) return true;
  }
  return false;
}
