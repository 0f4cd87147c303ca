/**
 * diffObject: every owned field that differs, in the order the read-after-write check would report the first one.
 */
import fc from "fast-check";
import { describeDifference, diffObject } from "../../lib/client/drift";
import { firstDifference } from "../../lib/client/object-sync";

describe("diffObject", () => {
  test("lists every differing field, depth-first in declared order, with both values", () => {
    const declared = {
      id: "ignored",
      name: "svc",
      labels: { "managed-by": "cdktf-apisix-bluegreen", "a.b": "x" },
      plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ weight: 0 }, { weight: 100 }] }] } },
      nodes: [1, 2],
      desc: "d",
    };
    const live = {
      id: "other",
      create_time: 1,
      update_time: 2,
      name: "svc",
      labels: { "managed-by": "cdktf-apisix-bluegreen" },
      plugins: { "traffic-split": { rules: [{ weighted_upstreams: [{ weight: 30 }, { weight: 70 }] }] } },
      nodes: [1],
      desc: { text: "d" },
      added_by_gateway: true,
    };
    expect(diffObject(declared, live)).toEqual([
      { field: 'labels."a.b"', kind: "absent", declared: "x" },
      { field: "plugins.traffic-split.rules[0].weighted_upstreams[0].weight", kind: "value", declared: 0, live: 30 },
      { field: "plugins.traffic-split.rules[0].weighted_upstreams[1].weight", kind: "value", declared: 100, live: 70 },
      { field: "nodes", kind: "length", declared: [1, 2], live: [1] },
      { field: "desc", kind: "value", declared: "d", live: { text: "d" } },
    ]);
    expect(diffObject(declared, live).map((d) => describeDifference(d))).toEqual([
      'labels."a.b": gateway (not set), stack "x"',
      "plugins.traffic-split.rules[0].weighted_upstreams[0].weight: gateway 30, stack 0",
      "plugins.traffic-split.rules[0].weighted_upstreams[1].weight: gateway 70, stack 100",
      "nodes: gateway 1 item [1], stack 2 items [1,2]",
      'desc: gateway {"text":"d"}, stack "d"',
    ]);
    // the read-after-write check reports the first of them
    expect(firstDifference(declared, live)).toBe('field labels."a.b" was written as "x" but the gateway did not store it');
  });

  test("fields the gateway adds and server fields are not drift", () => {
    expect(diffObject({ id: "a", a: { b: [1, { c: null }] } }, { id: "b", a: { b: [1, { c: null, d: 2 }], e: 3 }, create_time: 9 })).toEqual([]);
  });

  test("firstDifference is the first element of diffObject (one comparison)", () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const record = fc.dictionary(fc.string({ maxLength: 4 }), json, { maxKeys: 4 });
    fc.assert(
      fc.property(record, record, (declared, live) => {
        const all = diffObject(declared, live);
        const first = firstDifference(declared, live);
        if (all.length === 0) return first === undefined;
        return first !== undefined && first.startsWith(`field ${all[0].field} `);
      }),
    );
    fc.assert(fc.property(record, (declared) => diffObject(declared, JSON.parse(JSON.stringify(declared))).length === 0));
  });
});
