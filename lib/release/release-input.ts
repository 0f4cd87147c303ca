/**
 * The contract of a verified release: the camelCase `release` prop of a service (`releasePropsSchema`, validated at
 * synth time) and the snake_case `release` block of the service's hook input (`releaseInputSchema`, parsed by the
 * hook), plus `buildReleaseInput`, which turns the first into the second with what the release needs from the
 * connection (`proxyUrl`) and the service (`preview`, `hosts`, the nodes of each color).
 *
 * (`GatewayConnectionProps.proxyUrl` is validated with the connection's props, in model/props-schemas.ts.)
 *
 * `release` is static configuration: nothing in it depends on `active` or `canaryPercent`, so a flip still changes
 * only weights in `cdk.tf.json`. Pure: no cdktf imports. `zod/mini`, like the rest of the hook input
 * (lib/model/gateway-request.ts): the bundled hook loads this module.
 */
import * as z from "zod/mini";
import type { Color, NodeSpec, PreviewSpec, ReleaseSpec } from "../model/specs";
import { HEADER_NAME_PATTERN, HTTP_METHODS } from "../schemas/patterns";

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
  return z.number({ error: message }).check(z.int({ error: message }), z.minimum(min, { error: message }), z.maximum(max, { error: message }));
};

const PATH_RULE = 'must be a path starting with "/" without whitespace (a query string is allowed)';
const HEADER_RULE = "must map http header names (letters, digits and '-') to string values";
const STEP_INTERVAL_RULE = `must be a number of seconds greater than 0 and at most ${MAX_STEP_INTERVAL_SEC}`;
const URL_RULE = "must be an http(s) url, e.g. http://127.0.0.1:9091/apisix/prometheus/metrics";
const PERCENT_RULE = "must be a percentage from 0 to 100";
const POSITIVE_MS_RULE = "must be a number of milliseconds greater than 0";

/**
 * The pieces the camelCase props and the snake_case input share. Like every schema of this module, built at its first
 * use and kept (the exported schemas are `z.lazy`): the hook parses a `release` block only for the few services that
 * have one, and never the camelCase props, so its start does not pay for building them.
 */
const pieces = once(() => ({
  checkPath: z
    .string({ error: PATH_RULE })
    .check(z.maxLength(4096, { error: "must be a path of at most 4096 characters" }), z.regex(/^\/\S*$/, { error: PATH_RULE })),
  headerMap: z
    .record(
      z.string().check(z.regex(HEADER_NAME_PATTERN, { error: HEADER_RULE })),
      z.string({ error: HEADER_RULE }).check(z.maxLength(8192, { error: "must be a header value of at most 8192 characters" })),
      { error: HEADER_RULE },
    )
    .check(
      z.refine((h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length, {
        error: "must not name a header twice (header names are case-insensitive)",
      }),
    ),
  steps: z
    .array(int(1, 99, "a percentage, an integer"), { error: "must be a list of percentages from 1 to 99, in increasing order" })
    .check(
      z.maxLength(20, { error: "must list at most 20 steps" }),
      z.refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), { error: "must be in strictly increasing order, e.g. [10, 50]" }),
    ),
  stepInterval: z
    .number({ error: STEP_INTERVAL_RULE })
    .check(z.gt(0, { error: STEP_INTERVAL_RULE }), z.maximum(MAX_STEP_INTERVAL_SEC, { error: STEP_INTERVAL_RULE })),
  httpUrl: z.string({ error: URL_RULE }).check(z.refine(isHttpUrl, { error: URL_RULE })),
  percent: z.number({ error: PERCENT_RULE }).check(z.minimum(0, { error: PERCENT_RULE }), z.maximum(100, { error: PERCENT_RULE })),
  positiveMs: z.number({ error: POSITIVE_MS_RULE }).check(z.gt(0, { error: POSITIVE_MS_RULE })),
}));

// ---------------------------------------------------------------------------------------------------------------
// camelCase props (`BlueGreenServiceProps.release`)

/** One check of `release.checks`. */
export const releaseCheckPropsSchema = z.lazy(() => {
  const { checkPath, headerMap } = pieces();
  return z.strictObject({
    path: checkPath,
    method: z.optional(z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(", ")}` })),
    expectStatus: z.optional(int(100, 599)),
    count: z.optional(int(1, 1_000)),
    headers: z.optional(headerMap),
    expectBodyContains: z.optional(z.string({ error: "must be a string" }).check(z.minLength(1, { error: "must be a non-empty string" }))),
    expectHeaders: z.optional(headerMap),
    timeoutMs: z.optional(int(1, 60_000)),
  });
});

/** `release.analysis`. */
export const releaseAnalysisPropsSchema = z.lazy(() => {
  const { httpUrl, percent, positiveMs } = pieces();
  return z
    .strictObject({
      exporterUrls: z.optional(
        z
          .array(httpUrl, { error: "must be a list of metrics URLs, one per gateway node" })
          .check(z.minLength(1, { error: "must list the metrics URL of every gateway node" })),
      ),
      prometheusUrl: z.optional(httpUrl),
      minSuccessRatePercent: z.optional(percent),
      maxP99Ms: z.optional(positiveMs),
      minRequests: int(1, 1_000_000_000),
      maxInconclusiveWindows: z.optional(int(1, 100)),
    })
    .check(z.superRefine((v, ctx) => {
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
    }));
});

/** `BlueGreenServiceProps.release`. */
export const releasePropsSchema = z.lazy(() =>
  z
    .strictObject({
      steps: z.optional(pieces().steps),
      stepIntervalSec: pieces().stepInterval,
      checks: z.optional(
        z.array(releaseCheckPropsSchema, { error: "must be a list of checks" }).check(z.maxLength(50, { error: "must list at most 50 checks" })),
      ),
      analysis: z.optional(releaseAnalysisPropsSchema),
    })
    .check(
      z.superRefine((v, ctx) => {
        if ((v.checks === undefined || v.checks.length === 0) && v.analysis === undefined) {
          ctx.addIssue({ code: "custom", path: ["checks"], message: "must list at least one check when analysis is not set (nothing would be verified)" });
        }
      }),
    ),
);

export type ReleaseProps = z.input<typeof releasePropsSchema>;
export type ReleaseCheckProps = z.input<typeof releaseCheckPropsSchema>;
export type ReleaseAnalysisProps = z.input<typeof releaseAnalysisPropsSchema>;

// ---------------------------------------------------------------------------------------------------------------
// snake_case hook input (`input.release` of the service's terraform_data)

export const releaseCheckSchema = z.lazy(() => {
  const { checkPath, headerMap } = pieces();
  return z.object({
    path: checkPath,
    method: z.enum(HTTP_METHODS),
    expect_status: int(100, 599),
    count: int(1, 1_000),
    headers: z.optional(headerMap),
    expect_body_contains: z.optional(z.string().check(z.minLength(1))),
    expect_headers: z.optional(headerMap),
    timeout_ms: z._default(int(1, 60_000), DEFAULT_CHECK_TIMEOUT_MS),
  });
});
export type ReleaseCheck = z.infer<typeof releaseCheckSchema>;

export const releaseAnalysisSchema = z.lazy(() => {
  const { httpUrl, percent, positiveMs } = pieces();
  return z
    .object({
      exporter_urls: z.optional(z.array(httpUrl).check(z.minLength(1))),
      prometheus_url: z.optional(httpUrl),
      min_success_rate_percent: z.optional(percent),
      max_p99_ms: z.optional(positiveMs),
      min_requests: int(1, 1_000_000_000),
      max_inconclusive_windows: z._default(int(1, 100), DEFAULT_MAX_INCONCLUSIVE_WINDOWS),
    })
    .check(
      z.refine((v) => (v.exporter_urls === undefined) !== (v.prometheus_url === undefined), {
        error: "must set exactly one of exporter_urls or prometheus_url",
      }),
    );
});
export type ReleaseAnalysisInput = z.infer<typeof releaseAnalysisSchema>;

/** One node of a color, as the release resolves it to the IPs its metrics are labelled with. */
export const releaseTargetSchema = z.lazy(() => z.object({ host: z.string().check(z.minLength(1)), port: int(1, 65535) }));
export type ReleaseTarget = z.infer<typeof releaseTargetSchema>;

/** The `release` block of a service's hook input. */
export const releaseInputSchema = z.lazy(() =>
  z.object({
    /** % of traffic on the color that gains traffic, before the declared weights. */
    steps: z._default(pieces().steps, []),
    step_interval_sec: pieces().stepInterval,
    checks: z._default(z.array(releaseCheckSchema), []),
    analysis: z.optional(releaseAnalysisSchema),
    /** The data plane the checks are sent to, e.g. `http://127.0.0.1:9080` (API7 EE: the gateway group's). */
    proxy_url: pieces().httpUrl,
    /** The preview header and the value that reaches each color. */
    preview: z.optional(
      z.object({
        header: z.string().check(z.regex(HEADER_NAME_PATTERN)),
        values: z.object({ blue: z.string().check(z.minLength(1)), green: z.string().check(z.minLength(1)) }),
      }),
    ),
    /** The service's hosts; checks without a `Host` header send the first one without a wildcard. */
    hosts: z.optional(z.array(z.string().check(z.minLength(1)))),
    /** The nodes of every declared color (both, or the active one of a retired service). */
    targets: z.object({ blue: z.optional(z.array(releaseTargetSchema)), green: z.optional(z.array(releaseTargetSchema)) }),
  }),
);
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

/** `build()`, called at the first call only. */
function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && !/\s/.test(value);
  } catch {
    return false;
  }
}
