/**
 * The release survives the death of the process running it: a process runs `runRelease` from dist (as the hook
 * would) and is killed with SIGKILL mid-step, as Terraform stops a running local-exec when a deploy is interrupted;
 * the guardian it armed puts the old service body back. SIGINT is handled by the process itself. Both flavours.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredObject } from "../../lib/client/admin-client";
import { diffObject } from "../../lib/client/diff-object";
import { restorableBody } from "../../lib/release/restore";
import { countLandings } from "../helper/traffic";
import { ADMIN_KEY, CONSTRUCT_PATH, type Flavor, mainWeights, type ReleaseFixture, startReleaseFixture, waitForExit } from "./release-harness";

const PROCESS = join(__dirname, "release-process.js");

/** Polls `probe` every 50 ms until it is true, at most `ms`. */
async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting until ${what}`);
}

const holds = (actual: StoredObject | undefined, expected: StoredObject) =>
  actual !== undefined && diffObject(restorableBody(expected), actual).length === 0 && diffObject(restorableBody(actual), expected).length === 0;

describe.each<Flavor>(["apisix", "api7-ee"])("the release guardian on %s", (flavor) => {
  let fx: ReleaseFixture;
  let log: string;
  beforeAll(async () => {
    fx = await startReleaseFixture(flavor);
  });
  afterAll(() => fx.close());
  beforeEach(async () => {
    fx.reset();
    await fx.deploy();
    log = join(tmpdir(), `release-guardian-${process.pid}-${flavor}.log`);
  });
  afterEach(() => rmSync(log, { force: true }));

  /** Starts a release of green over blue in its own process, watched 60 s per step; resolves once step 10% is live. */
  async function startRelease(): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> }> {
    const body = await fx.prepare({ active: "green" });
    const release = fx.release({ steps: [10, 50], stepIntervalSec: 60, checks: [{ path: "/shop/health", count: 1 }] });
    const request = {
      adminUrl: fx.gw.adminUrl,
      flavor,
      gatewayGroupId: flavor === "api7-ee" ? "default" : undefined,
      path: fx.servicePath,
      body,
      release,
      constructPath: CONSTRUCT_PATH,
      guardianLogFile: log,
    };
    const child = spawn(process.execPath, [PROCESS], {
      env: { PATH: process.env.PATH, BLUEGREEN_TEST_RELEASE: JSON.stringify(request), GATEWAY_ADMIN_KEY: ADMIN_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await until("step 10% is live", async () => mainWeights(await fx.service()).green === 10);
    return { child, stdout: () => out, stderr: () => err, exited };
  }

  function guardianPid(stdout: string): number {
    const m = /\(guardian pid (\d+) restores the service if this deploy is stopped\)/.exec(stdout);
    if (m === null) throw new Error(`no guardian pid in: ${stdout}`);
    return Number(m[1]);
  }

  it("restores the old service body when the process running the release is killed with SIGKILL mid-step", async () => {
    const before = (await fx.service())!;
    const run = await startRelease();
    const pid = guardianPid(run.stdout());
    // the admin key is handed over through stdin: neither the guardian's command line nor its environment holds it
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).not.toContain(ADMIN_KEY);
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain(ADMIN_KEY);
    run.child.kill("SIGKILL");
    await run.exited;
    await until("the guardian restored the old service", async () => holds(await fx.service(), before));
    await waitForExit(pid);
    expect(holds(await fx.service(), before)).toBe(true); // and nothing wrote over it afterwards
    expect(await countLandings(`${fx.gw.proxyUrl}/shop/x`, 10)).toEqual({ blue: 10 });
    const lines = readFileSync(log, "utf8");
    expect(lines).toContain(`bluegreen guardian ${pid}: release of ${CONSTRUCT_PATH}: restored ${fx.servicePath} as it was before the release (verified)`);
    expect(lines).not.toContain(ADMIN_KEY);
  });

  it("restores and exits non-zero on SIGINT, and the guardian it told leaves the gateway alone", async () => {
    const before = (await fx.service())!;
    const run = await startRelease();
    const pid = guardianPid(run.stdout());
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toBe(`bluegreen: release of ${CONSTRUCT_PATH} stopped at step 10%: interrupted (SIGINT); restored blue 100% (verified)\n`);
    expect(holds(await fx.service(), before)).toBe(true);
    await waitForExit(pid);
    expect(existsSync(log)).toBe(false); // told the release was over, it never logged a restore
  });
});
