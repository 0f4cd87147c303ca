/**
 * Content-derived upstream ids (`<serviceId>-<color>-<hash>`) through real Terraform on APISIX.
 *
 * - Upgrading a deployment made before ids followed their content (`<serviceId>-<color>`): the stack is synthesized,
 *   its ids rewritten to the old format (the old version's body shape) and applied; then the current synth is applied
 *   with a flip while real requests run through the gateway. With no manual step, the new upstream objects are
 *   written, the service points at them and the sweep deletes the old ones; no request fails along the way.
 * - A node given as a Terraform variable: Terraform computes the hash, so a new value gives a new upstream object
 *   (the same id a literal value gives) and the sweep deletes the old one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TerraformStack } from "cdktf";
import { TerraformVariable } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { buildServiceRequests } from "../../lib/model/blue-green";
import { parseUpstreamId } from "../../lib/model/upstream-ids";
import { toPreviousVersion } from "../helper/stack-json";
import { startBackends, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { adminGet, countLandings, startLoad } from "../helper/traffic";

jest.setTimeout(180_000);

const KEY = "e2e-Upstream-Upgrade-Key-77d0c4";

/** The ids of every upstream on the gateway, sorted. */
async function upstreamIdsOn(gateway: RunningGateway): Promise<string[]> {
  const res = await adminGet(gateway.adminUrl, "/apisix/admin/upstreams", KEY);
  return (res.body.list as Array<{ value: { id: string } }>).map((i) => i.value.id).sort();
}


describe("upgrade from <serviceId>-<color> upstream ids (apisix)", () => {
  let gateway: RunningGateway;
  let backends: Backend[];
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY });
    backends = await startBackends(["blue", "green"]);
    ws = new TerraformWorkspace("upstream-upgrade", { GATEWAY_ADMIN_KEY: KEY });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all((backends ?? []).map((b) => b.close()));
    ws?.cleanup();
  });

  function synth(active: "blue" | "green", gated = true): void {
    const [blue, green] = backends;
    ws.synth((stack: TerraformStack) => {
      const connection = new GatewayConnection(stack, "gateway", { adminUrl: gateway.adminUrl, retryBudgetMs: 2_000 });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "shop",
        blue: { nodes: [{ host: blue.host, port: blue.port }], passHost: "node" },
        green: { nodes: [{ host: green.host, port: green.port }], passHost: "node" },
        active,
        healthCheck: gated ? { path: "/healthz" } : undefined,
      });
      new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
    });
  }

  /**
   * Rewrites the synthesized stack to what the previous release wrote: the old id format and the old default owner
   * (the bare stack id, with no `legacy_owner`), with the replacement hashes the old version computed.
   */
  function toOldIds(): void {
    const file = path.join(ws.stackDir, "cdk.tf.json");
    const text = readFileSync(file, "utf8")
      .replace(/\bshop-(blue|green)-[0-9a-f]{8}\b/g, "shop-$1")
      .replace(/"cdktf-apisix-bluegreen\/e2e"/g, '"e2e"');
    const json = JSON.parse(text);
    toPreviousVersion(json, (request) => delete request.legacy_owner);
    writeFileSync(file, JSON.stringify(json, null, 2));
  }

  const upstreamIds = () => upstreamIdsOn(gateway);
  const service = async () => (await adminGet(gateway.adminUrl, "/apisix/admin/services/shop", KEY)).body.value;
  const landings = () => countLandings(`${gateway.proxyUrl}/shop/x`, 10);

  test("the first deploy after the upgrade writes the new upstreams, flips to them and sweeps the old ones", async () => {
    // without the health gate: today's hook reads colors from today's ids only (the old version read its own)
    synth("blue", false);
    toOldIds();
    const old = await ws.apply();
    expect({ code: old.code, output: old.code === 0 ? "" : old.output }).toEqual({ code: 0, output: "" });
    expect(await upstreamIds()).toEqual(["shop-blue", "shop-green"]);
    expect((await service()).upstream_id).toBe("shop-blue");
    expect(await landings()).toEqual({ blue: 10 });

    synth("green");
    const load = startLoad(`${gateway.proxyUrl}/shop/x`);
    let upgraded: Awaited<ReturnType<TerraformWorkspace["apply"]>>;
    let landed: Record<string, number>;
    try {
      upgraded = await ws.apply();
    } finally {
      landed = await load.stop();
    }
    expect({ code: upgraded.code, output: upgraded.code === 0 ? "" : upgraded.output }).toEqual({ code: 0, output: "" });
    // every request of the upgrade was answered by blue or green, none failed
    expect(Object.keys(landed).filter((k) => k !== "blue" && k !== "green")).toEqual([]);
    expect(upgraded.output).toMatch(
      /bluegreen: sweep owner=cdktf-apisix-bluegreen\/e2e deleted 2: (upstream shop-blue, upstream shop-green|upstream shop-green, upstream shop-blue)$/m,
    );

    const ids = await upstreamIds();
    expect(ids.map((id) => parseUpstreamId(id, "shop")?.color)).toEqual(["blue", "green"]);
    expect((await service()).upstream_id).toBe(ids[0]);
    expect(await landings()).toEqual({ green: 10 });
    expect((await ws.plan()).stdout).toContain("No changes.");

    const destroyed = await ws.destroy();
    expect({ code: destroyed.code, output: destroyed.code === 0 ? "" : destroyed.output }).toEqual({ code: 0, output: "" });
    expect(await upstreamIds()).toEqual([]);
  });
});

describe("a node given as a Terraform variable (apisix)", () => {
  let gateway: RunningGateway;
  let backends: Backend[];
  let ws: TerraformWorkspace;

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY });
    backends = await startBackends(["blue", "green", "green2"]);
    ws = new TerraformWorkspace("upstream-var", { GATEWAY_ADMIN_KEY: KEY });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all((backends ?? []).map((b) => b.close()));
    ws?.cleanup();
  });

  const upstreamIds = () => upstreamIdsOn(gateway);

  test("a new value of the variable gives a new upstream object; the old one is swept", async () => {
    const [blue, green, green2] = backends;
    ws.synth((stack: TerraformStack) => {
      const port = new TerraformVariable(stack, "green_port", { type: "number" });
      const connection = new GatewayConnection(stack, "gateway", { adminUrl: gateway.adminUrl, retryBudgetMs: 2_000 });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "shop",
        blue: { nodes: [{ host: blue.host, port: blue.port }] },
        green: { nodes: [{ host: green.host, port: port.numberValue }] },
        active: "green",
        healthCheck: { path: "/healthz" },
      });
      new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
    });
    /** The upstream ids the same stack gets with the port written literally. */
    const literalIds = (greenPort: number) => {
      const { upstreams } = buildServiceRequests({
        placement: { flavor: "apisix" },
        owner: "e2e",
        active: "blue",
        serviceId: "shop",
        blue: { nodes: [{ host: blue.host, port: blue.port }] },
        green: { nodes: [{ host: green.host, port: greenPort }] },
      });
      return [upstreams.blue!.path, upstreams.green!.path].map((p) => p.slice(p.lastIndexOf("/") + 1));
    };

    const first = await ws.apply({ TF_VAR_green_port: String(green.port) });
    expect({ code: first.code, output: first.code === 0 ? "" : first.output }).toEqual({ code: 0, output: "" });
    expect(await upstreamIds()).toEqual(literalIds(green.port));
    expect(await countLandings(`${gateway.proxyUrl}/shop/x`, 10)).toEqual({ green: 10 });

    const second = await ws.apply({ TF_VAR_green_port: String(green2.port) });
    expect({ code: second.code, output: second.code === 0 ? "" : second.output }).toEqual({ code: 0, output: "" });
    expect(second.output).toContain(`bluegreen: health check passed: GET /healthz -> 200 from green node 127.0.0.1:${green2.port}`);
    expect(second.output).toContain(`bluegreen: sweep owner=cdktf-apisix-bluegreen/e2e deleted 1: upstream ${literalIds(green.port)[1]}`);
    expect(await upstreamIds()).toEqual(literalIds(green2.port));
    expect(await countLandings(`${gateway.proxyUrl}/shop/x`, 10)).toEqual({ green2: 10 });
  });
});
