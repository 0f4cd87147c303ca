import "cdktf/lib/testing/adapters/jest";
import { App, DataResource, Fn, TerraformStack } from "cdktf";
import { BlueGreenService } from "../../lib/constructs/blue-green-service";
import { Testing } from "../../lib/cdk";
import { GatewayObject } from "../../lib/constructs/gateway-object";
import { containsTokens } from "../../lib/constructs/tokens";
import { hookFolder } from "../../lib/constructs/hook-bundle";
import { hookCommand } from "../../lib/model/hook-command";
import { requestSha256 } from "../../lib/model/hook-input";
import { requestLocalName } from "../../lib/model/request-local";
import { build, HOOK_FILE, resources, serviceProps } from "./fixtures";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("GatewayObject", () => {
  test("hook commands run the laid hook file by its path relative to the stack folder, and carry no value", () => {
    for (const action of ["apply", "destroy", "sweep", "teardown"] as const) {
      expect(hookCommand(action, HOOK_FILE)).toBe(`node ${HOOK_FILE} ${action}`);
    }
    for (const bad of ["/abs/hook.cjs", "C:\\hook.cjs", "../hook.cjs", "assets/../../hook.cjs", "a b/hook.cjs", "a/$(x).cjs", ""]) {
      expect(() => hookCommand("apply", bad)).toThrow(
        `the hook file path must be relative to the stack folder, with forward slashes and only letters, digits and ._+- in its parts, got ${JSON.stringify(bad)}`,
      );
    }
  });

  test("synthesis fails with a clear message when the package has no built hook (a checkout without npm run build)", () => {
    const root = mkdtempSync(join(tmpdir(), "bluegreen-unbuilt-"));
    try {
      writeFileSync(join(root, "package.json"), JSON.stringify({ name: "cdktf-apisix-bluegreen", version: "9.9.9" }));
      const file = join(root, "dist", "hook", "bluegreen-hook.cjs");
      expect(() => hookFolder(root, "stack/gateway")).toThrow(
        `cannot synthesize stack/gateway: the bundled hook ${file}, which synthesis lays into the stack folder, is ` +
          `missing; run npm run build in ${root} (a cdktf-apisix-bluegreen installed from npm always has it)`,
      );
      mkdirSync(join(root, "dist", "hook"), { recursive: true });
      writeFileSync(file, "");
      // the launcher alone is not enough: the program beside it is what it runs
      const program = join(root, "dist", "hook", "bluegreen-hook.program.cjs");
      expect(() => hookFolder(root, "stack/gateway")).toThrow(`cannot synthesize stack/gateway: the bundled hook ${program}, which`);
      writeFileSync(program, "");
      expect(hookFolder(root, "stack/gateway")).toEqual({ dir: join(root, "dist", "hook"), version: "9.9.9" });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("every object has a create hook and a destroy hook, both reading the request from the environment only", () => {
    const json = Testing.synth(build("apisix", { preview: { header: "X-Env" } }).stack);
    // from the encoded request; an object created by the previous version (request in input) is destroyed from its state
    const env = { BLUEGREEN_REQUEST: "${try(base64decode(self.triggers_replace.request), jsonencode(self.input))}" };
    // over plain http the create hook can open no TLS connection: Node need not load NODE_EXTRA_CA_CERTS
    const createEnv = { ...env, NODE_EXTRA_CA_CERTS: "" };
    expect(json).toHaveResourceWithProperties(DataResource, {
      provisioner: [
        { "local-exec": { command: hookCommand("apply", HOOK_FILE), environment: createEnv } },
        { "local-exec": { command: hookCommand("destroy", HOOK_FILE), environment: env, when: "destroy" } },
      ],
    });
    for (const [id, r] of Object.entries(resources(json))) {
      if (id.startsWith("gateway_Sweep") || id.startsWith("gateway_Teardown")) continue;
      expect(r.lifecycle).toEqual({ create_before_destroy: true });
      expect(r.provisioner.map((p: any) => p["local-exec"].environment)).toEqual([createEnv, env]);
    }
  });

  describe("NODE_EXTRA_CA_CERTS is emptied only for create-time hooks that can open no TLS connection", () => {
    /** Each provisioner's `when` (create for none) and whether it empties the variable, by resource id prefix. */
    const emptied = (json: string) =>
      Object.entries(resources(json)).flatMap(([id, r]) =>
        (r.provisioner as any[]).map((p) => `${id.replace(/_[0-9A-F]{8}$/, "")} ${p["local-exec"].when ?? "create"} ${p["local-exec"].environment.NODE_EXTRA_CA_CERTS === ""}`),
      );

    test("http Admin API: every create hook empties it (the upstreams' https nodes are the gateway's to dial); destroy hooks keep it", () => {
      expect(emptied(Testing.synth(build("apisix").stack)).sort()).toEqual([
        "gateway_Sweep create true",
        "gateway_Teardown destroy false",
        "route create true",
        "route destroy false",
        "service create true",
        "service destroy false",
        "service_Blue create true",
        "service_Blue destroy false",
        "service_Green create true",
        "service_Green destroy false",
      ]);
    });

    test("https Admin API, or one known only when Terraform runs: every hook keeps it", () => {
      // a token: an http URL as far as anyone can tell at synth, known only when Terraform runs
      for (const adminUrl of ["https://127.0.0.1:9180", "HTTPS://127.0.0.1:9180", Fn.lower("http://127.0.0.1:9180")]) {
        const lines = emptied(Testing.synth(build("apisix", {}, {}, { adminUrl }).stack));
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.filter((l) => l.endsWith(" true"))).toEqual([]);
      }
    });

    test("a health gate that probes https nodes: the service's create hook keeps it, the others empty it", () => {
      const lines = emptied(Testing.synth(build("apisix", { healthCheck: { path: "/healthz" } }).stack));
      expect(lines.filter((l) => l.includes(" create ")).sort()).toEqual([
        "gateway_Sweep create true",
        "route create true",
        "service create false",
        "service_Blue create true",
        "service_Green create true",
      ]);
    });
  });

  test("triggers_replace encodes the request local, which is the exact request", () => {
    const { service, stack } = build("api7-ee");
    const json = JSON.parse(Testing.synth(stack));
    const resource = json.resource.terraform_data.service_E754E327;
    const local = requestLocalName(resource.triggers_replace.request)!;
    expect(resource.triggers_replace).toEqual({ request: `\${base64encode(jsonencode(local.${local}))}` });
    expect(requestSha256(json.locals[local])).toBe(requestSha256(service.resource.request));
  });

  test("no absolute paths, timestamps or machine data in the output", () => {
    const json = Testing.synth(build("apisix", { preview: { header: "X-Env" }, canaryPercent: 5 }).stack);
    expect(json).not.toContain(process.cwd());
    expect(json).not.toMatch(/"\/(home|root|tmp|Users|work)\//);
    expect(json).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    expect(Testing.synth(build("apisix", { preview: { header: "X-Env" }, canaryPercent: 5 }).stack)).toBe(json);
  });

  test("fails when the gateway would reject the body", () => {
    const { stack, gateway } = build("apisix");
    const request = { method: "PUT" as const, path: "/apisix/admin/routes/bad", body: { name: "bad", uris: ["/x"] } };
    expect(() => new GatewayObject(stack, "bad", { gateway, kind: "routes", request, view: { route: "bad" } })).toThrow(
      /^invalid props at stack: the gateway would reject PUT \/apisix\/admin\/routes\/bad: /,
    );
  });

  test("fails when a service is defined in another stack than its gateway", () => {
    const { stack, gateway } = build("apisix");
    const other = new TerraformStack(stack.node.scope as App, "other");
    expect(() => new BlueGreenService(other, "svc", serviceProps(gateway, { serviceId: "other-svc" }))).toThrow(
      "invalid props at other/svc: must be defined in the same stack as its gateway stack/gateway",
    );
  });

  test("containsTokens", () => {
    expect(containsTokens({ a: [1, "x", { b: true }] })).toBe(false);
    expect(containsTokens({ a: ["${TfToken[TOKEN.1]}"] })).toBe(true);
  });

  test.each(["apisix", "api7-ee"] as const)("synthesizes valid Terraform (%s)", (flavor) => {
    const { stack } = build(flavor, { preview: { header: "X-Env" }, canaryPercent: 10 });
    expect(Testing.fullSynth(stack)).toBeValidTerraform();
  });
});
