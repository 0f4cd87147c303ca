/**
 * Issue 12: Ctrl-C during a provider-engine apply. The flip's PUT hangs on the embedded gateway (its fault switch);
 * Terraform and its provider get SIGINT, as a terminal's Ctrl-C sends it to the whole process group. Terraform sends
 * StopProvider, the write is given up (no retry is sent), Terraform exits, the gateway holds the old weights (the
 * hung PUT never reached the store: never half of a flip), and the next apply converges. Both flavours.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { startGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { colorShares } from "../../lib/release/weights";
import { groupQuery, providerSeed } from "../helper/provider-stack";
import { TerraformWorkspace } from "../helper/terraform";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-interrupt-Secret-3e9a";

/** Direct children of `pid` (the provider processes Terraform started). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

describe.each(["apisix", "api7-ee"] as const)("Ctrl-C during a provider-engine flip (%s)", (flavor) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let ws: TerraformWorkspace;
  const faults = new AdminFaults();
  const servicePath = "/apisix/admin/services/bg-service";

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor, faults });
    ws = new TerraformWorkspace(`provider-interrupt-${flavor}`, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  });
  afterAll(async () => {
    faults.clear();
    await gateway?.close();
    ws?.cleanup();
  });

  // short timeouts, so that the code before the fix (which retried the hung PUT until the budget was spent) ends too
  const seed = (active: "blue" | "green") =>
    providerSeed(gateway.adminUrl, flavor, { active, connection: { requestTimeoutMs: 2_000, retryBudgetMs: 8_000 } });

  async function weights(): Promise<{ blue: number; green: number }> {
    const q = groupQuery(flavor);
    const res = await fetch(`${gateway.adminUrl}${servicePath}${q}`, { headers: { "X-API-KEY": ADMIN_KEY } });
    const stored = (await res.json()) as { value?: Record<string, unknown> } & Record<string, unknown>;
    return colorShares(stored.value ?? stored, { flavor, serviceId: "bg-service" });
  }

  const servicePuts = () => faults.seen.filter((r) => r.method === "PUT" && r.path === servicePath);

  test("the hung write is given up, Terraform exits, the gateway keeps the old weights, the next apply converges", async () => {
    ws.synth(seed("blue"));
    const first = await ws.apply();
    if (first.code !== 0) throw new Error(first.output);
    expect(await weights()).toEqual({ blue: 100, green: 0 });

    ws.synth(seed("green"));
    faults.seen.length = 0;
    faults.hangNext({ method: "PUT", pathPrefix: servicePath, count: Infinity });
    let watcher: NodeJS.Timeout | undefined;
    const interrupted = await ws.apply({}, (terraform: ChildProcess) => {
      watcher = setInterval(() => {
        if (servicePuts().length === 0) return;
        clearInterval(watcher);
        // a terminal's Ctrl-C: the process group, i.e. Terraform and the providers it started
        for (const pid of [terraform.pid!, ...childrenOf(terraform.pid!)]) process.kill(pid, "SIGINT");
      }, 50);
    });
    clearInterval(watcher);
    expect(interrupted.code).not.toBe(0);
    expect(interrupted.output).toMatch(/stopped during PUT \/apisix\/admin\/services\/bg-service/);
    expect(interrupted.output).toContain("deploy again to converge");
    expect(interrupted.output).not.toContain(ADMIN_KEY);
    // given up: the hung PUT is the only one (no retry was sent after the stop)
    expect(servicePuts()).toEqual([{ method: "PUT", path: servicePath, fault: "hang" }]);
    expect(await weights()).toEqual({ blue: 100, green: 0 });

    faults.clear();
    const again = await ws.apply();
    if (again.code !== 0) throw new Error(again.output);
    expect(await weights()).toEqual({ blue: 0, green: 100 });
    expect((await ws.plan()).output).toContain("No changes.");

    const destroyed = await ws.destroy();
    if (destroyed.code !== 0) throw new Error(destroyed.output);
  });
});
