import { Counter, Histogram, Registry } from "prom-client";
import { parseExposition } from "../../lib/release/exposition";

describe("parseExposition", () => {
  it("reads what prom-client serves: labelled histograms keep their label sets apart", async () => {
    const registry = new Registry();
    const h = new Histogram({ name: "lat", help: "latency", labelNames: ["node"], buckets: [1, 10], registers: [registry] });
    const c = new Counter({ name: "hits", help: 'say "hi"\nback\\slash', labelNames: ["code"], registers: [registry] });
    h.observe({ node: "127.0.0.2" }, 0.5);
    h.observe({ node: "127.0.0.3" }, 5);
    h.observe({ node: "127.0.0.3" }, 50);
    c.inc({ code: 'we"ird\\ \nvalue' }, 3);
    const text = await registry.metrics();

    const { families, samples } = parseExposition(text, "test");
    expect(families.get("lat")?.type).toBe("histogram");
    expect(families.get("hits")).toMatchObject({ type: "counter", help: 'say "hi"\nback\\slash' });
    const bucket = (node: string, le: string) =>
      samples.find((s) => s.name === "lat_bucket" && s.labels.node === node && s.labels.le === le)?.value;
    expect([bucket("127.0.0.2", "1"), bucket("127.0.0.2", "10"), bucket("127.0.0.2", "+Inf")]).toEqual([1, 1, 1]);
    expect([bucket("127.0.0.3", "1"), bucket("127.0.0.3", "10"), bucket("127.0.0.3", "+Inf")]).toEqual([0, 1, 2]);
    expect(families.get("lat")?.samples.filter((s) => s.name === "lat_count").map((s) => s.value)).toEqual([1, 2]);
    expect(samples.find((s) => s.name === "hits")).toEqual({ name: "hits", labels: { code: 'we"ird\\ \nvalue' }, value: 3 });
  });

  it("keeps families that have HELP/TYPE but no sample yet", () => {
    const { families, samples } = parseExposition("# HELP a_total A.\n# TYPE a_total counter\n");
    expect(families.get("a_total")).toEqual({ name: "a_total", help: "A.", type: "counter", samples: [] });
    expect(samples).toEqual([]);
  });

  it("accepts blanks, a trailing comma, timestamps, comments and special floats", () => {
    const text = [
      "# a comment",
      "x{ a = \"1\" , b=\"2\", } 1.5e3 1700000000000",
      "y NaN",
      "z{le=\"+Inf\"} +Inf",
      "w -Inf",
      "",
    ].join("\n");
    const { samples } = parseExposition(text);
    expect(samples[0]).toEqual({ name: "x", labels: { a: "1", b: "2" }, value: 1500 });
    expect(samples[1].value).toBeNaN();
    expect(samples[2].value).toBe(Infinity);
    expect(samples[3].value).toBe(-Infinity);
  });

  it.each([
    ["x{a=\"1\"", /line 1: unterminated|expected "," or "}"/],
    ["x{a=1} 1", /line 1: expected a quoted value for label a/],
    ["x{a=\"1\",a=\"2\"} 1", /line 1: label a given twice/],
    ["x{1a=\"1\"} 1", /line 1: invalid label name "1a"/],
    ["x 1 2 3", /line 1: expected a value and an optional timestamp/],
    ["x one", /line 1: invalid value "one"/],
    ["x 1 now", /line 1: invalid timestamp "now"/],
    ["9x 1", /line 1: invalid metric name "9x"/],
    ["x", /line 1: expected a value/],
    ["# TYPE x gauge\n# TYPE x counter", /line 2: second TYPE line for x/],
    ["x 1\n# TYPE x counter", /line 2: TYPE line for x after its samples/],
    ["# TYPE x bogus", /line 1: unknown metric type "bogus"/],
    ["x{a=\"\\q\"} 1", /line 1: invalid escape "\\q" in a label value/],
  ])("refuses %j", (text, message) => {
    expect(() => parseExposition(text, "http://gw/metrics")).toThrow(message);
    expect(() => parseExposition(text, "http://gw/metrics")).toThrow(/^cannot parse the metrics from http:\/\/gw\/metrics: line \d+: /);
  });
});
