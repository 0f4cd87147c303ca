/**
 * Issue 10: the real `terraform plan` of a flip names the colors (`~ blue = 100 -> 0`, `~ green = 0 -> 100`) and is
 * short; a stack deployed by the previous version (request in `input`, no `triggers_replace.request`) still upgrades
 * and destroys.
 */
import "cdktf/lib/testing/adapters/jest";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway } from "../../lib/gateway";
import { toPreviousVersion } from "../helper/stack-json";
import { TerraformWorkspace, type RunResult, succeeded } from "../helper/terraform";

jest.setTimeout(180_000);

const ADMIN_KEY = "flip-plan-Secret-Key-51c2e8";

describe("the plan of a flip", () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const workspaces: TerraformWorkspace[] = [];

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor: "apisix" });
  });
  afterAll(async () => {
    await gateway?.close();
    for (const ws of workspaces) ws.cleanup();
  });

  /** The seed's stack (examples/seed-stack.ts) pointed at the embedded gateway. */
  function seed(active: "blue" | "green") {
    return (stack: TerraformStack) => {
      const connection = new GatewayConnection(stack, "gateway", { adminUrl: gateway.adminUrl, adminKeyEnv: "GATEWAY_ADMIN_KEY" });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "blue-green-service",
        blue: { nodes: [{ host: "127.0.0.1", port: 9, weight: 100 }], scheme: "http", passHost: "node" },
        green: { nodes: [{ host: "127.0.0.2", port: 9, weight: 100 }], scheme: "http", passHost: "node" },
        active,
        preview: { header: "X-Env" },
      });
      new BlueGreenRoute(stack, "route", { service, routeId: "blue-green-route", methods: ["GET"], paths: ["/headers"] });
    };
  }

  function workspace(name: string): TerraformWorkspace {
    const ws = new TerraformWorkspace(name, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
    workspaces.push(ws);
    return ws;
  }

  /** A Terraform run that must succeed, its output free of the admin key. */
  const ok = (run: Promise<RunResult>) => succeeded(run, ADMIN_KEY);

  test("shows the traffic per color on changed lines, in at most 40 lines from the resource header to Plan:", async () => {
    const ws = workspace("flip-plan");
    ws.synth(seed("blue"));
    await ok(ws.apply());
    ws.synth(seed("green"));
    const plan = await ok(ws.plan());
    expect(plan).not.toContain(ADMIN_KEY);

    const lines = plan.split("\n");
    const header = lines.findIndex((l) => /^\s*# terraform_data\.service_\w+ must be replaced/.test(l));
    const end = lines.findIndex((l) => l.startsWith("Plan:"));
    expect(header).toBeGreaterThanOrEqual(0);
    expect(lines[end]).toBe("Plan: 1 to add, 0 to change, 1 to destroy.");
    const block = lines.slice(header, end + 1);
    expect(block.length).toBeLessThanOrEqual(40);
    const changed = block.filter((l) => /^\s*[~+-] /.test(l)).map((l) => l.trim());
    expect(changed).toContain("~ blue  = 100 -> 0");
    expect(changed).toContain("~ green = 0 -> 100");
    // the output copy of the input is only the small view
    expect(block.join("\n")).not.toMatch(/weighted_upstreams|upstream_id/);
    await ok(ws.destroy());
  });

  test("a stack deployed by the previous version (request in input) is destroyed by this version", async () => {
    const ws = workspace("flip-upgrade");
    ws.synth(seed("blue"));
    const file = path.join(ws.stackDir, "cdk.tf.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    toPreviousVersion(json);
    writeFileSync(file, JSON.stringify(json, null, 2));
    await ok(ws.apply());
    expect((await adminIds("routes")).sort()).toEqual(["blue-green-route"]);

    ws.synth(seed("blue"));
    const out = await ok(ws.destroy());
    expect(out).toContain("bluegreen: DELETE /apisix/admin/routes/blue-green-route");
    expect(await adminIds("routes")).toEqual([]);
    expect(await adminIds("services")).toEqual([]);
    expect(await adminIds("upstreams")).toEqual([]);
  });

  async function adminIds(kind: string): Promise<string[]> {
    const res = await fetch(`${gateway.adminUrl}/apisix/admin/${kind}`, { headers: { "X-API-KEY": ADMIN_KEY } });
    const body = (await res.json()) as { list?: Array<{ value: { id: string } }> };
    return (body.list ?? []).map((i) => i.value.id);
  }
});
