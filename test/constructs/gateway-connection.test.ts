import "cdktf/lib/testing/adapters/jest";
import { DataResource, Fn, TerraformStack, TerraformVariable } from "cdktf";
import { Testing } from "../../lib/cdk";
import { BlueGreenRoute } from "../../lib/constructs/blue-green-route";
import { BlueGreenService } from "../../lib/constructs/blue-green-service";
import { GatewayConnection, type GatewayConnectionProps } from "../../lib/constructs/gateway-connection";
import { hookCommand } from "../../lib/model/hook-command";
import { build, fails, gatewayProps, HOOK_FILE, resources, serviceProps, stackFolder } from "./fixtures";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPO_ROOT = join(__dirname, "..", "..");
const CA_PEM = "-----BEGIN CERTIFICATE-----\nnot a real one: only laid, never read\n-----END CERTIFICATE-----\n";
let caDir: string;
beforeAll(() => {
  caDir = mkdtempSync(join(tmpdir(), "bluegreen-ca-"));
  writeFileSync(join(caDir, "ca.pem"), CA_PEM);
});
afterAll(() => rmSync(caDir, { recursive: true, force: true }));
/** An existing CA file (absolute). */
const caFile = () => join(caDir, "ca.pem");

function connect(props: Partial<GatewayConnectionProps>, stackId = "stack"): GatewayConnection {
  const stack = new TerraformStack(Testing.app(), stackId);
  return new GatewayConnection(stack, "gateway", props as GatewayConnectionProps);
}


function warnings(c: { node: { metadata: { type: string; data: unknown }[] } }): string[] {
  return c.node.metadata.filter((m) => String(m.type).includes("warn")).map((m) => String(m.data));
}

describe("GatewayConnection", () => {
  test("snapshot of an empty connection (sweep and teardown)", () => {
    expect(Testing.synthScope((s) => new GatewayConnection(s, "gateway", gatewayProps("api7-ee")))).toMatchSnapshot();
  });

  test("writes every default into the gateway block", () => {
    const gw = connect({ adminUrl: "http://127.0.0.1:9180/" });
    expect(gw.target).toEqual({
      admin_url: "http://127.0.0.1:9180",
      flavor: "apisix",
      admin_key_env: "GATEWAY_ADMIN_KEY",
      tls_insecure_skip_verify: false,
      request_timeout_ms: 10000,
      retry_budget_ms: 30000,
    });
    expect(gw.owner).toBe("cdktf-apisix-bluegreen/stack");
    expect(gw.legacyOwner).toBe("stack");
    expect(GatewayConnection.isGatewayConnection(gw)).toBe(true);
  });

  test("passes owner, timeouts and key env through; caFile is laid into the stack folder and named relative to it", () => {
    const gw = connect({
      adminUrl: "https://gw.example:9443",
      owner: "team-a",
      adminKeyEnv: "MY_KEY",
      tls: { caFile: caFile() },
      requestTimeoutMs: 2000,
      retryBudgetMs: 0,
    });
    expect(gw.target).toEqual(
      expect.objectContaining({
        admin_key_env: "MY_KEY",
        tls_ca_file: "assets/gateway_CaFile_89740E91/ca/ca.pem",
        request_timeout_ms: 2000,
        retry_budget_ms: 0,
      }),
    );
    expect(gw.owner).toBe("team-a");
    expect(gw.legacyOwner).toBeUndefined();
    const stackDir = stackFolder(TerraformStack.of(gw));
    expect(readFileSync(join(stackDir, gw.target.tls_ca_file!), "utf8")).toBe(CA_PEM);
  });

  test("a relative caFile is resolved against the project (cdktf.json) around the working directory", () => {
    const project = mkdtempSync(join(tmpdir(), "bluegreen-ca-project-"));
    const cwd = process.cwd();
    try {
      mkdirSync(join(project, "certs"));
      mkdirSync(join(project, "app"));
      writeFileSync(join(project, "cdktf.json"), "{}");
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "ca-project" }));
      writeFileSync(join(project, "certs", "ca.pem"), CA_PEM);
      process.chdir(join(project, "app"));
      const gw = connect({ adminUrl: "https://gw.example:9443", tls: { caFile: "certs/ca.pem" } });
      const stackDir = stackFolder(TerraformStack.of(gw));
      expect(readFileSync(join(stackDir, gw.target.tls_ca_file!), "utf8")).toBe(CA_PEM);
    } finally {
      process.chdir(cwd);
      rmSync(project, { recursive: true, force: true });
    }
  });

  test("a missing caFile fails at synth, naming the construct path, the value and where it was looked for", () => {
    expect(() => connect({ adminUrl: "https://gw.example:9443", tls: { caFile: "certs/missing.pem" } })).toThrow(
      `invalid props at stack/gateway: tls.caFile must name a PEM file, which synthesis lays into the stack folder, ` +
        `got "certs/missing.pem" (resolved to ${join(process.cwd(), "certs/missing.pem")}): there is no such file`,
    );
    const dir = join(caDir, "a-folder");
    mkdirSync(dir, { recursive: true });
    expect(() => connect({ adminUrl: "https://gw.example:9443", tls: { caFile: dir } })).toThrow(
      `invalid props at stack/gateway: tls.caFile must name a PEM file, which synthesis lays into the stack folder, got ${JSON.stringify(dir)}: there is no such file`,
    );
  });

  test("a caFile that is a Terraform token fails: the file is laid at synth", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const variable = new TerraformVariable(stack, "ca", { type: "string" });
    expect(() => new GatewayConnection(stack, "gateway", { adminUrl: "https://gw.example:9443", tls: { caFile: variable.stringValue } })).toThrow(
      /^invalid props at stack\/gateway: tls\.caFile must be known at synth time \(the file is laid into the stack folder\), not a Terraform variable, resource attribute or Fn result, got "\$\{TfToken\[TOKEN\.\d+\]\}"$/,
    );
  });

  test("the hook folder is laid once per stack, with the package's built hook, whatever the number of connections", () => {
    const app = Testing.app();
    const one = new TerraformStack(app, "one");
    const two = new TerraformStack(app, "two");
    new GatewayConnection(one, "a", { adminUrl: "http://127.0.0.1:9180", owner: "a" });
    new GatewayConnection(one, "b", { adminUrl: "http://127.0.0.1:9181", owner: "b" });
    new GatewayConnection(two, "c", { adminUrl: "http://127.0.0.1:9180", owner: "c" });
    for (const stack of [one, two]) {
      const commands = Object.values(resources(Testing.synth(stack))).flatMap((r) => r.provisioner.map((p: any) => p["local-exec"].command));
      expect(new Set(commands.map((c: string) => c.split(" ")[1]))).toEqual(new Set([HOOK_FILE]));
      const stackDir = stackFolder(stack);
      expect(readdirSync(join(stackDir, "assets"))).toEqual(["BluegreenHook"]);
      const laid = join(stackDir, HOOK_FILE, "..");
      expect(readdirSync(laid).sort()).toEqual(readdirSync(join(REPO_ROOT, "dist", "hook")).sort());
      for (const file of readdirSync(laid)) {
        const same = readFileSync(join(laid, file)).equals(readFileSync(join(REPO_ROOT, "dist", "hook", file)));
        expect({ file, same }).toEqual({ file, same: true });
      }
    }
  });

  test("the sweep keeps every declared object path and depends on every object, routes declared later included", () => {
    const { stack, gateway, service } = build("apisix");
    new BlueGreenRoute(stack, "late", { service, routeId: "late-route", paths: ["/late"] });
    const json = Testing.synth(stack);
    expect(gateway.keep()).toEqual([
      "/apisix/admin/routes/blue-green-route",
      "/apisix/admin/routes/late-route",
      "/apisix/admin/services/blue-green-service",
      "/apisix/admin/upstreams/blue-green-service-blue-729ecd62",
      "/apisix/admin/upstreams/blue-green-service-green-fabea6b1",
    ]);
    expect(json).toHaveResourceWithProperties(DataResource, {
      input: expect.objectContaining({
        kind: "sweep",
        owner: "cdktf-apisix-bluegreen/stack",
        legacy_owner: "stack",
        keep: gateway.keep(),
        construct_path: "stack/gateway",
      }),
      provisioner: [{ "local-exec": expect.objectContaining({ command: hookCommand("sweep", HOOK_FILE) }) }],
      triggers_replace: { request_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const sweep = resources(json)[Object.keys(resources(json)).find((k) => k.startsWith("gateway_Sweep"))!];
    expect(sweep.depends_on).toHaveLength(5);
    expect(sweep.provisioner).toHaveLength(1);
  });

  test("the sweep is replaced when the declared set changes, not when active flips", () => {
    const sweepHash = (json: string) =>
      resources(json)[Object.keys(resources(json)).find((k) => k.startsWith("gateway_Sweep"))!].triggers_replace.request_sha256;
    const a = sweepHash(Testing.synth(build("apisix", { active: "green" }).stack));
    const b = sweepHash(Testing.synth(build("apisix", { active: "blue" }).stack));
    const c = sweepHash(Testing.synth(build("apisix", { active: "green", retireIdle: true }).stack));
    const d = sweepHash(Testing.synth(build("apisix", {}, { routeId: "renamed" }).stack));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a);
  });

  test("the teardown: a destroy-only hook deleting the owner's objects, which every object depends on", () => {
    const { stack, gateway, service } = build("api7-ee");
    new BlueGreenRoute(stack, "late", { service, routeId: "late-route", paths: ["/late"] });
    const res = resources(Testing.synth(stack));
    const [id, { request: _request, ...teardown }] = Object.entries(res).find(([k]) => k.startsWith("gateway_Teardown"))!;
    expect(teardown).toEqual({
      input: { kind: "teardown", owner: "cdktf-apisix-bluegreen/stack", legacy_owner: "stack", gateway: gateway.target, construct_path: "stack/gateway" },
      lifecycle: { create_before_destroy: true },
      provisioner: [
        {
          "local-exec": {
            command: hookCommand("teardown", HOOK_FILE),
            environment: { BLUEGREEN_REQUEST: "${jsonencode(self.input)}" },
            when: "destroy",
          },
        },
      ],
    });
    expect(gateway.teardown!.friendlyUniqueId).toBe(id);
    const objects = Object.entries(res).filter(([k]) => !k.startsWith("gateway_"));
    expect(objects).toHaveLength(3);
    for (const [, object] of objects) expect(object.depends_on).toContain(`terraform_data.${id}`);
  });

  test("the teardown's input does not change with the declared objects or active, so it is never replaced", () => {
    const teardown = (json: string) => resources(json)[Object.keys(resources(json)).find((k) => k.startsWith("gateway_Teardown"))!];
    const a = teardown(Testing.synth(build("apisix", { active: "green" }).stack));
    expect(a.input.kind).toBe("teardown");
    expect(teardown(Testing.synth(build("apisix", { active: "blue" }).stack))).toEqual(a);
    expect(teardown(Testing.synth(build("apisix", { active: "green", retireIdle: true }).stack))).toEqual(a);
    expect(teardown(Testing.synth(build("apisix", {}, { routeId: "renamed" }).stack))).toEqual(a);
  });

  test("warns about plain http to a non-loopback host only", () => {
    expect(warnings(connect({ adminUrl: "http://10.0.0.5:9180" }))).toEqual([expect.stringContaining("plain http")]);
    expect(warnings(connect({ adminUrl: "http://127.0.0.1:9180" }))).toEqual([]);
    expect(warnings(connect({ adminUrl: "http://localhost:9180" }))).toEqual([]);
    expect(warnings(connect({ adminUrl: "http://[::1]:9180" }))).toEqual([]);
    expect(warnings(connect({ adminUrl: "https://10.0.0.5:9180" }))).toEqual([]);
  });

  test("warns that tls settings are ignored on a plain http adminUrl", () => {
    expect(warnings(connect({ adminUrl: "http://127.0.0.1:7443", tls: { insecureSkipVerify: true } }))).toEqual([
      "tls is ignored: adminUrl http://127.0.0.1:7443 is plain http",
    ]);
    expect(warnings(connect({ adminUrl: "https://127.0.0.1:7443", tls: { caFile: caFile() } }))).toEqual([]);
  });

  test("warns that tls.insecureSkipVerify turns certificate checks off", () => {
    expect(warnings(connect({ adminUrl: "https://gw.example:7443", tls: { insecureSkipVerify: true } }))).toEqual([
      "tls.insecureSkipVerify is true: the certificate of https://gw.example:7443 is not verified, so anyone on the " +
        "network path can pose as the gateway and read the admin key; use tls.caFile for a private CA",
    ]);
    expect(warnings(connect({ adminUrl: "https://gw.example:7443", tls: { insecureSkipVerify: false } }))).toEqual([]);
  });

  test("the admin key value appears nowhere in the synthesized JSON", () => {
    const secret = "edd1c9f034335f136f87ad84b625c8f1-secret";
    process.env.GATEWAY_ADMIN_KEY = secret;
    process.env.MY_KEY = secret;
    try {
      for (const flavor of ["apisix", "api7-ee"] as const) {
        const { stack } = build(flavor, { preview: { header: "X-Env" } }, {}, { adminKeyEnv: "MY_KEY" });
        const json = Testing.synth(stack);
        expect(json).not.toContain(secret);
        expect(json).toContain('"admin_key_env": "MY_KEY"');
        const dir = Testing.fullSynth(stack);
        const { readFileSync } = require("node:fs") as typeof import("node:fs");
        expect(readFileSync(`${dir}/stacks/stack/cdk.tf.json`, "utf8")).not.toContain(secret);
      }
    } finally {
      delete process.env.GATEWAY_ADMIN_KEY;
      delete process.env.MY_KEY;
    }
  });
});

describe("GatewayConnection validation", () => {
  test("fails when gatewayGroupId is missing on api7-ee", () => {
    fails(
      () => connect({ adminUrl: "https://localhost:7443", flavor: "api7-ee" }),
      'invalid props at stack/gateway: gatewayGroupId is required when flavor is "api7-ee", got undefined',
    );
  });
  test("fails when gatewayGroupId is set on apisix", () => {
    fails(() => connect({ adminUrl: "http://127.0.0.1:9180", gatewayGroupId: "default" }), "stack/gateway", "gatewayGroupId", '"default"');
  });
  test("fails when adminUrl has a path", () => {
    fails(() => connect({ adminUrl: "http://127.0.0.1:9180/apisix/admin" }), "stack/gateway", "adminUrl must be an http(s) url without path", '"http://127.0.0.1:9180/apisix/admin"');
  });
  test("fails when adminUrl is not http(s)", () => {
    fails(() => connect({ adminUrl: "ftp://127.0.0.1" }), "stack/gateway", '"ftp://127.0.0.1"');
    fails(() => connect({ adminUrl: "localhost:9180" }), "stack/gateway", '"localhost:9180"');
    fails(() => connect({ adminUrl: "http://user:pw@127.0.0.1:9180" }), "stack/gateway", "adminUrl");
  });
  test("fails when flavor is unknown", () => {
    fails(() => connect({ adminUrl: "http://127.0.0.1:9180", flavor: "kong" as never }), "stack/gateway", 'flavor must be "apisix" or "api7-ee", got "kong"');
  });
  test("fails when adminKeyEnv is not an environment variable name", () => {
    fails(() => connect({ adminUrl: "http://127.0.0.1:9180", adminKeyEnv: "MY-KEY" }), "stack/gateway", "adminKeyEnv", '"MY-KEY"');
  });
  test("fails when tls sets both insecureSkipVerify and caFile", () => {
    fails(() => connect({ adminUrl: "https://a.example", tls: { insecureSkipVerify: true, caFile: "ca.pem" } }), "stack/gateway", "tls.caFile");
  });
  test("fails when the owner is not an APISIX label value", () => {
    fails(
      () => connect({ adminUrl: "http://127.0.0.1:9180", owner: "team a" }),
      "invalid props at stack/gateway: owner must be 1 to 256 characters without whitespace",
      '"team a"',
    );
    fails(() => connect({ adminUrl: "http://127.0.0.1:9180", owner: "x".repeat(257) }), "stack/gateway", "owner must be 1 to 256");
    expect(connect({ adminUrl: "http://127.0.0.1:9180", owner: "@acme/shop-infra/prod" }).owner).toBe("@acme/shop-infra/prod");
  });
  test("an owner of null (from JavaScript) is refused with the field named, not defaulted", () => {
    fails(
      () => connect({ adminUrl: "http://127.0.0.1:9180", owner: null as unknown as string }),
      "invalid props at stack/gateway: owner must be 1 to 256 characters without whitespace",
      "got null",
    );
  });
  test("fails when timeouts are out of range", () => {
    fails(() => connect({ adminUrl: "http://127.0.0.1:9180", requestTimeoutMs: 0 }), "stack/gateway", "requestTimeoutMs", "got 0");
    fails(() => connect({ adminUrl: "http://127.0.0.1:9180", retryBudgetMs: -5 }), "stack/gateway", "retryBudgetMs", "got -5");
  });
  test("fails when two connections in one app reach the same gateway under different spellings with one owner", () => {
    const aliases: [string, string][] = [
      ["http://localhost:9180", "http://127.0.0.1:9180"],
      ["http://127.0.0.1:9180", "http://127.0.0.2:9180/"],
      ["HTTP://LOCALHOST:9180/", "http://[::1]:9180"],
      ["http://localhost", "http://127.0.0.1:80"],
      ["https://GW.example.com", "https://gw.example.com:443/"],
    ];
    for (const [first, second] of aliases) {
      const app = Testing.app();
      const a = new TerraformStack(app, "a");
      const b = new TerraformStack(app, "b");
      new GatewayConnection(a, "gateway", { adminUrl: first, owner: "shared" });
      fails(
        () => new GatewayConnection(b, "gateway", { adminUrl: second, owner: "shared" }),
        `invalid props at b/gateway: owner "shared" is already used for ${first.replace(/\/$/, "")} by a/gateway`,
        "set a distinct owner",
      );
    }
  });
  test("different ports, hosts, gateway groups or owners are different gateways", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "a");
    new GatewayConnection(stack, "one", { adminUrl: "http://localhost:9180", owner: "shared" });
    expect(() => new GatewayConnection(stack, "two", { adminUrl: "http://localhost:9280", owner: "shared" })).not.toThrow();
    expect(() => new GatewayConnection(stack, "three", { adminUrl: "http://10.0.0.5:9180", owner: "shared" })).not.toThrow();
    expect(() => new GatewayConnection(stack, "four", { adminUrl: "http://127.0.0.1:9180", owner: "other" })).not.toThrow();
    const ee = (id: string, group: string) =>
      new GatewayConnection(stack, id, { adminUrl: "http://127.0.0.1:7443", flavor: "api7-ee", gatewayGroupId: group, owner: "shared" });
    ee("g1", "default");
    expect(() => ee("g2", "staging")).not.toThrow();
    fails(() => ee("g3", "default"), 'owner "shared"', "a/g1");
  });
  test("fails when two connections in one app share gateway and owner", () => {
    const app = Testing.app();
    const a = new TerraformStack(app, "a");
    const b = new TerraformStack(app, "b");
    new GatewayConnection(a, "gateway", { adminUrl: "http://127.0.0.1:9180", owner: "shared" });
    new GatewayConnection(b, "other", { adminUrl: "http://127.0.0.1:9180", owner: "other" });
    fails(
      () => new GatewayConnection(b, "gateway", { adminUrl: "http://127.0.0.1:9180/", owner: "shared" }),
      "b/gateway",
      'owner "shared"',
      "a/gateway",
    );
  });
  test("fails when owner or gatewayGroupId is a Terraform token: they must be known at synth", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const v = new TerraformVariable(stack, "v", { type: "string" });
    fails(
      () => new GatewayConnection(stack, "owned", { adminUrl: "http://127.0.0.1:9180", owner: v.stringValue }),
      "invalid props at stack/owned: owner must be known at synth time",
      "a plain string",
      "got a Terraform token",
    );
    fails(
      () =>
        new GatewayConnection(stack, "grouped", {
          adminUrl: "http://127.0.0.1:9180",
          flavor: "api7-ee",
          gatewayGroupId: Fn.lower(v.stringValue),
        }),
      "invalid props at stack/grouped: gatewayGroupId must be known at synth time",
    );
  });
  test('fails when gatewayGroupId is "." or ".."', () => {
    fails(
      () => connect({ adminUrl: "http://127.0.0.1:9180", flavor: "api7-ee", gatewayGroupId: ".." }),
      "invalid props at stack/gateway: gatewayGroupId",
      'must not be "." or ".."',
      'got ".."',
    );
  });
  test("skips an adminUrl that is an unresolved token", () => {
    const stack = new TerraformStack(Testing.app(), "stack");
    const url = new TerraformVariable(stack, "admin_url", { type: "string" });
    const gw = new GatewayConnection(stack, "gateway", { adminUrl: url.stringValue });
    new BlueGreenService(stack, "service", serviceProps(gw));
    expect(JSON.parse(Testing.synth(stack)).resource.terraform_data.gateway_Sweep_C0A0C9CF.input.gateway.admin_url).toBe("${var.admin_url}");
  });
});

describe("GatewayConnection default owner: <package name>/<stack id>", () => {
  let root: string;
  const cwd = process.cwd();
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "bluegreen-owner-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  afterEach(() => process.chdir(cwd));

  /** Creates `dir` below the temp root with `files` (name → content) and makes it the working directory. */
  function project(dir: string, files: Record<string, string> = {}): string {
    const full = join(root, dir);
    mkdirSync(full, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(full, name), content);
    return full;
  }
  const inDir = (dir: string) => process.chdir(join(root, dir));

  test("takes the name of the nearest package.json with a name above the working directory", () => {
    project("repo", { "package.json": JSON.stringify({ name: "@acme/shop-infra" }) });
    project("repo/infra", { "package.json": JSON.stringify({ type: "commonjs" }) });
    project("repo/infra/src");
    inDir("repo/infra/src");
    const gw = connect({ adminUrl: "http://127.0.0.1:9180" }, "prod");
    expect(gw.owner).toBe("@acme/shop-infra/prod");
    expect(gw.legacyOwner).toBe("prod");

    project("other", { "package.json": JSON.stringify({ name: "billing-infra" }) });
    inDir("other");
    expect(connect({ adminUrl: "http://127.0.0.1:9180" }, "prod").owner).toBe("billing-infra/prod");
  });

  test("every object input carries the owner label and the legacy owner; an explicit owner has no legacy owner", () => {
    const json = resources(Testing.synth(build("apisix").stack));
    for (const resource of Object.values(json)) {
      expect(resource.request.legacy_owner).toBe("stack");
      if (resource.request.kind === "object") {
        expect(resource.request.body.labels).toEqual({ "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "cdktf-apisix-bluegreen/stack" });
      }
    }
    const explicit = resources(Testing.synth(build("apisix", {}, {}, { owner: "team-a" }).stack));
    for (const resource of Object.values(explicit)) expect(resource.request).not.toHaveProperty("legacy_owner");
  });

  test("characters a label should not carry become '-'; a stack id that was never a valid owner has no legacy owner", () => {
    project("odd", { "package.json": JSON.stringify({ name: "Shop Infra!" }) });
    inDir("odd");
    const gw = connect({ adminUrl: "http://127.0.0.1:9180" }, "prod+1");
    expect(gw.owner).toBe("Shop-Infra-/prod-1");
    expect(gw.legacyOwner).toBeUndefined();
  });

  test("fails with a clear error when there is no package name, or the owner would be too long", () => {
    project("bare");
    inDir("bare");
    fails(
      () => connect({ adminUrl: "http://127.0.0.1:9180" }, "prod"),
      "invalid props at prod/gateway: owner cannot be defaulted: no package.json with a name in ",
      "; set owner explicitly",
    );
    project("long", { "package.json": JSON.stringify({ name: "x".repeat(252) }) });
    inDir("long");
    fails(
      () => connect({ adminUrl: "http://127.0.0.1:9180" }, "prod"),
      "invalid props at prod/gateway: owner cannot be defaulted: ",
      "is 257 characters, more than the 256 an APISIX label value may have; set owner explicitly",
    );
  });
});
