import "cdktf/lib/testing/adapters/jest";
import { DataResource, Fn, TerraformStack, TerraformVariable } from "cdktf";
import { Testing } from "../../lib/cdk";
import { BlueGreenService } from "../../lib/constructs/blue-green-service";
import { GatewayConnection } from "../../lib/constructs/gateway-connection";
import { BLUE, GREEN, build, diffPaths, fails, gatewayProps, resources, serviceProps, synth, type Flavor } from "./fixtures";

const FLAVORS: Flavor[] = ["apisix", "api7-ee"];

describe.each(FLAVORS)("BlueGreenService on %s", (flavor) => {
  test("snapshot: green active", () => {
    expect(synth(flavor)).toMatchSnapshot();
  });
  test("snapshot: with preview", () => {
    expect(synth(flavor, { preview: { header: "X-Env" } })).toMatchSnapshot();
  });
  test("snapshot: canary 10% to the idle color", () => {
    expect(synth(flavor, { active: "blue", canaryPercent: 10 })).toMatchSnapshot();
  });
  test("snapshot: retireIdle", () => {
    expect(synth(flavor, { retireIdle: true })).toMatchSnapshot();
  });

  test("flipping active changes only weights (in the request local) and the traffic view", () => {
    for (const extra of [{}, { preview: { header: "X-Env" } }, { canaryPercent: 25 }]) {
      const green = JSON.parse(synth(flavor, { ...extra, active: "green" }));
      const blue = JSON.parse(synth(flavor, { ...extra, active: "blue" }));
      const diffs = diffPaths(green, blue);
      expect(diffs.length).toBeGreaterThan(0);
      for (const d of diffs) expect(d).toMatch(/^(locals\.service_Request_\w+\.body\..*\.weight|resource\.terraform_data\.service_E754E327\.input\.traffic\.(blue|green))$/);
      // only the service object is replaced: a flip is one write.
      expect(diffs.some((d) => d.endsWith(".input.traffic.green"))).toBe(true);
    }
  });

  test("weights are 100 - canaryPercent to active and canaryPercent to idle", () => {
    const svc = Object.entries(resources(synth(flavor, { active: "green", canaryPercent: 30 }))).find(([, r]) =>
      r.request.path?.startsWith("/apisix/admin/services/"),
    )![1];
    const main = svc.request.body.plugins["traffic-split"].rules.at(-1).weighted_upstreams;
    expect(main.map((w: { weight: number }) => w.weight)).toEqual([70, 30]);
  });

  test("the service object carries the exact request (in a local), create_before_destroy, a request trigger and the traffic view", () => {
    const json = synth(flavor, { active: "blue" });
    const res = resources(json);
    expect(res.service_E754E327.input).toEqual({ service: "blue-green-service", traffic: { blue: 100, green: 0 } });
    expect(res.service_E754E327).toEqual({
      ...res.service_E754E327,
      request: expect.objectContaining({
        kind: "object",
        method: "PUT",
        path:
          flavor === "apisix"
            ? "/apisix/admin/services/blue-green-service"
            : "/apisix/admin/services/blue-green-service?gateway_group_id=default",
        construct_path: "stack/service",
        adopt: false,
        body: expect.objectContaining({
          name: "blue-green-service",
          labels: { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "cdktf-apisix-bluegreen/stack" },
        }),
      }),
      lifecycle: expect.objectContaining({ create_before_destroy: true }),
      triggers_replace: { request: expect.stringMatching(/^\$\{base64encode\(jsonencode\(local\.service_Request_\w+\)\)\}$/) },
    });
  });

  test("retireIdle points the service at the active color only", () => {
    const { service } = build(flavor, { active: "green", retireIdle: true });
    const body = service.resource.request.body;
    expect(body.plugins).toBeUndefined();
    if (flavor === "apisix") {
      expect(body.upstream_id).toBe("blue-green-service-green-fabea6b1");
      expect(service.upstreams.blue).toBeUndefined();
      expect(service.upstreams.green).toBeDefined();
      expect(service.node.tryFindChild("Blue")).toBeUndefined();
    } else {
      expect(body.upstream).toEqual({
        type: "roundrobin",
        scheme: "https",
        pass_host: "node",
        nodes: [{ host: "httpbin.org", port: 443, weight: 1 }],
      });
    }
  });

  test("exposes serviceId, gateway and active; brand check", () => {
    const { service, gateway } = build(flavor);
    expect(service.serviceId).toBe("blue-green-service");
    expect(service.gateway).toBe(gateway);
    expect(service.active).toBe("green");
    expect(BlueGreenService.isBlueGreenService(service)).toBe(true);
    expect(BlueGreenService.isBlueGreenService(gateway)).toBe(false);
  });

  test("warns when preview or canaryPercent is ignored under retireIdle", () => {
    const { service } = build(flavor, { retireIdle: true, preview: { header: "X-Env" }, canaryPercent: 5 });
    const warnings = service.node.metadata.filter((m) => String(m.type).includes("warn")).map((m) => String(m.data));
    expect(warnings).toEqual([expect.stringContaining("preview and canaryPercent ignored while retireIdle is true")]);
  });
});

describe("BlueGreenService on apisix: stored upstreams", () => {
  test("defines Blue and Green upstream objects the service depends on", () => {
    const { service } = build("apisix");
    expect(service.upstreams.blue!.request.body).toEqual({
      name: "blue-green-service-blue",
      type: "roundrobin",
      scheme: "https",
      pass_host: "node",
      nodes: [{ host: "mock.api7.ai", port: 443, weight: 100 }],
      labels: { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "cdktf-apisix-bluegreen/stack" },
    });
    const res = resources(synth("apisix"));
    const svc = Object.values(res).find((r) => r.request.path === "/apisix/admin/services/blue-green-service");
    expect(svc.depends_on).toEqual([
      "terraform_data.service_Blue_9BF33B7E",
      "terraform_data.service_Green_77E7C070",
      "terraform_data.gateway_Teardown_6CAC1C7A",
    ]);
  });
});


describe("BlueGreenService validation", () => {
  test("fails when a node port is out of range", () => {
    fails(
      () => build("apisix", { blue: { nodes: [{ host: "a.example", port: 70000 }] } }),
      "invalid props at stack/service: blue.nodes[0].port must be an integer from 1 to 65535, got 70000",
    );
  });
  test("fails when nodes is empty", () => {
    fails(() => build("apisix", { green: { nodes: [] } }), "stack/service", "green.nodes must list at least one node, got []");
  });
  test("fails when a node host is invalid", () => {
    fails(() => build("apisix", { blue: { nodes: [{ host: "bad host!", port: 80 }] } }), "stack/service", "blue.nodes[0].host", '"bad host!"');
  });
  test("fails when a node weight is out of range", () => {
    fails(() => build("apisix", { blue: { nodes: [{ host: "a", port: 80, weight: -1 }] } }), "stack/service", "blue.nodes[0].weight", "-1");
  });
  test("fails when a service host is invalid, repeated or the list is empty", () => {
    fails(() => build("api7-ee", { hosts: ["bad host!"] }), "invalid props at stack/service: hosts[0]", '"bad host!"');
    fails(() => build("apisix", { hosts: ["a.example", "a.example"] }), "stack/service", "hosts must not repeat a host");
    fails(() => build("apisix", { hosts: [] }), "stack/service", "hosts must list at least one host");
  });
  test("fails when canaryPercent is out of range", () => {
    fails(() => build("apisix", { canaryPercent: 100 }), "stack/service", "canaryPercent must be an integer from 0 to 99, got 100");
    fails(() => build("apisix", { canaryPercent: 2.5 }), "stack/service", "canaryPercent", "2.5");
  });
  test("fails when the preview header is not a header name", () => {
    fails(() => build("apisix", { preview: { header: "X Env" } }), "stack/service", "preview.header", '"X Env"');
  });
  test("fails when preview values collide", () => {
    fails(() => build("apisix", { preview: { header: "X-Env", greenValue: "v", blueValue: "v" } }), "stack/service", "preview.blueValue", '"v"');
  });
  test("fails when the service id is invalid", () => {
    fails(() => build("apisix", { serviceId: "bad/id" }), "stack/service", "serviceId", '"bad/id"');
    fails(
      () => build("apisix", { serviceId: "x".repeat(50) }),
      "stack/service",
      'serviceId must be 1 to 49 characters of letters, digits, "-", "_" or "." (upstream ids append "-green-" and 8 ' +
        `hex digits of a content hash, and may have at most 64 characters), got "${"x".repeat(50)}"`,
    );
    expect(() => build("api7-ee", { serviceId: "x".repeat(49) })).not.toThrow();
  });
  test('fails when the service id is "." or ".." (the URL would become the collection, /apisix/admin/services/)', () => {
    for (const serviceId of [".", ".."]) {
      fails(
        () => build("apisix", { serviceId }),
        "invalid props at stack/service: serviceId",
        'must not be "." or ".."',
        `got ${JSON.stringify(serviceId)}`,
      );
    }
    expect(() => build("apisix", { serviceId: "..a" })).not.toThrow();
  });
  test("fails when the service id is a Terraform token: it must be known at synth", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const id = new TerraformVariable(stack, "service_id", { type: "string" });
    const gateway = new GatewayConnection(stack, "gateway", gatewayProps("apisix"));
    fails(
      () => new BlueGreenService(stack, "service", serviceProps(gateway, { serviceId: id.stringValue })),
      "invalid props at stack/service: serviceId must be known at synth time",
      "a plain string",
      "got a Terraform token",
    );
    fails(
      () => new BlueGreenService(stack, "lowered", serviceProps(gateway, { serviceId: Fn.lower("SHOP") })),
      "invalid props at stack/lowered: serviceId must be known at synth time",
    );
    fails(
      () => new BlueGreenService(stack, "embedded", serviceProps(gateway, { serviceId: `shop-${id.stringValue}` })),
      "invalid props at stack/embedded: serviceId must be known at synth time",
    );
  });
  test("fails when active is not a color", () => {
    fails(() => build("apisix", { active: "red" as never }), "stack/service", 'active must be "blue" or "green", got "red"');
  });
  test("fails when passHost is rewrite without upstreamHost", () => {
    fails(() => build("apisix", { blue: { ...BLUE, passHost: "rewrite" } }), "stack/service", "blue.upstreamHost");
  });
  test("fails on an unknown prop", () => {
    fails(() => build("apisix", { canaryPercnt: 5 } as never), "stack/service", "canaryPercnt is not a known prop");
  });
  test("fails when two services on one gateway share an id", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "stack");
    const gateway = new GatewayConnection(stack, "gateway", gatewayProps("apisix"));
    new BlueGreenService(stack, "one", serviceProps(gateway));
    fails(
      () => new BlueGreenService(stack, "two", serviceProps(gateway)),
      "stack/two",
      'duplicate service id "blue-green-service"',
      "stack/one",
    );
  });
  test("fails when gateway is not a GatewayConnection", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    fails(
      () => new BlueGreenService(stack, "service", { ...serviceProps({} as GatewayConnection) }),
      "invalid props at stack/service: gateway must be a GatewayConnection, got {}",
    );
  });
  test("skips values that are unresolved tokens", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const port = new TerraformVariable(stack, "port", { type: "number" });
    const host = new TerraformVariable(stack, "host", { type: "string" });
    const gateway = new GatewayConnection(stack, "gateway", gatewayProps("apisix"));
    const service = new BlueGreenService(stack, "service", {
      ...serviceProps(gateway),
      green: { nodes: [{ host: host.stringValue, port: port.numberValue }] },
    });
    const json = Testing.synth(stack);
    const green = resources(json)[Object.keys(resources(json)).find((k) => k.startsWith("service_Green"))!];
    expect(green.request.body.nodes).toEqual([{ host: "${var.host}", port: "${var.port}", weight: 1 }]);
    // with tokens the hash is computed by Terraform, so a changed variable still replaces the object.
    // Terraform encodes the request with the variables' values, so a changed variable still replaces the object
    expect(green.triggers_replace.request).toMatch(/^\$\{base64encode\(jsonencode\(local\.service_Green_Request_\w+\)\)\}$/);
    // the plan's view shows the nodes, the upstream id once Terraform knows it, and the color
    expect(green.input).toEqual({ upstream: expect.stringMatching(/^\$\{basename\(join\(/), color: "green", nodes: ["${var.host}:${var.port}"] });
    expect(service.upstreams.green).toBeDefined();
    // ... and Terraform also computes the content hash of the upstream id, so a changed variable gives a new object,
    // which the service names and the sweep keeps (its trigger, too, is then computed by Terraform)
    const idHash =
      'substr(sha256(jsonencode({"type" = "roundrobin", "nodes" = [{"host" = var.host, "port" = var.port, "weight" = 1}]})), 0, 8)';
    expect(green.request.path).toBe(`\${join("", ["/apisix/admin/upstreams/blue-green-service-green-", ${idHash}])}`);
    const serviceBody = resources(json)[Object.keys(resources(json)).find((k) => k.startsWith("service_E"))!].request.body;
    expect(serviceBody.plugins["traffic-split"].rules[0].weighted_upstreams[0].upstream_id).toBe(
      `\${join("", ["blue-green-service-green-", ${idHash}])}`,
    );
    const sweep = resources(json)[Object.keys(resources(json)).find((k) => k.startsWith("gateway_Sweep"))!];
    expect(sweep.request.keep).toContain(green.request.path);
    expect(sweep.triggers_replace.request_sha256).toMatch(/^\$\{sha256\(jsonencode\(/);
    // the service's traffic view still names the colors (read from a token-free twin of the body)
    expect(resources(json)[Object.keys(resources(json)).find((k) => k.startsWith("service_E"))!].input).toEqual({
      service: "blue-green-service",
      traffic: { blue: 0, green: 100 },
    });
  });
});

test("BLUE and GREEN fixtures are the seed's", () => {
  expect(BLUE.nodes[0].host).toBe("mock.api7.ai");
  expect(GREEN.nodes[0].host).toBe("httpbin.org");
});

describe.each(FLAVORS)("BlueGreenService healthCheck on %s", (flavor) => {
  const serviceInput = (json: string) =>
    Object.values(resources(json)).find((r) => r.request.path?.startsWith("/apisix/admin/services/"))!.request;

  test("the service input carries the health_check block; upstream and route inputs do not", () => {
    const json = synth(flavor, { active: "blue", healthCheck: { path: "/healthz" } });
    expect(serviceInput(json).health_check).toEqual({
      service_id: "blue-green-service",
      path: "/healthz",
      expect_status: 200,
      timeout_ms: 2000,
      targets: {
        blue: [{ scheme: "https", host: "mock.api7.ai", port: 443 }],
        green: [{ scheme: "https", host: "httpbin.org", port: 443 }],
      },
    });
    const others = Object.values(resources(json)).filter(
      (r) => r.request.kind === "object" && !r.request.path.startsWith("/apisix/admin/services/blue-green-service"),
    );
    expect(others.length).toBeGreaterThan(0);
    for (const r of others) expect(r.request.health_check).toBeUndefined();
  });

  test("without healthCheck the output has no health_check at all", () => {
    expect(synth(flavor)).not.toContain("health_check");
  });

  test("with healthCheck, flipping active still changes only weights (and the replacement hash)", () => {
    for (const extra of [{}, { preview: { header: "X-Env" } }, { canaryPercent: 25 }]) {
      const healthCheck = { path: "/healthz", expectStatus: 204, timeoutMs: 500 };
      const green = JSON.parse(synth(flavor, { ...extra, healthCheck, active: "green" }));
      const blue = JSON.parse(synth(flavor, { ...extra, healthCheck, active: "blue" }));
      const diffs = diffPaths(green, blue);
      expect(diffs.length).toBeGreaterThan(0);
      for (const d of diffs) expect(d).toMatch(/^(locals\.service_Request_\w+\.body\..*\.weight|resource\.terraform_data\.service_E754E327\.input\.traffic\.(blue|green))$/);
    }
  });

  test("retireIdle: the block lists only the active color's nodes", () => {
    const input = serviceInput(synth(flavor, { active: "green", retireIdle: true, healthCheck: { path: "/healthz" } }));
    expect(Object.keys(input.health_check.targets)).toEqual(["green"]);
  });

  test("changing the health check replaces the service object (its hash covers the block)", () => {
    const a = resources(synth(flavor, { healthCheck: { path: "/healthz" } }));
    const b = resources(synth(flavor, { healthCheck: { path: "/ready" } }));
    const diffs = diffPaths(a, b);
    // the request (its local) changes, and so does the trigger that encodes it: the object is replaced
    expect(diffs).toContain("service_E754E327.request.health_check.path");
    expect(a.service_E754E327.triggers_replace).toEqual(b.service_E754E327.triggers_replace);
  });
});

describe("BlueGreenService healthCheck validation", () => {
  test("fails when the path does not start with /", () => {
    fails(
      () => build("apisix", { healthCheck: { path: "healthz" } }),
      'invalid props at stack/service: healthCheck.path must be a path starting with "/" without whitespace, got "healthz"',
    );
  });
  test("fails when expectStatus is not an integer from 100 to 599", () => {
    fails(
      () => build("apisix", { healthCheck: { path: "/healthz", expectStatus: 700 } }),
      "invalid props at stack/service: healthCheck.expectStatus must be an integer from 100 to 599, got 700",
    );
    fails(() => build("apisix", { healthCheck: { path: "/h", expectStatus: 99 } }), "healthCheck.expectStatus", "got 99");
    fails(() => build("apisix", { healthCheck: { path: "/h", expectStatus: 200.5 } }), "healthCheck.expectStatus", "got 200.5");
  });
  test("fails when timeoutMs is not an integer from 1 to 60000", () => {
    fails(
      () => build("api7-ee", { healthCheck: { path: "/healthz", timeoutMs: 0 } }),
      "invalid props at stack/service: healthCheck.timeoutMs must be an integer from 1 to 60000, got 0",
    );
    fails(() => build("apisix", { healthCheck: { path: "/h", timeoutMs: 60001 } }), "healthCheck.timeoutMs", "got 60001");
  });
  test("fails on an unknown healthCheck prop", () => {
    fails(() => build("apisix", { healthCheck: { path: "/h", status: 200 } as never }), "stack/service", "healthCheck.status is not a known prop");
  });
  test("fails when a probed color speaks grpc; a retired grpc color is fine", () => {
    fails(
      () => build("apisix", { healthCheck: { path: "/h" }, blue: { nodes: [{ host: "a", port: 1 }], scheme: "grpc" } }),
      "invalid props at stack/service: blue.scheme must be http or https when healthCheck is set",
      'got "grpc"',
    );
    expect(() =>
      build("apisix", {
        healthCheck: { path: "/h" },
        active: "green",
        retireIdle: true,
        blue: { nodes: [{ host: "a", port: 1 }], scheme: "grpc" },
      }),
    ).not.toThrow();
  });
});
