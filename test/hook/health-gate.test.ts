/**
 * The health gate in the hook, against the embedded gateway and real backends on 127.0.0.1: the synthesized service
 * input (with its `health_check` block) goes through `runHook("apply")`; the hook probes the nodes that the new body
 * gives traffic and writes nothing when one of them is unhealthy.
 */
import { stackRequests } from "../helper/stack-json";
import { Testing, TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection, type BlueGreenServiceProps } from "../../lib";
import { type RunningGateway, startGateway } from "../../lib/gateway/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { runHook } from "../../lib/hook/run-hook";
import { closedPort } from "../helper/fake-admin";
import { adminGet, countLandings } from "../helper/traffic";
import { type HealthBackend, startHealthBackend } from "./health-backends";

const KEY = "sk-health-gate-5d1c0b";
type Flavor = "apisix" | "api7-ee";
type Input = { kind: string; path?: string; health_check?: unknown };

describe.each<Flavor>(["apisix", "api7-ee"])("health gate in the hook (%s)", (flavor) => {
  let gw: RunningGateway;
  let faults: AdminFaults;
  let blue: HealthBackend;
  let green: HealthBackend;
  const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";
  const servicePath = `/apisix/admin/services/shop${q}`;

  beforeEach(async () => {
    faults = new AdminFaults();
    gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor, faults });
    [blue, green] = await Promise.all([startHealthBackend("blue"), startHealthBackend("green")]);
  });
  afterEach(async () => {
    await gw.close();
    await Promise.all([blue.close(), green.close()]);
  });

  /** The object inputs of a stack with one health-gated service and one route, upstreams first. */
  function inputs(props: Partial<BlueGreenServiceProps>): Input[] {
    const stack = new TerraformStack(Testing.app(), "stack");
    const gateway = new GatewayConnection(stack, "gateway", {
      adminUrl: gw.adminUrl,
      flavor,
      gatewayGroupId: flavor === "api7-ee" ? "default" : undefined,
      retryBudgetMs: 1_000,
    });
    const service = new BlueGreenService(stack, "service", {
      gateway,
      serviceId: "shop",
      blue: { nodes: [{ host: blue.host, port: blue.port }], passHost: "node" },
      green: { nodes: [{ host: green.host, port: green.port }], passHost: "node" },
      healthCheck: { path: "/healthz", timeoutMs: 500 },
      ...props,
    });
    new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
    const rank = (i: Input) => (i.path?.includes("/upstreams/") ? 0 : i.path?.includes("/services/") ? 1 : 2);
    return stackRequests<Input>(JSON.parse(Testing.synth(stack)))
      .filter((i) => i.kind === "object")
      .sort((a, b) => rank(a) - rank(b));
  }

  const serviceInput = (props: Partial<BlueGreenServiceProps>) => inputs(props).find((i) => i.path === servicePath)!;

  async function apply(input: Input) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runHook("apply", {
      env: { BLUEGREEN_REQUEST: JSON.stringify(input), GATEWAY_ADMIN_KEY: KEY },
      cwd: process.cwd(),
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    return { code, out, err };
  }

  async function deploy(props: Partial<BlueGreenServiceProps>) {
    for (const input of inputs(props)) {
      const res = await apply(input);
      if (res.code !== 0) throw new Error(`apply of ${input.path} failed: ${res.err.join("\n")}`);
    }
  }

  const puts = () => faults.count({ method: "PUT" });
  /** The upstream ids (APISIX) that the stack of `props` declares, blue first. */
  const upstreamIds = (props: Partial<BlueGreenServiceProps>) =>
    inputs(props)
      .filter((i) => i.path?.includes("/upstreams/"))
      .map((i) => i.path!.split("/").pop()!)
      .sort();
  /** What the summary says the service still points at, after a deploy of `deployed`. */
  const unchanged = (deployed: Partial<BlueGreenServiceProps>) =>
    flavor === "apisix"
      ? `service shop still points at upstreams ${upstreamIds(deployed).join(" and ")}, as before`
      : "service shop keeps the upstreams and weights it has";
  const summary = (failed: string, total: number, state: string) =>
    `bluegreen: health check: ${failed} of ${total} ${total === 1 ? "node" : "nodes"} failed (GET /healthz, expected 200 ` +
    `within 500 ms); PUT ${servicePath} was not sent, so traffic stays as it is: ${state}; fix the nodes (or ` +
    `healthCheck) and deploy again (construct stack/service)`;
  const landings = () => countLandings(`${gw.proxyUrl}/shop/x`, 10);

  test("healthy green: the flip is written after probing green only", async () => {
    await deploy({ active: "blue" });
    expect(await landings()).toEqual({ blue: 10 });
    const before = { blue: blue.probes, green: green.probes };

    const res = await apply(serviceInput({ active: "green" }));
    expect(res).toEqual({
      code: 0,
      out: [
        `bluegreen: health check passed: GET /healthz -> 200 from green node 127.0.0.1:${green.port}`,
        `bluegreen: PUT ${servicePath} -> 200 (verified)`,
      ],
      err: [],
    });
    expect({ blue: blue.probes - before.blue, green: green.probes - before.green }).toEqual({ blue: 0, green: 1 });
    expect(await landings()).toEqual({ green: 10 });
  });

  test("green answers 503: exit 1, one line per node plus a summary, the service untouched, no PUT", async () => {
    await deploy({ active: "blue" });
    green.health = 503;
    const stored = await adminGet(gw.adminUrl, servicePath, KEY);
    const putsBefore = puts();

    const res = await apply(serviceInput({ active: "green" }));
    expect(res.code).toBe(1);
    expect(res.out).toEqual([]);
    expect(res.err).toEqual([
      `bluegreen: health check failed for green node 127.0.0.1:${green.port}: GET /healthz -> 503 (expected 200) ` +
        `(construct stack/service)`,
      summary("1", 1, unchanged({ active: "blue" })),
    ]);
    expect(puts()).toBe(putsBefore);
    expect(await adminGet(gw.adminUrl, servicePath, KEY)).toEqual(stored);
    expect(await landings()).toEqual({ blue: 10 });

    // healthy again: the same input applies
    green.health = 200;
    expect((await apply(serviceInput({ active: "green" }))).code).toBe(0);
    expect(await landings()).toEqual({ green: 10 });
  });

  test("an unreachable node and a hanging node each get a clear line", async () => {
    await deploy({ active: "blue" });
    const closed = await closedPort();
    green.health = "hang";
    const putsBefore = puts();
    const res = await apply(
      serviceInput({
        active: "green",
        green: { nodes: [{ host: green.host, port: green.port }, { host: "127.0.0.1", port: closed }], passHost: "node" },
      }),
    );
    expect(res.code).toBe(1);
    expect(res.err).toEqual([
      `bluegreen: health check failed for green node 127.0.0.1:${green.port}: GET /healthz -> no answer within 500 ms ` +
        `(construct stack/service)`,
      expect.stringMatching(
        new RegExp(
          `^bluegreen: health check failed for green node 127\\.0\\.0\\.1:${closed}: GET /healthz -> no answer: ` +
            `connect ECONNREFUSED 127\\.0\\.0\\.1:${closed} \\(construct stack/service\\)$`,
        ),
      ),
      expect.stringMatching(/^bluegreen: health check: 2 of 2 nodes failed \(GET \/healthz, expected 200 within 500 ms\)/),
    ]);
    expect(puts()).toBe(putsBefore);
    expect(await landings()).toEqual({ blue: 10 });
  });

  test("canary 10%: both colors are probed, and an unhealthy idle color blocks the step", async () => {
    await deploy({ active: "blue" });
    const ok = await apply(serviceInput({ active: "blue", canaryPercent: 10 }));
    expect(ok.code).toBe(0);
    expect(ok.out[0]).toBe(
      `bluegreen: health check passed: GET /healthz -> 200 from blue node 127.0.0.1:${blue.port}, green node 127.0.0.1:${green.port}`,
    );

    // flipping the canary around (green 90, blue 10) still needs blue healthy
    blue.health = 500;
    const putsBefore = puts();
    const res = await apply(serviceInput({ active: "green", canaryPercent: 10 }));
    expect(res.code).toBe(1);
    expect(res.err).toEqual([
      `bluegreen: health check failed for blue node 127.0.0.1:${blue.port}: GET /healthz -> 500 (expected 200) ` +
        `(construct stack/service)`,
      summary("1", 2, unchanged({ active: "blue", canaryPercent: 10 })),
    ]);
    expect(puts()).toBe(putsBefore);
    const split = await countLandings(`${gw.proxyUrl}/shop/x`, 20);
    expect(split).toEqual({ blue: 18, green: 2 });
  });

  test("new nodes for the active color: written (APISIX) to a new upstream that takes no traffic; the gate says so", async () => {
    await deploy({ active: "blue" });
    const fresh = await startHealthBackend("fresh");
    try {
      fresh.health = 503;
      const props = { active: "blue" as const, blue: { nodes: [{ host: fresh.host, port: fresh.port }], passHost: "node" as const } };
      const results = [];
      for (const input of inputs(props)) {
        results.push({ path: input.path, ...(await apply(input)) });
        expect(await landings()).toEqual({ blue: 10 });
      }
      const failed = results.filter((r) => r.code !== 0);
      expect(failed.map((r) => r.path)).toEqual([servicePath]);
      const [newBlue] = upstreamIds(props).filter((id) => !upstreamIds({ active: "blue" }).includes(id));
      expect(failed[0]!.err).toEqual([
        `bluegreen: health check failed for blue node 127.0.0.1:${fresh.port}: GET /healthz -> 503 (expected 200) ` +
          `(construct stack/service)`,
        summary(
          "1",
          1,
          flavor === "apisix" ? `${unchanged({ active: "blue" })} (new upstream ${newBlue} takes no traffic)` : unchanged({}),
        ),
      ]);
      // the route (applied after the failed service here; Terraform would not even get there) changed nothing either
      expect(await landings()).toEqual({ blue: 10 });
    } finally {
      await fresh.close();
    }
  });

  test("a first deploy that fails the gate says the service does not exist yet", async () => {
    green.health = 503;
    const res = await apply(serviceInput({ active: "green" }));
    expect(res.code).toBe(1);
    expect(res.err.at(-1)).toBe(summary("1", 1, "service shop does not exist yet"));
  });

  test("when the stored service cannot be read, the summary says the service was not changed and why", async () => {
    await deploy({ active: "blue" });
    green.health = 503;
    faults.failNext({ method: "GET", pathPrefix: "/apisix/admin/services/shop", status: 503, count: Infinity });
    const res = await apply(serviceInput({ active: "green" }));
    faults.clear();
    expect(res.code).toBe(1);
    expect(res.err.at(-1)).toMatch(
      new RegExp(
        `^${summary("1", 1, "STATE").replace(/[()?.]/g, "\\$&").replace(
          "STATE",
          `service shop was not changed \\(what it points at could not be read: GET ${servicePath.replace(/[?.]/g, "\\$&")} ` +
            `failed with 503 after \\d+ attempts: injected fault: 503; the retry budget of 1000 ms \\(retryBudgetMs, ` +
            `shared by every request of this run\\) is spent \\(construct stack/service\\)\\)`,
        )}$`,
      ),
    );
    expect(await landings()).toEqual({ blue: 10 });
  });

  test("retireIdle: only the active color is probed", async () => {
    await deploy({ active: "green" });
    blue.health = 503;
    const before = blue.probes;
    const res = await apply(serviceInput({ active: "green", retireIdle: true }));
    expect(res.code).toBe(0);
    expect(res.out[0]).toBe(`bluegreen: health check passed: GET /healthz -> 200 from green node 127.0.0.1:${green.port}`);
    expect(blue.probes).toBe(before);
    expect(await landings()).toEqual({ green: 10 });
  });

  test("preview rules do not count: a broken idle color does not block a deploy that gives it no weight", async () => {
    await deploy({ active: "blue", preview: { header: "X-Env" } });
    green.health = 503;
    const res = await apply(serviceInput({ active: "blue", preview: { header: "X-Env", greenValue: "canary" } }));
    expect(res.code).toBe(0);
    expect(res.out[0]).toBe(`bluegreen: health check passed: GET /healthz -> 200 from blue node 127.0.0.1:${blue.port}`);
  });

  test("upstreams and routes are never gated", async () => {
    await deploy({ active: "blue" });
    blue.health = 503;
    green.health = 503;
    const before = blue.probes + green.probes;
    const others = inputs({ active: "blue" }).filter((i) => i.path !== servicePath);
    expect(others.length).toBe(flavor === "apisix" ? 3 : 1);
    for (const input of others) {
      expect(input.health_check).toBeUndefined();
      const res = await apply(input);
      expect(res).toEqual({ code: 0, out: [`bluegreen: PUT ${input.path} -> 200 (verified)`], err: [] });
    }
    expect(blue.probes + green.probes).toBe(before);
  });
});

test("the hook loads the health-check module only for inputs with a health_check block", () => {
  const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
  const { resolve } = require("node:path") as typeof import("node:path");
  const root = resolve(__dirname, "../..");
  const loaded = execFileSync(
    process.execPath,
    ["-e", "require('./dist/lib/hook/run-hook'); console.log(Object.keys(require.cache).filter((k) => k.includes('health-check')).length)"],
    { cwd: root, encoding: "utf8" },
  );
  expect(loaded.trim()).toBe("0");
});
