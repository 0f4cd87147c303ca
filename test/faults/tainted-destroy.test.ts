/**
 * Destroy removes every object the stack owns whatever its Terraform status. A create hook that fails after its PUT
 * (a failed read-back) or is interrupted (Ctrl-C: SIGINT to terraform) leaves the object tainted, and Terraform never
 * runs a tainted (or deposed) object's destroy hook; the connection's teardown deletes it, in order, after every
 * object is destroyed. Each scenario ends with `terraform destroy` exiting 0 and the gateway empty.
 */
import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { startBackends, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { expectFailed, expectOk, flat, gatewayContents, SERVICE_ID, synthDeploy, type Flavor } from "./harness";

jest.setTimeout(180_000);

const KEY = "faults-Tainted-Admin-Key-8e0b37";
const ROUTES = ["orders", "cart"];

describe.each<Flavor>(["apisix", "api7-ee"])("destroy after a tainted create (%s)", (flavor) => {
  let backends: Backend[];
  let gateway: RunningGateway;
  const faults = new AdminFaults();
  const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";
  const servicePath = `/apisix/admin/services/${SERVICE_ID}`;

  beforeAll(async () => {
    backends = await startBackends(["blue", "green"]);
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor, faults });
  });

  afterEach(() => faults.clear());

  afterAll(async () => {
    faults.clear();
    await gateway?.close();
    await Promise.all((backends ?? []).map((b) => b.close()));
  });

  async function destroyLeavesNothing(ws: TerraformWorkspace): Promise<void> {
    const destroyed = await ws.destroy();
    if (destroyed.code !== 0) throw new Error(`terraform destroy failed (exit ${destroyed.code}):\n${destroyed.output}`);
    expect(await gatewayContents(gateway.adminUrl, KEY, flavor)).toEqual([]);
    expect(flat(destroyed.output)).toMatch(/bluegreen: teardown owner=\S+ deleted \d+/);
    // and Terraform agrees: nothing left in the state, a second destroy has nothing to do
    expect((await ws.terraform(["state", "list"])).stdout).toBe("");
    expect((await ws.destroy()).code).toBe(0);
  }

  test("the service's read-back fails after its PUT on the first deploy (tainted): destroy leaves the gateway empty", async () => {
    const ws = new TerraformWorkspace(`faults-tainted-readback-${flavor}`, { GATEWAY_ADMIN_KEY: KEY });
    try {
      // both GETs of the service's hook answer 404: the existence check (true anyway) and the read-back after the PUT
      faults.failNext({ method: "GET", pathPrefix: servicePath, status: 404, count: 2, body: { message: "Key not found" } });
      synthDeploy(ws, { adminUrl: gateway.adminUrl, flavor, routes: ROUTES, backends, active: "blue" });
      const failed = expectFailed(await ws.apply());
      expect(flat(failed.output)).toContain(`read-after-write check failed for ${servicePath}${q}`);
      expect((await ws.terraform(["show", "-no-color"])).stdout).toMatch(/terraform_data\.service_\w+: \(tainted\)/);
      expect(await gatewayContents(gateway.adminUrl, KEY, flavor)).toContain(`services/${SERVICE_ID}`);

      await destroyLeavesNothing(ws);
    } finally {
      ws.cleanup();
    }
  });

  test("Ctrl-C (SIGINT to terraform) while a flip writes the service: destroy leaves the gateway empty", async () => {
    const ws = new TerraformWorkspace(`faults-tainted-sigint-${flavor}`, { GATEWAY_ADMIN_KEY: KEY });
    try {
      const spec = { adminUrl: gateway.adminUrl, flavor, routes: ROUTES, backends };
      synthDeploy(ws, { ...spec, active: "blue" });
      expectOk(await ws.apply());

      // the flip's service write never gets an answer; once the gateway holds it, the operator presses Ctrl-C
      faults.hangNext({ method: "PUT", pathPrefix: servicePath });
      synthDeploy(ws, { ...spec, active: "green" });
      let terraform: ChildProcess | undefined;
      const applying = ws.apply({}, (child) => (terraform = child));
      let settled = false;
      void applying.finally(() => (settled = true));
      while (!settled && faults.count({ method: "PUT", pathPrefix: servicePath }, true) === 0) await sleep(50);
      expect(terraform?.kill("SIGINT")).toBe(true);
      const interrupted = expectFailed(await applying);
      expect(interrupted.output).toContain("Interrupt received");
      faults.clear();
      expect((await ws.terraform(["show", "-no-color"])).stdout).toMatch(/terraform_data\.service_\w+: \(tainted\)/);

      await destroyLeavesNothing(ws);
    } finally {
      ws.cleanup();
    }
  });
});
