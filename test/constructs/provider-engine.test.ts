/**
 * GatewayConnection({ engine: "provider" }): the same constructs synthesize the bluegreen provider's resources
 * instead of terraform_data hooks.
 */
import { Testing } from "../../lib/cdk";
import { BlueGreenRoute } from "../../lib/constructs/blue-green-route";
import { BlueGreenService } from "../../lib/constructs/blue-green-service";
import { GatewayConnection } from "../../lib/constructs/gateway-connection";
import { TerraformStack } from "../../lib/cdk";
import { PROVIDER_SOURCE, providerVersion } from "../../lib/provider/provider-address";
import { build, type Flavor, gatewayProps, serviceProps } from "./fixtures";

const KEY_IN_ENV = "sk-never-in-json";

describe.each(["apisix", "api7-ee"] as const)("engine provider (%s)", (flavor: Flavor) => {
  const synth = () => {
    const built = build(flavor, {}, {}, { engine: "provider" });
    return { ...built, json: JSON.parse(Testing.synth(built.stack)) };
  };

  test("one provider block and required_providers with this package's version; bluegreen resources, no hooks", () => {
    const { json, gateway } = synth();
    expect(json.terraform.required_providers).toEqual({ bluegreen: { source: PROVIDER_SOURCE, version: providerVersion() } });
    expect(json.provider.bluegreen).toEqual([{ gateway: JSON.stringify(gateway.target) }]);
    expect(Object.keys(json.resource).sort()).toEqual(
      flavor === "apisix" ? ["bluegreen_route", "bluegreen_service", "bluegreen_upstream"] : ["bluegreen_route", "bluegreen_service"],
    );
    expect(json.locals).toBeUndefined();
    expect(gateway.sweep).toBeUndefined();
    expect(gateway.teardown).toBeUndefined();
    expect(JSON.stringify(json)).not.toContain(KEY_IN_ENV);
  });

  test("resources carry the hook's request fields; depends_on orders the destroy routes, services, upstreams", () => {
    const { json, service, route, gateway } = synth();
    const [[svcName, svc]] = Object.entries(json.resource.bluegreen_service) as [string, any][];
    const [[, rt]] = Object.entries(json.resource.bluegreen_route) as [string, any][];
    const request = (service.resource as any).request;
    expect(svc).toMatchObject({
      object_id: service.serviceId,
      gateway: JSON.stringify(gateway.target),
      owner: gateway.owner,
      construct_path: service.node.path,
      body: JSON.stringify(request.body),
    });
    expect(svc.adopt).toBeUndefined();
    expect(rt.object_id).toBe(route.routeId);
    expect(rt.depends_on).toEqual([`bluegreen_service.${svcName}`]);
    if (flavor === "apisix") {
      const upstreams = Object.keys(json.resource.bluegreen_upstream).map((n) => `bluegreen_upstream.${n}`);
      expect([...svc.depends_on].sort()).toEqual(upstreams.sort());
    }
  });

  test("a flip changes only body weights, active-derived traffic, nothing else", () => {
    const blue = JSON.parse(Testing.synth(build(flavor, { active: "blue" }, {}, { engine: "provider" }).stack));
    const green = JSON.parse(Testing.synth(build(flavor, { active: "green" }, {}, { engine: "provider" }).stack));
    const [b] = Object.values(blue.resource.bluegreen_service) as any[];
    const [g] = Object.values(green.resource.bluegreen_service) as any[];
    expect({ ...b, body: undefined }).toEqual({ ...g, body: undefined });
    expect(b.body).not.toBe(g.body);
    expect(blue.resource.bluegreen_route).toEqual(green.resource.bluegreen_route);
  });

  test("importFrom on the synthesized resource writes an import block", () => {
    const { stack, route } = build(flavor, {}, {}, { engine: "provider" });
    route.resource.resource.importFrom(route.routeId);
    const json = JSON.parse(Testing.synth(stack));
    expect(json.import).toEqual([{ id: route.routeId, to: expect.stringMatching(/^bluegreen_route\./) }]);
  });
});

test("a second provider-engine connection in a stack gets an aliased provider block", () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, "stack");
  const a = new GatewayConnection(stack, "a", { ...gatewayProps("apisix"), engine: "provider", owner: "a" });
  const b = new GatewayConnection(stack, "b", { adminUrl: "http://127.0.0.2:9180", engine: "provider", owner: "b" });
  new BlueGreenRoute(stack, "ra", { service: new BlueGreenService(stack, "sa", serviceProps(a, { serviceId: "sa" })), routeId: "ra", paths: ["/a"] });
  new BlueGreenRoute(stack, "rb", { service: new BlueGreenService(stack, "sb", serviceProps(b, { serviceId: "sb" })), routeId: "rb", paths: ["/b"] });
  const json = JSON.parse(Testing.synth(stack));
  expect(json.provider.bluegreen).toEqual([{ gateway: JSON.stringify(a.target) }, { alias: "b", gateway: JSON.stringify(b.target) }]);
  const routes = json.resource.bluegreen_route as Record<string, { provider?: string }>;
  expect(Object.values(routes).map((r) => r.provider).sort()).toEqual(["bluegreen", "bluegreen.b"]);
});

test("engine is checked like every prop", () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, "stack");
  expect(() => new GatewayConnection(stack, "g", { ...gatewayProps("apisix"), engine: "native" as never })).toThrow(
    /engine.*must be one of "hooks", "provider"/s,
  );
});

describe("offline install at synth", () => {
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  const { App } = require("../../lib/cdk") as typeof import("../../lib/cdk");
  const { launcherName, pluginFolder, PROVIDER_BUNDLE, PROVIDER_PLATFORMS } = require("../../lib/provider/provider-address") as typeof import("../../lib/provider/provider-address");
  const { programFileOf } = require("../../lib/bundle/program-file") as typeof import("../../lib/bundle/program-file");
  const { LAUNCHER_SCRIPT, providerBundle } = require("../../lib/provider/install-provider") as typeof import("../../lib/provider/install-provider");
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  function synthInto(): string {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bluegreen-synth-"));
    dirs.push(outdir);
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "stack");
    const gateway = new GatewayConnection(stack, "gateway", { ...gatewayProps("apisix"), engine: "provider" });
    new BlueGreenService(stack, "service", serviceProps(gateway));
    app.synth();
    return path.join(outdir, "stacks", "stack");
  }

  test("app.synth() lays a launcher and the bundle per platform into terraform.d/plugins; same bytes every synth", () => {
    const first = synthInto();
    const second = synthInto();
    const bundle = fs.readFileSync(providerBundle());
    for (const platform of PROVIDER_PLATFORMS) {
      const dir = path.join(first, pluginFolder(platform));
      // the bundle (its launcher and program; also the release guardian) and the provider's launcher
      expect(fs.readdirSync(dir).sort()).toEqual([PROVIDER_BUNDLE, path.basename(programFileOf(PROVIDER_BUNDLE)), launcherName()].sort());
      const launcher = path.join(dir, launcherName());
      expect(fs.statSync(launcher).mode & 0o777).toBe(0o755);
      expect(fs.readFileSync(launcher, "utf8")).toBe(LAUNCHER_SCRIPT);
      expect(fs.readFileSync(path.join(dir, PROVIDER_BUNDLE)).equals(bundle)).toBe(true);
      for (const file of fs.readdirSync(dir)) {
        expect(fs.readFileSync(path.join(dir, file)).equals(fs.readFileSync(path.join(second, pluginFolder(platform), file)))).toBe(true);
      }
    }
  });
});
