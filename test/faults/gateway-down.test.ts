/**
 * Fault injection, real Terraform: the gateway is down during a deploy, or hangs.
 *
 * - down: the hook gives up within its retry budget with a message naming the admin URL, `terraform apply` fails,
 *   nothing on the gateway changed (restarted from its state file it still holds the old weights and serves the
 *   old color), and the next deploy converges.
 * - hanging: every attempt is bounded by requestTimeoutMs, the deploy fails in bounded time saying so, and the
 *   gateway still serves the old color.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { startBackends, type Backend } from "../helper/backends";
import { freePort } from "../helper/gateway-process";
import { TerraformWorkspace } from "../helper/terraform";
import {
  everyRoute,
  expectFailed,
  expectOk,
  landingsPerRoute,
  SERVICE_ID,
  serviceWeights,
  snapshot,
  synthDeploy,
  timed,
} from "./harness";

jest.setTimeout(120_000);

const KEY = "faults-Down-Admin-Key-5c1e0b";
const ROUTES = ["orders", "cart"];

let backends: Backend[];
let tmp: string;

beforeAll(async () => {
  backends = await startBackends(["blue", "green"]);
  tmp = mkdtempSync(path.join(tmpdir(), "bg-faults-down-"));
});

afterAll(async () => {
  await Promise.all((backends ?? []).map((b) => b.close()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("gateway down during a flip: bounded failure naming the URL, nothing changed, next deploy converges", async () => {
  const [adminPort, proxyPort] = [await freePort(), await freePort()];
  const stateFile = path.join(tmp, "down.json");
  const start = () => startGateway({ adminPort, proxyPort, metricsPort: 0, adminKey: KEY, stateFile });
  let gateway: RunningGateway = await start();
  const ws = new TerraformWorkspace("faults-down", { GATEWAY_ADMIN_KEY: KEY });
  try {
    const spec = { adminUrl: gateway.adminUrl, routes: ROUTES, backends, retryBudgetMs: 2_000 };
    synthDeploy(ws, { ...spec, active: "blue" });
    expectOk(await ws.apply());
    const before = await snapshot(gateway.adminUrl, KEY);
    expect(await serviceWeights(gateway.adminUrl, KEY)).toEqual([
      [expect.stringMatching(new RegExp(`^${SERVICE_ID}-green-[0-9a-f]{8}$`)), 0],
      [expect.stringMatching(new RegExp(`^${SERVICE_ID}-blue-[0-9a-f]{8}$`)), 100],
    ]);

    await gateway.close();
    synthDeploy(ws, { ...spec, active: "green" });
    const { value: failed, ms } = await timed(() => ws.apply());
    expectFailed(failed);
    // the hook's own message: names the URL, the attempts and the construct; the apply took well under 2 budgets
    expect(failed.output).toMatch(
      new RegExp(
        `bluegreen: could not reach the gateway at ${gateway.adminUrl.replace(/\./g, "\\.")} after \\d+ attempts in [0-9.]+ s: .*ECONNREFUSED`,
      ),
    );
    expect(failed.output).toContain(`for e2e/service`);
    expect(ms).toBeLessThan(20_000);
    expect(failed.output).not.toContain(KEY);

    // restarted from its state file, the gateway holds exactly what it held before, and serves blue
    gateway = await start();
    expect(await snapshot(gateway.adminUrl, KEY)).toEqual(before);
    expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { blue: 10 }));

    // the same deploy again converges
    expectOk(await ws.apply());
    expect(await serviceWeights(gateway.adminUrl, KEY)).toEqual([
      [expect.stringMatching(new RegExp(`^${SERVICE_ID}-green-[0-9a-f]{8}$`)), 100],
      [expect.stringMatching(new RegExp(`^${SERVICE_ID}-blue-[0-9a-f]{8}$`)), 0],
    ]);
    expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { green: 10 }));
    const plan = await ws.plan();
    expect(plan.stdout).toContain("No changes.");
  } finally {
    await gateway.close();
    ws.cleanup();
  }
});

test("a hanging gateway: each attempt times out, the deploy fails within a bounded time, then converges", async () => {
  const faults = new AdminFaults();
  const gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, faults });
  const ws = new TerraformWorkspace("faults-hang", { GATEWAY_ADMIN_KEY: KEY });
  try {
    const spec = { adminUrl: gateway.adminUrl, routes: ROUTES, backends, retryBudgetMs: 1_500, requestTimeoutMs: 400 };
    synthDeploy(ws, { ...spec, active: "blue" });
    expectOk(await ws.apply());
    const before = await snapshot(gateway.adminUrl, KEY);

    // every write of the service hangs (the adopt-check GET is answered, the flip's PUT never is)
    faults.hangNext({ method: "PUT", pathPrefix: `/apisix/admin/services/${SERVICE_ID}`, count: Infinity });
    synthDeploy(ws, { ...spec, active: "green" });
    const { value: failed, ms } = await timed(() => ws.apply());
    expectFailed(failed);
    expect(failed.output).toMatch(
      /bluegreen: could not reach the gateway at http:\/\/127\.0\.0\.1:\d+ after \d+ attempts in [0-9.]+ s: no answer within 400 ms; the retry budget of 1500 ms \(retryBudgetMs, shared by every request of this run\) is spent \(PUT \/apisix\/admin\/services\/checkout for e2e\/service\)/,
    );
    expect(failed.output).toMatch(/attempt 1 failed \(no answer within 400 ms\); retrying in \d+ ms/);
    expect(ms).toBeLessThan(20_000);
    const hung = faults.count({ method: "PUT", pathPrefix: `/apisix/admin/services/${SERVICE_ID}` }, true);
    expect(hung).toBeGreaterThanOrEqual(2); // retried
    expect(hung).toBeLessThanOrEqual(6); // but within the budget

    expect(await snapshot(gateway.adminUrl, KEY)).toEqual(before);
    expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { blue: 10 }));

    faults.clear();
    expectOk(await ws.apply());
    expect(await landingsPerRoute(gateway.proxyUrl, ROUTES, 10)).toEqual(everyRoute(ROUTES, { green: 10 }));
  } finally {
    faults.clear();
    await gateway.close();
    ws.cleanup();
  }
});
