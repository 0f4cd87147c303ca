/**
 * End to end, issue 7 item 7: the default owner is `<package name>/<stack id>`, through real Terraform.
 *
 * - objects labelled with the old default owner (the bare stack id) are taken over by the new default without
 *   `adopt`, and undeclared ones are left in place with a warning;
 * - two projects whose stacks share a name (different package names) never sweep each other's objects.
 *
 * The package name is read from the nearest package.json above the working directory when the app synthesizes, so
 * the second project synthesizes from a folder with its own package.json (Terraform still runs in the workspace).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway } from "../../lib/gateway";
import { TerraformWorkspace, type RunResult } from "../helper/terraform";
import { adminGet } from "../helper/traffic";

jest.setTimeout(240_000);

const ADMIN_KEY = "e2e-Owner-Admin-Key-4b7d21";
const PACKAGE = "cdktf-apisix-bluegreen"; // the repository's package.json, the working directory of jest

interface Declared {
  readonly owner?: string;
  /** Service id → ids of its routes. */
  readonly services: Record<string, readonly string[]>;
}

describe("default owner through terraform", () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const workspaces: TerraformWorkspace[] = [];

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor: "apisix" });
  });

  afterAll(async () => {
    for (const ws of workspaces) await ws.destroy().catch(() => undefined);
    await gateway?.close();
    workspaces.forEach((ws) => ws.cleanup());
  });

  function workspace(name: string): TerraformWorkspace {
    const ws = new TerraformWorkspace(name, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
    workspaces.push(ws);
    return ws;
  }

  /** Synthesizes stack `e2e` with `declared`, with the working directory `cwd` during synth. */
  function synth(ws: TerraformWorkspace, declared: Declared, cwd = process.cwd()): void {
    const before = process.cwd();
    process.chdir(cwd);
    try {
      ws.synth((stack: TerraformStack) => {
        const connection = new GatewayConnection(stack, "gateway", { adminUrl: gateway.adminUrl, owner: declared.owner });
        for (const [serviceId, routeIds] of Object.entries(declared.services)) {
          const service = new BlueGreenService(stack, serviceId, {
            gateway: connection,
            serviceId,
            blue: { nodes: [{ host: "127.0.0.1", port: 1980 }] },
            green: { nodes: [{ host: "127.0.0.1", port: 1981 }] },
          });
          for (const routeId of routeIds) new BlueGreenRoute(stack, routeId, { service, routeId, paths: [`/${routeId}`] });
        }
      });
    } finally {
      process.chdir(before);
    }
  }

  async function applyOk(ws: TerraformWorkspace): Promise<RunResult> {
    const result = await ws.apply();
    if (result.code !== 0) throw new Error(`terraform apply failed:\n${result.output}`);
    return result;
  }

  async function ownerLabel(kind: string, id: string): Promise<string | undefined> {
    const res = await adminGet(gateway.adminUrl, `/apisix/admin/${kind}/${id}`, ADMIN_KEY);
    return res.status === 200 ? res.body.value.labels?.["bluegreen-owner"] : undefined;
  }

  /** `<kind> <id>` → owner label of every object on the gateway. */
  async function owners(): Promise<Record<string, string | undefined>> {
    const out: Record<string, string | undefined> = {};
    for (const kind of ["routes", "services", "upstreams"]) {
      const res = await adminGet(gateway.adminUrl, `/apisix/admin/${kind}`, ADMIN_KEY);
      for (const item of res.body.list) out[`${kind} ${item.value.id}`] = item.value.labels?.["bluegreen-owner"];
    }
    return out;
  }

  test("objects labelled with the old default owner (the stack id) are taken over without adopt", async () => {
    const ws = workspace("owner-legacy");
    // what a deploy with the previous release wrote: every object labelled bluegreen-owner=e2e
    synth(ws, { owner: "e2e", services: { "legacy-svc": ["legacy-kept", "legacy-dropped"], "legacy-gone": ["legacy-gone-route"] } });
    await applyOk(ws);
    expect(await ownerLabel("routes", "legacy-kept")).toBe("e2e");

    // the upgrade: no owner prop, so the new default; one route and one service (with its route) are no longer declared
    synth(ws, { services: { "legacy-svc": ["legacy-kept"] } });
    const upgraded = await applyOk(ws);
    expect(upgraded.output).not.toContain("refusing to overwrite");
    expect(upgraded.output).toMatch(/PUT \/apisix\/admin\/services\/legacy-svc -> 200 \(verified, relabelled from owner "e2e"\)/);
    expect(upgraded.output).toMatch(/PUT \/apisix\/admin\/routes\/legacy-kept -> 200 \(verified, relabelled from owner "e2e"\)/);
    const after = await owners();
    for (const key of ["routes legacy-kept", "services legacy-svc"]) expect({ key, owner: after[key] }).toEqual({ key, owner: `${PACKAGE}/e2e` });
    // an undeclared route with the old label bound to a service this stack declares is this stack's: swept
    expect(upgraded.output).toMatch(/sweep owner=cdktf-apisix-bluegreen\/e2e deleted 1: route legacy-dropped\n/);
    expect(after["routes legacy-dropped"]).toBeUndefined();
    // other undeclared objects with the old label may be another project's (same stack name): left, and said so
    expect(after["routes legacy-gone-route"]).toBe("e2e");
    expect(after["services legacy-gone"]).toBe("e2e");
    const warning = new RegExp(
      `bluegreen: warning: sweep owner=${PACKAGE}/e2e left in place \\d+ undeclared objects labelled with the old ` +
        `default owner "e2e": (.*) \\(another project whose stack is also called "e2e" may own them; delete by hand ` +
        `what was this stack's\\)`,
    ).exec(upgraded.output);
    expect(warning?.[1]).toMatch(/^route legacy-gone-route, service legacy-gone, upstream /);
    expect(warning?.[1]).not.toContain("legacy-kept");
    expect(warning?.[1]).not.toContain("legacy-svc");

    // a plain redeploy is quiet: nothing to take over
    const again = await applyOk(ws);
    expect(again.output).toContain("No changes.");

    const destroyed = await ws.destroy();
    expect(destroyed.code).toBe(0);
    const left = await owners();
    expect(Object.values(left).every((owner) => owner === "e2e")).toBe(true);
    expect(Object.keys(left)).toEqual(expect.arrayContaining(["routes legacy-gone-route", "services legacy-gone"]));
    expect(Object.keys(left).filter((k) => k.includes("legacy-svc") || k.includes("legacy-kept"))).toEqual([]);
    // what the warning asks for: the leftovers deleted by hand
    for (const kind of ["routes", "services", "upstreams"]) {
      for (const key of Object.keys(left).filter((k) => k.startsWith(`${kind} `))) {
        const res = await fetch(`${gateway.adminUrl}/apisix/admin/${kind}/${key.slice(kind.length + 1)}`, {
          method: "DELETE",
          headers: { "x-api-key": ADMIN_KEY },
        });
        expect({ key, status: res.status }).toEqual({ key, status: 200 });
      }
    }
  });

  test("two projects whose stacks are both called e2e do not sweep each other's objects", async () => {
    const a = workspace("owner-a");
    const b = workspace("owner-b");
    // project B is a folder with its own package.json; project A is this repository
    const projectB = path.join(b.dir, "project-b");
    mkdirSync(projectB, { recursive: true });
    writeFileSync(path.join(projectB, "package.json"), JSON.stringify({ name: "shop-b", private: true }));

    synth(a, { services: { "svc-a": ["route-a"] } });
    await applyOk(a);
    synth(b, { services: { "svc-b": ["route-b"] } }, projectB);
    const bApplied = await applyOk(b);
    expect(bApplied.output).toContain("bluegreen: sweep owner=shop-b/e2e deleted 0");
    expect(await ownerLabel("routes", "route-a")).toBe(`${PACKAGE}/e2e`);
    expect(await ownerLabel("routes", "route-b")).toBe("shop-b/e2e");

    // A's declared set changes, so its sweep runs: B's objects stay
    synth(a, { services: { "svc-a": ["route-a2"] } });
    const aApplied = await applyOk(a);
    expect(aApplied.output).toContain(`bluegreen: sweep owner=${PACKAGE}/e2e deleted 1: route route-a`);
    expect(await ownerLabel("routes", "route-b")).toBe("shop-b/e2e");
    expect(await ownerLabel("services", "svc-b")).toBe("shop-b/e2e");

    expect((await a.destroy()).code).toBe(0);
    expect(await ownerLabel("routes", "route-b")).toBe("shop-b/e2e");
    expect((await b.destroy()).code).toBe(0);
    expect(await owners()).toEqual({});
  });
});
