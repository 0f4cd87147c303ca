/**
 * The release runner against the real embedded gateway (both flavours) with real backends on 127.0.0.2 (blue) and
 * 127.0.0.3 (green) that are switched to answer 500 or late, real checks through the proxy, the analysis from the
 * gateway's own metrics, and the guardian process (from dist: `npm run build` first). Windows are 1 s; nothing here
 * asserts a duration.
 */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredObject } from "../../lib/client/admin-client";
import { diffObject } from "../../lib/client/diff-object";
import { restorableBody } from "../../lib/release/restore";
import { ReleaseError, runRelease } from "../../lib/release/run-release";
import type { ReleaseProps } from "../../lib/release/release-input";
import { countLandings } from "../helper/traffic";
import {
  type Flavor,
  mainWeights,
  realSleep,
  type ReleaseFixture,
  SERVICE_ID,
  startPhasedLoad,
  startReleaseFixture,
  tally,
  waitForExit,
} from "./release-harness";

const CHECKS = [{ path: "/shop/health", method: "GET" as const, expectStatus: 200, count: 5 }];

function props(fx: ReleaseFixture, over: Partial<ReleaseProps> = {}): ReleaseProps {
  return {
    steps: [10, 50],
    stepIntervalSec: 1,
    checks: CHECKS,
    analysis: { exporterUrls: [fx.gw.metricsUrl], minSuccessRatePercent: 99, maxP99Ms: 500, minRequests: 5 },
    ...over,
  };
}

/** The gateway holds exactly `expected` (every field of it). */
function expectHolds(actual: StoredObject | undefined, expected: StoredObject): void {
  expect(actual).toBeDefined();
  expect(diffObject(restorableBody(expected), actual!)).toEqual([]);
  expect(diffObject(restorableBody(actual!), expected)).toEqual([]);
}

const servicePuts = (fx: ReleaseFixture) =>
  fx.faults.seen.filter((s) => s.method === "PUT" && s.path === fx.servicePath.split("?")[0]).length;

describe.each<Flavor>(["apisix", "api7-ee"])("runRelease on %s", (flavor) => {
  let fx: ReleaseFixture;
  beforeAll(async () => {
    fx = await startReleaseFixture(flavor);
  });
  afterAll(() => fx.close());
  beforeEach(async () => {
    fx.reset();
    await fx.deploy(); // blue 100%
    fx.faults.seen.length = 0;
  });

  it("stops before any traffic moves when green fails the preview checks, and writes nothing", async () => {
    const before = (await fx.service())!;
    fx.green.status = 500;
    const lines: string[] = [];
    const body = await fx.prepare({ active: "green" });
    fx.faults.seen.length = 0;
    const error = await runRelease(fx.options(body, fx.release(props(fx)), lines)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseError);
    expect((error as ReleaseError).message).toBe(
      "release of shop/service stopped before any traffic moved: 5 of 5 checks with X-Env: green failed " +
        "(GET /shop/health -> 500, expected 200); nothing was written",
    );
    expect(fx.faults.seen.filter((s) => s.method !== "GET")).toEqual([]);
    expect(await fx.service()).toEqual(before); // timestamps included: not even rewritten
    await waitForExit((error as ReleaseError).guardianPid);
    expect(await fx.service()).toEqual(before); // and the guardian, told the release is over, left it alone
  });

  it("walks a healthy green through the steps in order and ends at the declared weights", async () => {
    const body = await fx.prepare({ active: "green" });
    fx.faults.seen.length = 0;
    const held: Array<Record<string, number>> = [];
    // the gateway's service while each window is watched
    const sleep = async (ms: number, signal: AbortSignal) => {
      held.push(mainWeights(await fx.service()));
      await realSleep(ms, signal);
    };
    const load = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 2);
    const lines: string[] = [];
    let result;
    try {
      result = await runRelease(fx.options(body, fx.release(props(fx)), lines, { sleep }));
    } finally {
      await load.stop();
    }
    expect(result.kind).toBe("move");
    expect(held).toEqual([
      { green: 10, blue: 90 },
      { green: 50, blue: 50 },
      { green: 100, blue: 0 },
    ]);
    expect(servicePuts(fx)).toBe(3);
    expectHolds(await fx.service(), body);
    const progress = lines.filter((l) => / — /.test(l));
    expect(progress).toEqual([
      expect.stringMatching(/^bluegreen: shop green 10% — \d+ requests, 100\.0% ok, p99 \d+ ms; 5 checks passed \(step 1\/3, \d+ s\)$/),
      expect.stringMatching(/^bluegreen: shop green 50% — \d+ requests, 100\.0% ok, p99 \d+ ms; 5 checks passed \(step 2\/3, \d+ s\)$/),
      expect.stringMatching(/^bluegreen: shop green 100% — \d+ requests, 100\.0% ok, p99 \d+ ms; 5 checks passed \(step 3\/3, \d+ s\)$/),
    ]);
    expect(lines).toContain("bluegreen: release of shop/service: 5 of 5 checks with X-Env: green passed");
    await waitForExit(result.guardianPid);
    expectHolds(await fx.service(), body); // the guardian was told the release completed
  });

  it("restores blue when green breaks after the first step; live traffic sees 5xx only while that step is live", async () => {
    const before = (await fx.service())!;
    const body = await fx.prepare({ active: "green" });
    const load = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 2);
    let windows = 0;
    const sleep = async (ms: number, signal: AbortSignal) => {
      if (++windows === 1) {
        fx.green.status = 500; // green breaks while 10% of the traffic reaches it
        load.phase = "broken";
      }
      await realSleep(ms, signal);
    };
    const lines: string[] = [];
    let error: unknown;
    let seen: ReturnType<typeof tally> = {};
    try {
      error = await runRelease(fx.options(body, fx.release(props(fx)), lines, { sleep })).catch((e: unknown) => e);
      load.phase = "after";
      await countLandings(`${fx.gw.proxyUrl}/shop/x`, 10); // the load keeps going a little while
    } finally {
      seen = tally(await load.stop());
    }
    expect(error).toBeInstanceOf(ReleaseError);
    expect((error as ReleaseError).message).toMatch(
      /^release of shop\/service stopped at step 10%: green success rate \d+(\.\d+)?% < 99% \(\d+ requests\); restored blue 100% \(verified\)$/,
    );
    expectHolds(await fx.service(), before);
    expect(await countLandings(`${fx.gw.proxyUrl}/shop/x`, 20)).toEqual({ blue: 20 });
    expect(seen.broken["status 500"]).toBeGreaterThan(0);
    const failures = (phase: Record<string, number> = {}) => Object.keys(phase).filter((a) => !["blue", "green"].includes(a));
    expect(failures(seen.before)).toEqual([]); // green answered well until it broke
    expect(Object.keys(seen.after)).toEqual(["blue"]);
    await waitForExit((error as ReleaseError).guardianPid);
    expectHolds(await fx.service(), before);
  });
});

describe("runRelease on apisix", () => {
  let fx: ReleaseFixture;
  beforeAll(async () => {
    fx = await startReleaseFixture("apisix");
  });
  afterAll(() => fx.close());
  beforeEach(async () => {
    fx.reset();
    await fx.deploy();
    fx.faults.seen.length = 0;
  });

  it("restores when green answers slower than maxP99Ms", async () => {
    const before = (await fx.service())!;
    const body = await fx.prepare({ active: "green" });
    fx.green.delayMs = 250;
    const load = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 4);
    const lines: string[] = [];
    const release = fx.release(props(fx, { steps: [50], analysis: { exporterUrls: [fx.gw.metricsUrl], maxP99Ms: 100, minRequests: 3 } }));
    const error = await runRelease(fx.options(body, release, lines)).catch((e: unknown) => e);
    await load.stop();
    expect((error as Error).message).toMatch(
      /^release of shop\/service stopped at step 50%: green p99 \d+(\.\d)? ms > 100 ms \(\d+ requests\); restored blue 100% \(verified\)$/,
    );
    expectHolds(await fx.service(), before);
    await waitForExit((error as ReleaseError).guardianPid);
  });

  it("calls too little traffic inconclusive, watches again, then fails and restores", async () => {
    const before = (await fx.service())!;
    const body = await fx.prepare({ active: "green" });
    const lines: string[] = [];
    const release = fx.release(
      props(fx, {
        checks: [{ path: "/shop/health", count: 1 }],
        analysis: { exporterUrls: [fx.gw.metricsUrl], minSuccessRatePercent: 99, minRequests: 1000, maxInconclusiveWindows: 2 },
      }),
    );
    const error = await runRelease(fx.options(body, release, lines)).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^release of shop\/service stopped at step 10%: the analysis was inconclusive 2 windows in a row \(green: \d+ requests? in the window, fewer than minRequests \(1000\)\); restored blue 100% \(verified\)$/,
    );
    expect(lines.filter((l) => l.includes("inconclusive"))).toEqual([
      expect.stringMatching(/^bluegreen: shop green 10% — \d+ requests?.*: inconclusive \(green: .*\), watching again \(1 of 2\) \(step 1\/3, \d+ s\)$/),
    ]);
    expectHolds(await fx.service(), before);
    await waitForExit((error as ReleaseError).guardianPid);
  });

  it("restores when the gateway fails a write mid-release", async () => {
    const before = (await fx.service())!;
    const body = await fx.prepare({ active: "green" });
    let windows = 0;
    const sleep = async (ms: number, signal: AbortSignal) => {
      // the next service PUT (step 50%) fails for good; the restore after it gets through
      if (++windows === 1) fx.faults.failNext({ method: "PUT", pathPrefix: `/apisix/admin/services/${SERVICE_ID}`, status: 503, count: 8 });
      await realSleep(ms, signal);
    };
    const lines: string[] = [];
    const release = fx.release(props(fx, { analysis: undefined }));
    const error = await runRelease(fx.options(body, release, lines, { sleep })).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^release of shop\/service stopped at step 50%: PUT \/apisix\/admin\/services\/shop failed with 503 after \d+ attempts: injected fault: 503.*; restored blue 100% \(verified\)$/,
    );
    fx.faults.clear();
    expectHolds(await fx.service(), before);
    await waitForExit((error as ReleaseError).guardianPid);
  });

  it("takes the emergency path in one verified write, without checks or a guardian", async () => {
    const body = await fx.prepare({ active: "green" });
    fx.green.status = 500; // would fail every check
    fx.faults.seen.length = 0;
    const greenRequests = fx.green.requests;
    const lines: string[] = [];
    const options = fx.options(body, fx.release(props(fx)), lines);
    const result = await runRelease({ ...options, io: { ...options.io, env: { BLUEGREEN_RELEASE: "immediate" } } });
    expect(result.kind).toBe("immediate");
    expect(result.guardianPid).toBeUndefined();
    expect(lines).toEqual(["bluegreen: BLUEGREEN_RELEASE=immediate: release of shop/service skips steps, checks and analysis (one verified write)"]);
    expect(servicePuts(fx)).toBe(1);
    expect(fx.green.requests).toBe(greenRequests); // no check was sent
    expectHolds(await fx.service(), body);
    const typo = await runRelease({ ...options, io: { ...options.io, env: { BLUEGREEN_RELEASE: "now" } } }).catch((e: Error) => e);
    expect((typo as Error).message).toBe(
      'release of shop/service not started: BLUEGREEN_RELEASE is "now"; set it to "immediate" to skip steps, checks and analysis, or unset it; nothing was written',
    );
  });

  it("writes a service that does not exist yet, and a change that moves no traffic, in one verified write", async () => {
    await fx.client.delete("/apisix/admin/routes/shop");
    await fx.client.delete(fx.servicePath);
    fx.faults.seen.length = 0;
    const lines: string[] = [];
    const first = await runRelease(fx.options(await fx.prepare(), fx.release(props(fx)), lines));
    expect(first.kind).toBe("create");
    const renamed = await runRelease(fx.options(await fx.prepare({ name: "Shop" }), fx.release(props(fx)), lines));
    expect(renamed.kind).toBe("plain");
    expect(servicePuts(fx)).toBe(2);
    expect(lines).toEqual([]);
  });

  it("verifies a change of the live color's upstream on the declared weights, without steps", async () => {
    const blue = fx.spec().blue;
    const body = await fx.prepare({ blue: { ...blue, connectTimeoutSec: 5 } }); // a new blue upstream object
    fx.faults.seen.length = 0;
    const load = startPhasedLoad(`${fx.gw.proxyUrl}/shop/x`, 2);
    const lines: string[] = [];
    const result = await runRelease(fx.options(body, fx.release(props(fx)), lines)).finally(() => load.stop());
    expect(result.kind).toBe("nodes");
    // the preview rules first (the live ones reach the old blue upstream), traffic unchanged; then the declared body
    expect(servicePuts(fx)).toBe(2);
    expect(lines).toContain("bluegreen: release of shop/service: 5 of 5 checks with X-Env: blue passed");
    expect(lines.filter((l) => / — /.test(l))).toEqual([
      expect.stringMatching(/^bluegreen: shop blue 100% — \d+ requests, 100\.0% ok, p99 \d+ ms; 5 checks passed \(step 1\/1, \d+ s\)$/),
    ]);
    expectHolds(await fx.service(), body);
    await waitForExit(result.guardianPid);
  });

  it("refuses to analyse colors that share a node IP, before any write", async () => {
    const body = await fx.prepare({ active: "green" });
    fx.faults.seen.length = 0;
    const release = fx.release(props(fx));
    release.targets.green = [{ host: "127.0.0.2", port: 1 }];
    const error = await runRelease(fx.options(body, release, [])).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      "release of shop/service stopped before any traffic moved: blue and green share the node IP 127.0.0.2, so the analysis " +
        "cannot tell their requests apart (the gateway labels its metrics with the IP it connected to); give each color its own " +
        "node IPs; nothing was written",
    );
    expect(fx.faults.seen.filter((s) => s.method !== "GET")).toEqual([]);
  });

  it("restores on an abort (an interrupted deploy) and logs nothing from the guardian it told", async () => {
    const before = (await fx.service())!;
    const body = await fx.prepare({ active: "green" });
    const abort = new AbortController();
    const log = join(tmpdir(), `release-guardian-${process.pid}.log`);
    const sleep = async (ms: number, signal: AbortSignal) => {
      abort.abort(new Error("SIGINT"));
      await realSleep(ms, signal);
    };
    try {
      const release = fx.release(props(fx, { analysis: undefined }));
      const error = await runRelease(fx.options(body, release, [], { sleep, signal: abort.signal, guardianLogFile: log })).catch((e: Error) => e);
      expect((error as Error).message).toBe("release of shop/service stopped at step 10%: interrupted (SIGINT); restored blue 100% (verified)");
      expectHolds(await fx.service(), before);
      await waitForExit((error as ReleaseError).guardianPid);
      expect(() => readFileSync(log, "utf8")).toThrow(/ENOENT/);
    } finally {
      rmSync(log, { force: true });
    }
  });
});
