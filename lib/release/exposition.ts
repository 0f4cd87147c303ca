/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4): what APISIX's exporter, the embedded
 * gateway (prom-client) and every Prometheus client serve. Written here because no maintained npm parser handles
 * labelled histograms correctly (`parse-prometheus-text-format` 1.1.1 merges the buckets of all label sets into one).
 *
 * Strict means: a line that is not a comment, `# HELP`, `# TYPE` or a well-formed sample is an error naming the
 * source, the line number and the line; so are a repeated `# TYPE`, a `# TYPE` after the family's samples, an
 * unknown type, a repeated label name and a value that is not a float.
 */

/** One sample line: metric name (with `_bucket`/`_sum`/`_count` suffix), labels and value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

/** A metric family: its `# HELP`/`# TYPE` lines and the samples that belong to it. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string | undefined;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** The parsed exposition: families by name, and every sample in order. */
export interface Exposition {
  readonly families: ReadonlyMap<string, MetricFamily>;
  readonly samples: readonly Sample[];
}

/** A malformed exposition: says where (source, line number) and what. */
export class ExpositionError extends Error {
  constructor(source: string, lineNumber: number, line: string, problem: string) {
    const shown = line.length > 200 ? `${line.slice(0, 200)}...` : line;
    super(`cannot parse the metrics from ${source}: line ${lineNumber}: ${problem}: ${JSON.stringify(shown)}`);
    this.name = "ExpositionError";
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
const TIMESTAMP = /^-?\d+$/;
const TYPES: ReadonlySet<string> = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

interface MutableFamily {
  name: string;
  help: string | undefined;
  type: MetricType | undefined;
  samples: Sample[];
}

/** Parses `text`; `source` (a URL, a file) is named in errors. */
export function parseExposition(text: string, source = "the exposition"): Exposition {
  const families = new Map<string, MutableFamily>();
  const samples: Sample[] = [];
  const lines = text.split("\n");
  const family = (name: string): MutableFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, help: undefined, type: undefined, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fail = (problem: string): never => {
      throw new ExpositionError(source, i + 1, line, problem);
    };
    if (/^[ \t]*$/.test(line)) continue;
    if (line.startsWith("#")) {
      const meta = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!meta) continue; // a plain comment
      const [, keyword, name, rest = ""] = meta;
      if (!METRIC_NAME.test(name)) fail(`invalid metric name ${JSON.stringify(name)}`);
      const f = family(name);
      if (keyword === "HELP") {
        if (f.help !== undefined) fail(`second HELP line for ${name}`);
        f.help = unescape(rest, false, fail);
      } else {
        const type = rest.trim();
        if (!TYPES.has(type)) fail(`unknown metric type ${JSON.stringify(type)} (expected counter, gauge, histogram, summary or untyped)`);
        if (f.type !== undefined) fail(`second TYPE line for ${name}`);
        if (f.samples.length > 0) fail(`TYPE line for ${name} after its samples`);
        f.type = type as MetricType;
      }
      continue;
    }
    const sample = parseSample(line, fail);
    samples.push(sample);
    family(familyOf(sample.name, families)).samples.push(sample);
  }
  const done = new Map<string, MetricFamily>();
  for (const f of families.values()) done.set(f.name, { ...f, type: f.type ?? "untyped" });
  return { families: done, samples };
}

/** The family a sample belongs to: `x_bucket` of histogram `x`, `x_sum`/`x_count` of histogram or summary `x`. */
function familyOf(name: string, families: ReadonlyMap<string, MutableFamily>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return base;
  }
  return name;
}

function parseSample(line: string, fail: (problem: string) => never): Sample {
  let pos = 0;
  const skipBlanks = () => {
    while (line[pos] === " " || line[pos] === "\t") pos++;
  };
  const nameMatch = /^[^{ \t]+/.exec(line);
  const name = nameMatch?.[0] ?? "";
  if (!METRIC_NAME.test(name)) fail(`invalid metric name ${JSON.stringify(name)}`);
  pos = name.length;
  const labels: Record<string, string> = {};
  skipBlanks();
  if (line[pos] === "{") {
    pos++;
    for (;;) {
      skipBlanks();
      if (line[pos] === "}") {
        pos++;
        break;
      }
      const labelMatch = /^[^=\s}]+/.exec(line.slice(pos));
      const label = labelMatch?.[0] ?? "";
      if (!LABEL_NAME.test(label)) fail(`invalid label name ${JSON.stringify(label)}`);
      pos += label.length;
      skipBlanks();
      if (line[pos] !== "=") fail(`expected "=" after label ${label}`);
      pos++;
      skipBlanks();
      if (line[pos] !== '"') fail(`expected a quoted value for label ${label}`);
      const end = closingQuote(line, pos + 1);
      if (end < 0) fail(`unterminated value of label ${label}`);
      if (Object.hasOwn(labels, label)) fail(`label ${label} given twice`);
      labels[label] = unescape(line.slice(pos + 1, end), true, fail);
      pos = end + 1;
      skipBlanks();
      if (line[pos] === ",") pos++;
      else if (line[pos] !== "}") fail(`expected "," or "}" after label ${label}`);
    }
  }
  const rest = line.slice(pos).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === "") fail("expected a value and an optional timestamp");
  if (!FLOAT.test(rest[0])) fail(`invalid value ${JSON.stringify(rest[0])}`);
  if (rest.length === 2 && !TIMESTAMP.test(rest[1])) fail(`invalid timestamp ${JSON.stringify(rest[1])}`);
  return { name, labels, value: parseFloatValue(rest[0]) };
}

function parseFloatValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower.endsWith("nan")) return NaN;
  if (lower.endsWith("inf") || lower.endsWith("infinity")) return lower.startsWith("-") ? -Infinity : Infinity;
  return Number(text);
}

/** Index of the `"` closing a label value that starts at `from` (skipping escaped characters), or -1. */
function closingQuote(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] === "\\") i++;
    else if (line[i] === '"') return i;
  }
  return -1;
}

/** Label values escape `\\`, `\"` and `\n`; HELP text escapes `\\` and `\n`. */
function unescape(text: string, quotes: boolean, fail: (problem: string) => never): string {
  if (!text.includes("\\")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === "\\") out += "\\";
    else if (next === "n") out += "\n";
    else if (next === '"' && quotes) out += '"';
    else if (quotes) fail(`invalid escape "\\${next ?? ""}" in a label value`);
    else out += `\\${next ?? ""}`;
  }
  return out;
}
