import {
  blueGreenRoutePropsSchema,
  blueGreenServicePropsSchema,
  checkProps,
  formatIssues,
  formatPath,
  gatewayConnectionPropsSchema,
  isAdminUrl,
} from "../../lib/model/props-schemas";

const describeValue = (v: unknown) => (v === undefined ? "undefined" : JSON.stringify(v));
const messages = (schema: Parameters<typeof checkProps>[0], props: unknown, skip?: (v: unknown) => boolean) =>
  formatIssues(props, checkProps(schema, props, skip), describeValue);

const service = {
  serviceId: "s",
  blue: { nodes: [{ host: "a", port: 80 }] },
  green: { nodes: [{ host: "b", port: 80 }] },
};

describe("props schemas", () => {
  test("formatPath", () => {
    expect(formatPath(["blue", "nodes", 0, "port"])).toBe("blue.nodes[0].port");
  });
  test("valid props have no issues", () => {
    expect(messages(blueGreenServicePropsSchema, service)).toEqual([]);
    expect(messages(gatewayConnectionPropsSchema, { adminUrl: "http://127.0.0.1:9180" })).toEqual([]);
    expect(messages(blueGreenRoutePropsSchema("apisix"), { routeId: "r", paths: ["/"] })).toEqual([]);
  });
  test("messages name the field, what is allowed and the value", () => {
    expect(messages(blueGreenServicePropsSchema, { ...service, blue: { nodes: [{ host: "a", port: 70000 }] } })).toEqual([
      "blue.nodes[0].port must be an integer from 1 to 65535, got 70000",
    ]);
    expect(messages(blueGreenRoutePropsSchema("api7-ee"), { routeId: "r", paths: ["/"], hosts: ["h"] })).toEqual([
      'hosts is not supported on api7-ee routes (hosts live on the service); remove it, got ["h"]',
    ]);
  });
  test("several problems are all reported", () => {
    expect(messages(blueGreenServicePropsSchema, { ...service, serviceId: "", canaryPercent: -1 })).toHaveLength(2);
  });
  test("skip leaves out issues on values the predicate marks (tokens)", () => {
    const token = "${TfToken[TOKEN.1]}";
    const props = { ...service, blue: { nodes: [{ host: token, port: 80 }] } };
    expect(messages(blueGreenServicePropsSchema, props)).toHaveLength(1);
    expect(messages(blueGreenServicePropsSchema, props, (v) => v === token)).toEqual([]);
  });
  test("isAdminUrl", () => {
    expect(isAdminUrl("http://127.0.0.1:9180")).toBe(true);
    expect(isAdminUrl("https://localhost:7443/")).toBe(true);
    expect(isAdminUrl("https://[::1]:7443")).toBe(true);
    expect(isAdminUrl("https://localhost:7443/apisix/admin")).toBe(false);
    expect(isAdminUrl("https://localhost:7443?x=1")).toBe(false);
    expect(isAdminUrl("ftp://localhost")).toBe(false);
    expect(isAdminUrl("not a url")).toBe(false);
  });
});
