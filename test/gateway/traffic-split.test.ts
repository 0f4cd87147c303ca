import { compileTrafficSplit, type SplitDecision } from "../../lib/gateway/traffic-split";

const exists = (ids: string[]) => (id: string) => ids.includes(id);

function label(d: SplitDecision): string {
  switch (d.kind) {
    case "none":
      return "none";
    case "route-upstream":
      return "route";
    case "inline":
      return `inline:${String(d.upstream.name)}`;
    case "upstream-id":
      return `id:${d.id}`;
    case "error":
      return `error:${d.status}:${d.body ?? ""}`;
  }
}

function decide(conf: unknown, vars: Record<string, unknown> = {}, ids: string[] = []): string {
  const ts = compileTrafficSplit(conf, exists(ids));
  if (!ts) return "absent";
  return label(ts.decide((n) => vars[n]));
}

const green = { name: "green", nodes: { "127.0.0.1:1": 1 }, retries: 3, checks: {}, tls: {}, desc: "d" };

describe("traffic-split access phase", () => {
  test("absent rules → no-op; disabled plugin → absent", () => {
    expect(decide({})).toBe("none");
    expect(decide({ rules: [{ weighted_upstreams: [{ upstream: green }] }], _meta: { disable: true } })).toBe("absent");
  });

  test("rules: [] is a Lua error in APISIX → 500", () => {
    expect(decide({ rules: [] })).toBe("error:500:");
  });

  test("rule without match matches everything; default weighted_upstreams is the route upstream", () => {
    expect(decide({ rules: [{ weighted_upstreams: [{ upstream: green }] }] })).toBe("inline:green");
    expect(decide({ rules: [{}] })).toBe("route");
  });

  test("first matching rule wins; no match → none", () => {
    const conf = {
      rules: [
        { match: [{ vars: [["arg_a", "==", "1"]] }], weighted_upstreams: [{ upstream_id: "u1" }] },
        { match: [{ vars: [["arg_a", "~~", "^[12]$"]] }], weighted_upstreams: [{ upstream_id: "u2" }] },
      ],
    };
    expect(decide(conf, { arg_a: "1" }, ["u1", "u2"])).toBe("id:u1");
    expect(decide(conf, { arg_a: "2" }, ["u1", "u2"])).toBe("id:u2");
    expect(decide(conf, { arg_a: "3" }, ["u1", "u2"])).toBe("none");
  });

  test("OR across match entries, AND inside vars", () => {
    const conf = {
      rules: [
        {
          match: [{ vars: [["arg_a", "==", "1"], ["arg_b", "==", "1"]] }, { vars: [["arg_c", "==", "1"]] }],
          weighted_upstreams: [{ upstream: green }],
        },
      ],
    };
    expect(decide(conf, { arg_a: "1", arg_b: "1" })).toBe("inline:green");
    expect(decide(conf, { arg_a: "1" })).toBe("none");
    expect(decide(conf, { arg_c: "1" })).toBe("inline:green");
  });

  test("match: [] quirk: matches as the first rule, not after a failed rule", () => {
    expect(decide({ rules: [{ match: [], weighted_upstreams: [{ upstream: green }] }] })).toBe("inline:green");
    const later = {
      rules: [
        { match: [{ vars: [["arg_a", "==", "1"]] }], weighted_upstreams: [{ upstream_id: "u1" }] },
        { match: [], weighted_upstreams: [{ upstream: green }] },
      ],
    };
    expect(decide(later, {}, ["u1"])).toBe("none");
  });

  test("vars: [] is always true; a match entry without vars fails at request time like lua-resty-expr", () => {
    expect(decide({ rules: [{ match: [{ vars: [] }], weighted_upstreams: [{ upstream: green }] }] })).toBe("inline:green");
    expect(decide({ rules: [{ match: [{}], weighted_upstreams: [{ upstream: green }] }] })).toBe("error:500:missing argument rule");
  });

  test("missing upstream_id only errors when its rule is visited", () => {
    const conf = {
      rules: [
        { match: [{ vars: [["arg_a", "==", "1"]] }], weighted_upstreams: [{ upstream: green }] },
        { weighted_upstreams: [{ upstream_id: "gone" }, { weight: 1 }] },
      ],
    };
    expect(decide(conf, { arg_a: "1" })).toBe("inline:green");
    expect(decide(conf, {})).toBe("error:500:failed to fetch upstream info by upstream id: gone");
  });

  test("inline upstreams keep only set_upstream's fields", () => {
    const ts = compileTrafficSplit({ rules: [{ weighted_upstreams: [{ upstream: green }] }] }, () => true)!;
    const d = ts.decide(() => undefined);
    expect(d.kind).toBe("inline");
    if (d.kind === "inline") expect(Object.keys(d.upstream).sort()).toEqual(["name", "nodes"]);
  });

  test("per-rule picker state: exact proportions per rule over full cycles", () => {
    const ts = compileTrafficSplit(
      {
        rules: [
          { match: [{ vars: [["arg_r", "==", "1"]] }], weighted_upstreams: [{ upstream_id: "a", weight: 2 }, { weight: 1 }] },
          { weighted_upstreams: [{ upstream_id: "b", weight: 1 }, { upstream_id: "c", weight: 3 }] },
        ],
      },
      () => true,
    )!;
    const counts: Record<string, number> = {};
    for (let i = 0; i < 12; i++) {
      for (const r of ["1", "2"]) {
        const k = label(ts.decide((n) => (n === "arg_r" ? r : undefined)));
        counts[k] = (counts[k] ?? 0) + 1;
      }
    }
    expect(counts).toEqual({ "id:a": 8, route: 4, "id:b": 3, "id:c": 9 });
  });

  test("duplicate keys collapse, last weight wins", () => {
    const ts = compileTrafficSplit(
      { rules: [{ weighted_upstreams: [{ weight: 5 }, { upstream_id: "a", weight: 1 }, { weight: 0 }] }] },
      () => true,
    )!;
    const picks = Array.from({ length: 5 }, () => label(ts.decide(() => undefined)));
    expect(picks).toEqual(["id:a", "id:a", "id:a", "id:a", "id:a"]);
  });
});
