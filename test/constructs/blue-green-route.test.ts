import "cdktf/lib/testing/adapters/jest";
import { TerraformStack, TerraformVariable } from "cdktf";
import { Testing } from "../../lib/cdk";
import { BlueGreenRoute } from "../../lib/constructs/blue-green-route";
import { BlueGreenService } from "../../lib/constructs/blue-green-service";
import { GatewayConnection } from "../../lib/constructs/gateway-connection";
import { build, fails, gatewayProps, resources, serviceProps } from "./fixtures";


describe("BlueGreenRoute", () => {
  test("apisix body: uris, methods, hosts, priority, service_id", () => {
    const { route } = build("apisix", {}, { name: "headers", hosts: ["*.example.com"], priority: 10 });
    expect(route.resource.request.path).toBe("/apisix/admin/routes/blue-green-route");
    expect(route.resource.request.body).toEqual({
      name: "headers",
      labels: { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "cdktf-apisix-bluegreen/stack" },
      uris: ["/headers"],
      methods: ["GET"],
      hosts: ["*.example.com"],
      priority: 10,
      service_id: "blue-green-service",
    });
  });

  test("api7-ee body follows the seed: paths, methods, service_id", () => {
    const { route } = build("api7-ee");
    expect(route.resource.request.path).toBe("/apisix/admin/routes/blue-green-route?gateway_group_id=default");
    expect(route.resource.request.body).toEqual({
      name: "blue-green-route",
      labels: { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "cdktf-apisix-bluegreen/stack" },
      methods: ["GET"],
      paths: ["/headers"],
      service_id: "blue-green-service",
    });
  });

  test("depends on the service object (and the connection's teardown) only and carries no plugins", () => {
    const { stack, route } = build("apisix");
    const res = resources(Testing.synth(stack));
    expect(res.route_A8FCDF0B.depends_on).toEqual(["terraform_data.service_E754E327", "terraform_data.gateway_Teardown_6CAC1C7A"]);
    expect(route.resource.request.body.plugins).toBeUndefined();
    expect(BlueGreenRoute.isBlueGreenRoute(route)).toBe(true);
  });

  test("several routes share one service and one flip", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "stack");
    const gateway = new GatewayConnection(stack, "gateway", gatewayProps("apisix"));
    const service = new BlueGreenService(stack, "service", serviceProps(gateway));
    new BlueGreenRoute(stack, "a", { service, routeId: "a", paths: ["/a"] });
    new BlueGreenRoute(stack, "b", { service, routeId: "b", paths: ["/b/*"] });
    expect(Testing.synth(stack)).toMatchSnapshot();
  });
});

describe("BlueGreenRoute validation", () => {
  test("fails when paths is empty", () => {
    fails(() => build("apisix", {}, { paths: [] }), "invalid props at stack/route: paths must list at least one path, got []");
  });
  test("fails when paths is missing", () => {
    fails(() => build("apisix", {}, { paths: undefined }), "stack/route", "paths", "got undefined");
  });
  test("fails when a path does not start with /", () => {
    fails(() => build("apisix", {}, { paths: ["headers"] }), "stack/route", 'paths[0] must be a path starting with "/"', 'got "headers"');
  });
  test("fails when a method is unknown", () => {
    fails(() => build("apisix", {}, { methods: ["FETCH"] }), "stack/route", "methods[0]", '"FETCH"');
  });
  test("fails when the route id is invalid", () => {
    fails(() => build("apisix", {}, { routeId: "a b" }), "stack/route", "routeId must be 1 to 64 characters", '"a b"');
    fails(() => build("apisix", {}, { routeId: "" }), "stack/route", "routeId", '""');
  });
  test('fails when the route id is "." or ".."', () => {
    for (const flavor of ["apisix", "api7-ee"] as const) {
      for (const routeId of [".", ".."]) {
        fails(() => build(flavor, {}, { routeId }), "invalid props at stack/route: routeId", 'must not be "." or ".."', `got ${JSON.stringify(routeId)}`);
      }
    }
  });
  test("fails when the route id is a Terraform token: it must be known at synth", () => {
    const { stack, service } = build("apisix");
    const id = new TerraformVariable(stack, "route_id", { type: "string" });
    fails(
      () => new BlueGreenRoute(stack, "tokened", { service, routeId: id.stringValue, paths: ["/x"] }),
      "invalid props at stack/tokened: routeId must be known at synth time",
      "got a Terraform token",
    );
  });
  test("fails when hosts is set on an api7-ee route", () => {
    fails(() => build("api7-ee", {}, { hosts: ["a.example"] }), "stack/route", "hosts is not supported on api7-ee routes", '["a.example"]');
  });
  test("fails when a host is invalid", () => {
    fails(() => build("apisix", {}, { hosts: ["a b"] }), "stack/route", "hosts[0]", '"a b"');
  });
  test("fails when two routes on one gateway share an id", () => {
    const { stack, service } = build("apisix");
    fails(
      () => new BlueGreenRoute(stack, "again", { service, routeId: "blue-green-route", paths: ["/x"] }),
      "stack/again",
      'duplicate route id "blue-green-route"',
      "stack/route",
    );
  });
  test("the same route id on two gateways is fine", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "stack");
    for (const [id, url] of [["one", "http://127.0.0.1:9180"], ["two", "http://127.0.0.1:9280"]] as const) {
      const gateway = new GatewayConnection(stack, id, { adminUrl: url });
      const service = new BlueGreenService(stack, `${id}-service`, serviceProps(gateway));
      new BlueGreenRoute(stack, `${id}-route`, { service, routeId: "same", paths: ["/"] });
    }
    expect(() => Testing.synth(stack)).not.toThrow();
  });
  test("fails when service is not a BlueGreenService", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    fails(
      () => new BlueGreenRoute(stack, "route", { service: "svc" as never, routeId: "r", paths: ["/"] }),
      'invalid props at stack/route: service must be a BlueGreenService, got "svc"',
    );
  });
});
