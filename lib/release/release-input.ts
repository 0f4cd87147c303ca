/**
 * The contract of a verified release: the camelCase `release` prop of a service (`releasePropsSchema`, validated at
 * synth time) and the snake_case `release` block of the service's hook input (`releaseInputSchema`, parsed by the
 * hook), plus `buildReleaseInput`, which turns the first into the second with what the release needs from the
 * connection (`proxyUrl`) and the service (`preview`, `hosts`, the nodes of each color).
 *
 * (`GatewayConnectionProps.proxyUrl` is validated with the connection's props, in model/props-schemas.ts.)
 *
 * `release` is static configuration: nothing in it depends on `active` or `canaryPercent`, so a flip still changes
 * only weights in `cdk.tf.json`. Pure: no cdktf imports.
 */
import { z } from "zod";
import type { Color, NodeSpec, PreviewSpec, ReleaseSpec } from "../model/specs";
import { HEADER_NAME_PATTERN, HTTP_METHODS } from "../schemas/common";

/** Inconclusive analysis windows watched in a row at one step before the release fails. */
export const DEFAULT_MAX_INCONCLUSIVE_WINDOWS = 3;
/** Defaults of one check. */
export const DEFAULT_CHECK_METHOD = "GET";
export const DEFAULT_CHECK_EXPECT_STATUS = 200;
export const DEFAULT_CHECK_COUNT = 1;
export const DEFAULT_CHECK_TIMEOUT_MS = 5_000;
/** The longest a step may be watched, in seconds (one hour). */
export const MAX_STEP_INTERVAL_SEC = 3_600;

const int = (min: number, max: number, what = "an integer") => {
  const message = `must be ${what} from ${min} to ${max}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
};

const PATH_RULE = 'must be a path starting with "/" without whitespace (a query string is allowed)';
const checkPath = z
  .string({ error: PATH_RULE })
  .max(4096, { error: "must be a path of at most 4096 characters" })
  .regex(/^\/\S*$/, { error: PATH_RULE });

const HEADER_RULE = "must map http header names (letters, digits and '-') to string values";
const headerMap = z
  .record(
    z.string().regex(HEADER_NAME_PATTERN, { error: HEADER_RULE }),
    z.string({ error: HEADER_RULE }).max(8192, { error: "must be a header value of at most 8192 characters" }),
    { error: HEADER_RULE },
  )
  .refine((h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length, {
    error: "must not name a header twice (header names are case-insensitive)",
  });

const steps = z
  .array(int(1, 99, "a percentage, an integer"), { error: "must be a list of percentages from 1 to 99, in increasing order" })
  .max(20, { error: "must list at most 20 steps" })
  .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), { error: "must be in strictly increasing order, e.g. [10, 50]" });

const stepInterval = z
  .number({ error: `must be a number of seconds greater than 0 and at most ${MAX_STEP_INTERVAL_SEC}` })
  .gt(0, { error: `must be a number of seconds greater than 0 and at most ${MAX_STEP_INTERVAL_SEC}` })
  .max(MAX_STEP_INTERVAL_SEC, { error: `must be a number of seconds greater than 0 and at most ${MAX_STEP_INTERVAL_SEC}` });

const URL_RULE = "must be an http(s) url, e.g. http://127.0.0.1:9091/apisix/prometheus/metrics";
const httpUrl = z.string({ error: URL_RULE }).refine(isHttpUrl, { error: URL_RULE });

const percent = z
  .number({ error: "must be a percentage from 0 to 100" })
  .min(0, { error: "must be a percentage from 0 to 100" })
  .max(100, { error: "must be a percentage from 0 to 100" });
const positiveMs = z
  .number({ error: "must be a number of milliseconds greater than 0" })
  .gt(0, { error: "must be a number of milliseconds greater than 0" });

// ---------------------------------------------------------------------------------------------------------------
// camelCase props (`BlueGreenServiceProps.release`)

/** One check of `release.checks`. */
export const releaseCheckPropsSchema = z.strictObject({
  path: checkPath,
  method: z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(", ")}` }).optional(),
  expectStatus: int(100, 599).optional(),
  count: int(1, 1_000).optional(),
  headers: headerMap.optional(),
  expectBodyContains: z.string({ error: "must be a string" }).min(1, { error: "must be a non-empty string" }).optional(),
  expectHeaders: headerMap.optional(),
  timeoutMs: int(1, 60_000).optional(),
});

/** `release.analysis`. */
export const releaseAnalysisPropsSchema = z
  .strictObject({
    exporterUrls: z
      .array(httpUrl, { error: "must be a list of metrics URLs, one per gateway node" })
      .min(1, { error: "must list the metrics URL of every gateway node" })
      .optional(),
    prometheusUrl: httpUrl.optional(),
    minSuccessRatePercent: percent.optional(),
    maxP99Ms: positiveMs.optional(),
    minRequests: int(1, 1_000_000_000),
    maxInconclusiveWindows: int(1, 100).optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.exporterUrls === undefined) === (v.prometheusUrl === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "must set exactly one of exporterUrls (the gateways' metrics URLs) or prometheusUrl",
      });
    }
    if (v.minSuccessRatePercent === undefined && v.maxP99Ms === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "must set minSuccessRatePercent, maxP99Ms or both (nothing to judge)" });
    }
  });

/** `BlueGreenServiceProps.release`. */
export const releasePropsSchema = z
  .strictObject({
    steps: steps.optional(),
    stepIntervalSec: stepInterval,
    checks: z.array(releaseCheckPropsSchema, { error: "must be a list of checks" }).max(50, { error: "must list at most 50 checks" }).optional(),
    analysis: releaseAnalysisPropsSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.checks === undefined || v.checks.length === 0) && v.analysis === undefined) {
      ctx.addIssue({ code: "custom", path: ["checks"], message: "must list at least one check when analysis is not set (nothing would be verified)" });
    }
  });

export type ReleaseProps = z.input<typeof releasePropsSchema>;
export type ReleaseCheckProps = z.input<typeof releaseCheckPropsSchema>;
export type ReleaseAnalysisProps = z.input<typeof releaseAnalysisPropsSchema>;

// ---------------------------------------------------------------------------------------------------------------
// snake_case hook input (`input.release` of the service's terraform_data)

export const releaseCheckSchema = z.object({
  path: checkPath,
  method: z.enum(HTTP_METHODS),
  expect_status: int(100, 599),
  count: int(1, 1_000),
  headers: headerMap.optional(),
  expect_body_contains: z.string().min(1).optional(),
  expect_headers: headerMap.optional(),
  timeout_ms: int(1, 60_000).default(DEFAULT_CHECK_TIMEOUT_MS),
});
export type ReleaseCheck = z.infer<typeof releaseCheckSchema>;

export const releaseAnalysisSchema = z
  .object({
    exporter_urls: z.array(httpUrl).min(1).optional(),
    prometheus_url: httpUrl.optional(),
    min_success_rate_percent: percent.optional(),
    max_p99_ms: positiveMs.optional(),
    min_requests: int(1, 1_000_000_000),
    max_inconclusive_windows: int(1, 100).default(DEFAULT_MAX_INCONCLUSIVE_WINDOWS),
  })
  .refine((v) => (v.exporter_urls === undefined) !== (v.prometheus_url === undefined), {
    error: "must set exactly one of exporter_urls or prometheus_url",
  });
export type ReleaseAnalysisInput = z.infer<typeof releaseAnalysisSchema>;

/** One node of a color, as the release resolves it to the IPs its metrics are labelled with. */
export const releaseTargetSchema = z.object({ host: z.string().min(1), port: int(1, 65535) });
export type ReleaseTarget = z.infer<typeof releaseTargetSchema>;

/** The `release` block of a service's hook input. */
export const releaseInputSchema = z.object({
  /** % of traffic on the color that gains traffic, before the declared weights. */
  steps: steps.default([]),
  step_interval_sec: stepInterval,
  checks: z.array(releaseCheckSchema).default([]),
  analysis: releaseAnalysisSchema.optional(),
  /** The data plane the checks are sent to, e.g. `http://127.0.0.1:9080` (API7 EE: the gateway group's). */
  proxy_url: httpUrl,
  /** The preview header and the value that reaches each color. */
  preview: z
    .object({ header: z.string().regex(HEADER_NAME_PATTERN), values: z.object({ blue: z.string().min(1), green: z.string().min(1) }) })
    .optional(),
  /** The service's hosts; checks without a `Host` header send the first one without a wildcard. */
  hosts: z.array(z.string().min(1)).optional(),
  /** The nodes of every declared color (both, or the active one of a retired service). */
  targets: z.object({ blue: z.array(releaseTargetSchema).optional(), green: z.array(releaseTargetSchema).optional() }),
});
export type ReleaseInput = z.infer<typeof releaseInputSchema>;
/** What `releaseInputSchema` accepts (defaults not yet applied). */
export type ReleaseInputJson = z.input<typeof releaseInputSchema>;

/** What the release needs besides the prop: from the connection and the service. */
export interface ReleaseContext {
  /** `GatewayConnectionProps.proxyUrl`. */
  readonly proxyUrl: string;
  readonly preview?: PreviewSpec;
  readonly hosts?: readonly string[];
  /** The nodes of each declared color. */
  readonly nodes: Partial<Record<Color, readonly NodeSpec[]>>;
}

/** The snake_case `release` block of the hook input, every default written out. `props` must be valid. */
export function buildReleaseInput(props: ReleaseSpec, context: ReleaseContext): ReleaseInput {
  const input: ReleaseInput = {
    steps: [...(props.steps ?? [])],
    step_interval_sec: props.stepIntervalSec,
    checks: (props.checks ?? []).map((c) => {
      const check: ReleaseCheck = {
        path: c.path,
        method: c.method ?? DEFAULT_CHECK_METHOD,
        expect_status: c.expectStatus ?? DEFAULT_CHECK_EXPECT_STATUS,
        count: c.count ?? DEFAULT_CHECK_COUNT,
        timeout_ms: c.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
      };
      if (c.headers !== undefined) check.headers = { ...c.headers };
      if (c.expectBodyContains !== undefined) check.expect_body_contains = c.expectBodyContains;
      if (c.expectHeaders !== undefined) check.expect_headers = { ...c.expectHeaders };
      return check;
    }),
    proxy_url: context.proxyUrl.replace(/\/+$/, ""),
    targets: {},
  };
  const a = props.analysis;
  if (a !== undefined) {
    const analysis: ReleaseAnalysisInput = {
      min_requests: a.minRequests,
      max_inconclusive_windows: a.maxInconclusiveWindows ?? DEFAULT_MAX_INCONCLUSIVE_WINDOWS,
    };
    if (a.exporterUrls !== undefined) analysis.exporter_urls = [...a.exporterUrls];
    if (a.prometheusUrl !== undefined) analysis.prometheus_url = a.prometheusUrl;
    if (a.minSuccessRatePercent !== undefined) analysis.min_success_rate_percent = a.minSuccessRatePercent;
    if (a.maxP99Ms !== undefined) analysis.max_p99_ms = a.maxP99Ms;
    input.analysis = analysis;
  }
  if (context.preview !== undefined) {
    input.preview = {
      header: context.preview.header,
      values: { blue: context.preview.blueValue ?? "blue", green: context.preview.greenValue ?? "green" },
    };
  }
  if (context.hosts !== undefined) input.hosts = [...context.hosts];
  for (const color of ["blue", "green"] as const) {
    const nodes = context.nodes[color];
    if (nodes !== undefined) input.targets[color] = nodes.map((n) => ({ host: n.host, port: n.port }));
  }
  return input;
}

/** The header (name and value) that reaches `color` through the preview rules. */
export function previewHeader(input: ReleaseInput, color: Color): { readonly name: string; readonly value: string } | undefined {
  return input.preview === undefined ? undefined : { name: input.preview.header, value: input.preview.values[color] };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && !/\s/.test(value);
  } catch {
    return false;
  }
}
