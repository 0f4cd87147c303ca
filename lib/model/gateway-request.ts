/**
 * The contract between synthesis and the hook: what one `terraform_data` resource carries in its `input`.
 *
 * The constructs build these objects (through the model), cdktf writes them into `cdk.tf.json` verbatim, Terraform
 * hands them back to the hook as `jsonencode(self.input)` in the `BLUEGREEN_REQUEST` environment variable, and the
 * hook parses them with the schemas below. Keys are snake_case because Terraform's `self.input.*` paths are.
 *
 * The schemas are `zod/mini` (functions instead of methods), so that the bundled hook carries only the pieces they
 * use; classic schemas embed them like any other (lib/gateway/state-file.ts, lib/release/guardian-handoff.ts).
 *
 * Nothing secret belongs here: this object lands in `cdk.tf.json`, the plan and `terraform.tfstate`. The admin key
 * is read by the hook from the environment variable named by `gateway.admin_key_env`.
 */
import * as z from "zod/mini";
import { ENV_NAME_PATTERN } from "../schemas/patterns";
import { releaseInputSchema } from "../release/release-input";

/** The Admin API flavours this project speaks. */
export const flavorSchema = z.enum(["apisix", "api7-ee"]);
export type Flavor = z.infer<typeof flavorSchema>;

/** Label every object we write carries; objects without it are never overwritten unless adopted. */
export const MANAGED_BY_LABEL = "managed-by";
export const MANAGED_BY_VALUE = "cdktf-apisix-bluegreen";
/** Label naming the owner (one GatewayConnection) so that a sweep only ever deletes its own objects. */
export const OWNER_LABEL = "bluegreen-owner";

/** Name of the environment variable holding the admin key, unless the connection names another. */
export const DEFAULT_ADMIN_KEY_ENV = "GATEWAY_ADMIN_KEY";
/** Per-request timeout of the hook's Admin API calls. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Total time the hook spends retrying before it gives up. */
export const DEFAULT_RETRY_BUDGET_MS = 30_000;

/** Where and how the hook reaches the Admin API. */
export const gatewayTargetSchema = z.object({
  /** Base URL of the Admin API, e.g. `http://127.0.0.1:9180` (no trailing slash, no path). */
  admin_url: z.string().check(z.url()),
  flavor: flavorSchema,
  /** API7 EE only; already part of every `path` below, repeated here for the sweep's list calls. */
  gateway_group_id: z.optional(z.string().check(z.minLength(1))),
  /** Name of the environment variable that holds the admin key when the hook runs. */
  admin_key_env: z.string().check(z.regex(ENV_NAME_PATTERN)),
  /** Like `curl -k`. */
  tls_insecure_skip_verify: z._default(z.boolean(), false),
  /**
   * PEM file with the CA that signed the gateway's certificate; a relative path is resolved against the hook's working
   * directory, the stack folder, where synthesis lays the connection's `tls.caFile`.
   */
  tls_ca_file: z.optional(z.string().check(z.minLength(1))),
  /** Per-request timeout. */
  request_timeout_ms: z._default(z.number().check(z.int(), z.positive()), DEFAULT_REQUEST_TIMEOUT_MS),
  /** Total time the hook may spend retrying connection errors, 5xx and 429 before it gives up. */
  retry_budget_ms: z._default(z.number().check(z.int(), z.nonnegative()), DEFAULT_RETRY_BUDGET_MS),
});
export type GatewayTarget = z.infer<typeof gatewayTargetSchema>;

/** Defaults of the optional health gate (`health_check`). */
export const DEFAULT_HEALTH_EXPECT_STATUS = 200;
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

/** One backend node the health gate probes directly (not through the gateway). */
const healthTargetSchema = z.lazy(() =>
  z.object({
    scheme: z.enum(["http", "https"]),
    host: z.string().check(z.minLength(1)),
    port: z.number().check(z.int(), z.minimum(1), z.maximum(65535)),
    /** Host header to send: the color's `upstream_host` when it uses `pass_host: rewrite`, as the gateway would. */
    host_header: z.optional(z.string().check(z.minLength(1))),
  }),
);
export type HealthTarget = z.infer<typeof healthTargetSchema>;

/**
 * The optional health gate of a service object: before the PUT, the hook sends `GET <path>` to every node of every
 * color that the body gives traffic, and writes nothing if one of them does not answer `expect_status` within
 * `timeout_ms`. `targets` lists the nodes of every declared color and nothing derived from `active`, so a flip still
 * changes only weights; the hook derives the colors that take traffic from `body` (`colorsWithTraffic`). Built at its
 * first use (`z.lazy`), like the `release` block: the hook builds neither for a request that carries neither.
 */
export const healthCheckSchema = z.lazy(() =>
  z.object({
    /**
     * Id of the service being written, so the hook need not parse it out of `path`. Optional only for inputs written
     * by releases before it (a stack's state still holds them until its next deploy; only a destroy reads them).
     */
    service_id: z.optional(z.string().check(z.minLength(1))),
    path: z.string().check(z.startsWith("/")),
    expect_status: z.number().check(z.int(), z.minimum(100), z.maximum(599)),
    timeout_ms: z.number().check(z.int(), z.minimum(1), z.maximum(60_000)),
    targets: z.object({
      blue: z.optional(z.array(healthTargetSchema)),
      green: z.optional(z.array(healthTargetSchema)),
    }),
  }),
);
export type HealthCheck = z.infer<typeof healthCheckSchema>;

/**
 * `legacy_owner`: the `bluegreen-owner` value releases before `<package name>/<stack id>` wrote by default, the bare
 * stack id. Present only when the connection's owner is defaulted.
 */
const legacyOwnerSchema = z.optional(z.string().check(z.minLength(1)));

/**
 * One gateway object: `PUT path` with `body` on create, `DELETE path` on destroy.
 * `path` includes the query string (`?gateway_group_id=...` on API7 EE).
 */
export const objectRequestSchema = z.object({
  kind: z.literal("object"),
  method: z.literal("PUT"),
  path: z.string().check(z.startsWith("/apisix/admin/")),
  body: z.record(z.string(), z.unknown()),
  gateway: gatewayTargetSchema,
  /** Construct path, for error messages. */
  construct_path: z.string(),
  /** Overwrite an existing object that does not carry our managed-by label. */
  adopt: z._default(z.boolean(), false),
  /** Service objects with a `healthCheck` only: probe the nodes that will take traffic before the PUT. */
  health_check: z.optional(healthCheckSchema),
  /** Service objects with `release` only: write the body as a verified release (lib/release/run-release.ts). */
  release: z.optional(releaseInputSchema),
  /** An object labelled with it is ours: the PUT relabels it, the destroy hook deletes it. */
  legacy_owner: legacyOwnerSchema,
});
export type ObjectRequest = z.infer<typeof objectRequestSchema>;

/**
 * The sweep: after every object is written, delete objects labelled with `owner` that are not in `keep`,
 * routes first, then services, then upstreams. This is how a renamed or removed route or service is deleted
 * (Terraform does not run destroy-time provisioners of resources removed from the configuration).
 */
export const sweepRequestSchema = z.object({
  kind: z.literal("sweep"),
  owner: z.string().check(z.minLength(1)),
  /** Admin API paths (with query) of every object this owner still declares. */
  keep: z.array(z.string()),
  gateway: gatewayTargetSchema,
  construct_path: z.string(),
  /** Undeclared objects labelled with it are left in place, with a warning (they may be another project's). */
  legacy_owner: legacyOwnerSchema,
});
export type SweepRequest = z.infer<typeof sweepRequestSchema>;

/**
 * The connection's teardown, run by `cdktf destroy` after every object of the connection is destroyed: delete every
 * object labelled with `owner`, routes first, then services, then upstreams, whatever its Terraform status (Terraform
 * never runs the destroy hook of a tainted or deposed object). Nothing in it changes with the declared objects, so
 * it is never replaced. The sweep's fields without `keep`.
 */
export const teardownRequestSchema = z.extend(z.omit(sweepRequestSchema, { keep: true }), { kind: z.literal("teardown") });
export type TeardownRequest = z.infer<typeof teardownRequestSchema>;

export const gatewayRequestSchema = z.discriminatedUnion("kind", [objectRequestSchema, sweepRequestSchema, teardownRequestSchema]);
export type GatewayRequest = z.infer<typeof gatewayRequestSchema>;

/** The optional blocks of an object request that only some services carry. */
const OPTIONAL_BLOCKS = ["health_check", "release"] as const;
const objectSchemas = new Map<string, z.ZodMiniType>();

/**
 * The schema the hook parses `json` with: the member of `gatewayRequestSchema` its `kind` names, and for an object
 * request without the optional blocks (`health_check`, `release`) it does not carry, so that a run builds only the
 * schemas it needs (the release schemas are `z.lazy`, built at their first use). Derived from the schemas above,
 * never a copy: it accepts and rejects what `gatewayRequestSchema` does, with the same issues; anything without a
 * known `kind` gets the union itself.
 */
export function requestSchemaFor(json: unknown): z.ZodMiniType<GatewayRequest, unknown> {
  const request = json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  switch (request.kind) {
    case "object": {
      const absent = OPTIONAL_BLOCKS.filter((block) => request[block] === undefined);
      const key = absent.join(",");
      let schema = objectSchemas.get(key);
      if (schema === undefined) {
        const mask: Partial<Record<(typeof OPTIONAL_BLOCKS)[number], true>> = {};
        for (const block of absent) mask[block] = true;
        schema = absent.length === 0 ? objectRequestSchema : z.omit(objectRequestSchema, mask);
        objectSchemas.set(key, schema);
      }
      return schema as z.ZodMiniType<GatewayRequest, unknown>;
    }
    case "sweep":
      return sweepRequestSchema;
    case "teardown":
      return teardownRequestSchema;
    default:
      return gatewayRequestSchema;
  }
}

/** Environment variable through which Terraform passes `jsonencode(self.input)` to the hook. */
export const REQUEST_ENV = "BLUEGREEN_REQUEST";
