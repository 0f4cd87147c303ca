import { checkObject } from "../../lib/schemas";

const up = { type: "roundrobin", nodes: { "127.0.0.1:1980": 1 } };
const err = (r: ReturnType<typeof checkObject>) => (r.ok ? "OK" : r.error_msg);

describe("checkObject routes (apisix)", () => {
  it("accepts a minimal route and returns the body unchanged (no defaults)", () => {
    const body = { uri: "/a", upstream: up };
    const r = checkObject("routes", body, "apisix");
    expect(r).toEqual({ ok: true, value: body });
  });

  it("names the field path for a bad method", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: up, methods: ["GET", "FOO"] }, "apisix"))).toBe(
      'invalid configuration: property "methods" validation failed: failed to validate item 2: matches none of the enum values',
    );
  });

  it("refuses a bad id and a bad host pattern", () => {
    expect(err(checkObject("routes", { id: "a b", uri: "/a", upstream: up }, "apisix"))).toMatch(
      /^invalid configuration: property "id" validation failed: /,
    );
    expect(err(checkObject("routes", { uri: "/a", upstream: up, host: "$%^" }, "apisix"))).toBe(
      'invalid configuration: property "host" validation failed: failed to match pattern "^\\\\*$|^\\\\*?[0-9a-zA-Z-._[\\\\]:]+$" with "$%^"',
    );
  });

  it("refuses host together with hosts", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: up, host: "a.com", hosts: ["b.com"] }, "apisix"))).toBe(
      "only one of host or hosts is allowed",
    );
  });

  it("needs uri or uris, and a target", () => {
    expect(err(checkObject("routes", { upstream: up }, "apisix"))).toBe(
      "invalid configuration: value should match only one schema, but matches none",
    );
    expect(err(checkObject("routes", { uri: "/a" }, "apisix"))).toMatch(
      /^invalid configuration: object matches none of the required/,
    );
    expect(checkObject("routes", { uris: ["/a"], service_id: "s1" }, "apisix").ok).toBe(true);
  });

  it("refuses unknown properties", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: up, paths: ["/x"] }, "apisix"))).toBe(
      "invalid configuration: additional properties forbidden, found paths",
    );
  });

  it("refuses create_time and update_time (two spaces)", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: up, create_time: 1 }, "apisix"))).toBe(
      "the property is forbidden:  create_time",
    );
    expect(err(checkObject("routes", { uri: "/a", upstream: { ...up, update_time: 1 } }, "apisix"))).toBe(
      "the property is forbidden:  update_time",
    );
  });

  it("names unknown plugins", () => {
    expect(err(checkObject("routes", { uri: "/a", plugins: { "no-such": {} } }, "apisix"))).toBe(
      "unknown plugin [no-such]",
    );
    expect(checkObject("routes", { uri: "/a", upstream: up, plugins: { "proxy-rewrite": { uri: "/b" } } }, "apisix").ok).toBe(true);
  });

  it("reports a string that is too long", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: up, name: "x".repeat(257) }, "apisix"))).toBe(
      'invalid configuration: property "name" validation failed: string too long, expected at most 256, got 257',
    );
  });

  it("reports a missing required timeout field and a wrong type", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: up, timeout: { connect: 1, send: 1 } }, "apisix"))).toBe(
      'invalid configuration: property "timeout" validation failed: property "read" is required',
    );
    expect(err(checkObject("routes", { uri: 5, upstream: up }, "apisix"))).toBe(
      'invalid configuration: property "uri" validation failed: wrong type: expected string, got number',
    );
  });

  it("compiles route vars", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: up, vars: "x" }, "apisix"))).toBe(
      'invalid configuration: property "vars" validation failed: wrong type: expected array, got string',
    );
    expect(checkObject("routes", { uri: "/a", upstream: up, vars: [["arg_a", "==", "1"]] }, "apisix").ok).toBe(true);
  });

  it("refuses a non-object body", () => {
    expect(err(checkObject("routes", [1], "apisix"))).toBe(
      "invalid configuration: wrong type: expected object, got array",
    );
    expect(err(checkObject("routes", null, "apisix"))).toBe("missing configurations");
  });
});

describe("traffic-split", () => {
  const route = (ts: unknown) => ({ uri: "/a", upstream: up, plugins: { "traffic-split": ts } });

  it("accepts unknown keys and no rules", () => {
    expect(checkObject("routes", route({ "traffic-split": {}, disable: false }), "apisix").ok).toBe(true);
  });

  it("accepts upstream_id and inline upstreams with weights", () => {
    const ts = {
      rules: [
        {
          match: [{ vars: [["http_x_env", "==", "green"]] }, { vars: [] }],
          weighted_upstreams: [{ upstream_id: "green", weight: 3 }, { upstream: up, weight: 0 }, { weight: 1 }],
        },
      ],
    };
    expect(checkObject("routes", route(ts), "apisix")).toEqual({ ok: true, value: route(ts) });
  });

  it("reports a negative weight with the full path", () => {
    expect(err(checkObject("routes", route({ rules: [{ weighted_upstreams: [{ weight: -1 }] }] }), "apisix"))).toBe(
      'failed to check the configuration of plugin traffic-split err: property "rules" validation failed: failed to validate item 1: property "weighted_upstreams" validation failed: failed to validate item 1: property "weight" validation failed: expected -1 to be at least 0',
    );
  });

  it("limits weighted_upstreams to 1..20", () => {
    const many = Array.from({ length: 21 }, () => ({ weight: 1 }));
    expect(err(checkObject("routes", route({ rules: [{ weighted_upstreams: many }] }), "apisix"))).toBe(
      'failed to check the configuration of plugin traffic-split err: property "rules" validation failed: failed to validate item 1: property "weighted_upstreams" validation failed: expect array to have at most 20 items',
    );
    expect(err(checkObject("routes", route({ rules: [{ weighted_upstreams: [] }] }), "apisix"))).toMatch(
      /expect array to have at least 1 items$/,
    );
  });

  it("refuses a match entry without vars", () => {
    expect(err(checkObject("routes", route({ rules: [{ match: [{}] }] }), "apisix"))).toBe(
      "failed to check the configuration of plugin traffic-split err: failed to validate the 'vars' expression: missing argument rule",
    );
  });

  it("reports a bad inline upstream inside the plugin", () => {
    expect(
      err(checkObject("routes", route({ rules: [{ weighted_upstreams: [{ upstream: { nodes: {}, foo: 1 } }] }] }), "apisix")),
    ).toMatch(/^failed to check the configuration of plugin traffic-split err: .*additional properties forbidden, found foo$/);
  });
});

describe("upstreams", () => {
  it("accepts hash and array nodes", () => {
    expect(checkObject("upstreams", up, "apisix").ok).toBe(true);
    expect(
      checkObject("upstreams", { nodes: [{ host: "127.0.0.1", port: 80, weight: 1, priority: 0 }], scheme: "https" }, "apisix").ok,
    ).toBe(true);
  });

  it("needs nodes or discovery", () => {
    expect(err(checkObject("upstreams", { type: "roundrobin" }, "apisix"))).toBe(
      "invalid configuration: value should match only one schema, but matches none",
    );
    expect(checkObject("upstreams", { service_name: "a", discovery_type: "dns" }, "apisix").ok).toBe(true);
  });

  it("applies check_upstream_conf rules", () => {
    expect(err(checkObject("upstreams", { nodes: { "127.0.0.1:70000": 1 } }, "apisix"))).toBe("invalid port 70000");
    expect(err(checkObject("upstreams", { nodes: [{ host: "::1", port: 80, weight: 1 }] }, "apisix"))).toBe(
      "invalid configuration: IPv6 address must be enclosed with '[' and ']'",
    );
    expect(err(checkObject("upstreams", { ...up, pass_host: "rewrite" }, "apisix"))).toBe(
      "`upstream_host` can't be empty when `pass_host` is `rewrite`",
    );
    expect(checkObject("upstreams", { ...up, pass_host: "rewrite", upstream_host: "a.com" }, "apisix").ok).toBe(true);
    expect(err(checkObject("upstreams", { ...up, type: "chash" }, "apisix"))).toBe("missing key");
    expect(checkObject("upstreams", { ...up, type: "chash", key: "remote_addr" }, "apisix").ok).toBe(true);
    expect(err(checkObject("upstreams", { ...up, type: "chash", key: "nope" }, "apisix"))).toMatch(
      /^invalid configuration: property "key" validation failed: failed to match pattern/,
    );
  });

  it("checks timeout and weight", () => {
    expect(err(checkObject("upstreams", { ...up, timeout: { connect: 0, send: 1, read: 1 } }, "apisix"))).toBe(
      'invalid configuration: property "timeout" validation failed: property "connect" validation failed: expected 0 to be greater than 0',
    );
  });

  it("checks an inline route upstream with check_upstream_conf", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: { ...up, pass_host: "rewrite" } }, "apisix"))).toBe(
      "`upstream_host` can't be empty when `pass_host` is `rewrite`",
    );
  });
});

describe("services", () => {
  it("accepts an empty service and refuses EE fields in apisix flavour", () => {
    expect(checkObject("services", {}, "apisix").ok).toBe(true);
    expect(err(checkObject("services", { path_prefix: "/a" }, "apisix"))).toBe(
      "invalid configuration: additional properties forbidden, found path_prefix",
    );
  });
});

describe("API7 EE flavour", () => {
  it("routes need paths and service_id and carry no upstream", () => {
    expect(checkObject("routes", { name: "r", paths: ["/a"], service_id: "s" }, "api7-ee").ok).toBe(true);
    expect(err(checkObject("routes", { name: "r", paths: ["/a"] }, "api7-ee"))).toBe(
      'invalid configuration: property "service_id" is required',
    );
    expect(err(checkObject("routes", { paths: ["/a"], service_id: "s", upstream: up }, "api7-ee"))).toBe(
      "invalid configuration: additional properties forbidden, found upstream",
    );
  });

  it("services carry type, hosts, path_prefix, strip_path_prefix and an inline upstream", () => {
    const svc = { name: "s", type: "http", hosts: ["a.com"], path_prefix: "/x", strip_path_prefix: true, upstream: up };
    expect(checkObject("services", svc, "api7-ee").ok).toBe(true);
    expect(err(checkObject("services", { type: "tcp" }, "api7-ee"))).toBe(
      'invalid configuration: property "type" validation failed: matches none of the enum values',
    );
  });
});

describe("vars expressions (compiled with lib/expr/vars.ts)", () => {
  it("reports lua-resty-expr's message for route vars and traffic-split match vars", () => {
    expect(err(checkObject("routes", { uri: "/a", upstream: up, vars: [["arg_a", "=", "1"]] }, "apisix"))).toBe(
      "failed to validate the 'vars' expression: invalid operator '='",
    );
    const ts = { rules: [{ match: [{ vars: [["arg_a", "123", "1"]] }] }] };
    expect(err(checkObject("routes", { uri: "/a", upstream: up, plugins: { "traffic-split": ts } }, "apisix"))).toBe(
      "failed to check the configuration of plugin traffic-split err: failed to validate the 'vars' expression: invalid operator '123'",
    );
  });

  it("accepts empty vars in a match", () => {
    const ts = { rules: [{ match: [{ vars: [] }] }] };
    expect(checkObject("routes", { uri: "/a", upstream: up, plugins: { "traffic-split": ts } }, "apisix").ok).toBe(true);
  });
});

describe("numbers out of range", () => {
  it("names a JSON number that overflowed (1e400 parses to Infinity) instead of 'expected number, got number'", () => {
    const result = checkObject("upstreams", JSON.parse('{"nodes":{"a:1":1},"retries":1e400}'), "apisix");
    expect(result).toEqual({
      ok: false,
      error_msg: 'invalid configuration: property "retries" validation failed: wrong type: expected number, got a number out of range',
    });
  });
});
