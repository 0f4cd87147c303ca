import { checkObject } from "../../lib/schemas";

const up = { type: "roundrobin", nodes: { "127.0.0.1:1980": 1 } };
const err = (r: ReturnType<typeof checkObject>) => (r.ok ? "OK" : r.error_msg);
const route = (conf: unknown) => ({ uri: "/a", upstream: up, plugins: { prometheus: conf } });

// apisix/plugins/prometheus.lua: {type = "object", properties = {prefer_name = {type = "boolean", default = false}}}
describe("the prometheus plugin schema", () => {
  it("accepts {}, prefer_name true/false and unknown keys (no additionalProperties), on routes and services", () => {
    for (const conf of [{}, { prefer_name: true }, { prefer_name: false }, { prefer_name: true, anything: 1 }]) {
      expect(checkObject("routes", route(conf), "apisix")).toEqual({ ok: true, value: route(conf) });
      expect(checkObject("services", { plugins: { prometheus: conf } }, "apisix").ok).toBe(true);
    }
  });

  it("keeps the body as sent (the default prefer_name is not persisted)", () => {
    expect(checkObject("routes", route({}), "apisix")).toEqual({ ok: true, value: route({}) });
  });

  it("refuses a non-boolean prefer_name in APISIX's words", () => {
    expect(err(checkObject("routes", route({ prefer_name: "yes" }), "apisix"))).toBe(
      'failed to check the configuration of plugin prometheus err: property "prefer_name" validation failed: wrong type: expected boolean, got string',
    );
    expect(err(checkObject("services", { plugins: { prometheus: { prefer_name: 1 } } }, "apisix"))).toBe(
      'failed to check the configuration of plugin prometheus err: property "prefer_name" validation failed: wrong type: expected boolean, got number',
    );
  });

  it("refuses a configuration that is not an object", () => {
    expect(err(checkObject("routes", route(true), "apisix"))).toMatch(/^failed to check the configuration of plugin prometheus err: wrong type: expected object, got boolean$/);
  });
});
