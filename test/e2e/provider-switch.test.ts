/**
 * Issue 12: switching an existing stack between engines, both directions, both flavours, under load through the
 * gateway. hooks -> provider: the `terraform_data` resources leave the configuration, so Terraform forgets them
 * without their destroy provisioners, and the provider's creates rewrite the objects labelled with the stack's owner
 * in place. provider -> hooks: the README's one command (`terraform state rm` of the bluegreen_ resources) first,
 * then the hooks' creates rewrite them in place. No request fails or lands on the idle color, nothing is deleted.
 */
import type { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { startBackends } from "../helper/backends";
import { TerraformWorkspace, type RunResult, succeeded } from "../helper/terraform";
import { startLoad } from "../helper/traffic";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-switch-Secret-5b2c";

describe.each(["apisix", "api7-ee"] as const)("switching engines under load (%s)", (flavor) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let backends: Awaited<ReturnType<typeof startBackends>>;
  let ws: TerraformWorkspace;
  const faults = new AdminFaults();

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor, faults });
    backends = await startBackends(["blue", "green"]);
    ws = new TerraformWorkspace(`provider-switch-${flavor}`, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all((backends ?? []).map((b) => b.close()));
    ws?.cleanup();
  });

  function synth(engine: "hooks" | "provider"): void {
    const [blue, green] = backends;
    ws.synth((stack: TerraformStack) => {
      const connection = new GatewayConnection(stack, "gateway", {
        adminUrl: gateway.adminUrl,
        engine,
        ...(flavor === "api7-ee" ? { flavor, gatewayGroupId: "default" } : {}),
      });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "shop",
        blue: { nodes: [{ host: blue.host, port: blue.port }] },
        green: { nodes: [{ host: green.host, port: green.port }] },
        active: "blue",
      });
      new BlueGreenRoute(stack, "route", { service, routeId: "shop-route", paths: ["/shop/*"] });
    });
  }

  /** A Terraform run that must succeed, its output free of the admin key. */
  const ok = (run: Promise<RunResult>) => succeeded(run, ADMIN_KEY);

  /** Applies under load; resolves to where the load landed and the Admin API writes that were not PUTs or GETs. */
  async function applyUnderLoad(): Promise<{ landed: Record<string, number>; deletes: string[] }> {
    faults.seen.length = 0;
    const load = startLoad(`${gateway.proxyUrl}/shop/x`);
    const applied = await ws.apply();
    const landed = await load.stop();
    if (applied.code !== 0) throw new Error(applied.output);
    return { landed, deletes: faults.seen.filter((r) => r.method === "DELETE").map((r) => r.path) };
  }

  test("hooks -> provider -> hooks: no failed or misrouted request, nothing deleted, no changes after", async () => {
    synth("hooks");
    await ok(ws.apply());

    // hooks -> provider: just the engine prop
    synth("provider");
    await ok(ws.init()); // the provider is new to this working directory
    const toProvider = await applyUnderLoad();
    expect(toProvider.deletes).toEqual([]);
    expect(Object.keys(toProvider.landed)).toEqual(["blue"]);
    expect(await ok(ws.plan())).toContain("No changes.");

    // provider -> hooks: forget the provider's resources (the README's command), then the engine prop
    const listed = await ok(ws.terraform(["state", "list"]));
    const addresses = listed.split("\n").filter((a) => a.startsWith("bluegreen_"));
    expect(addresses).toHaveLength(flavor === "apisix" ? 4 : 2);
    await ok(ws.terraform(["state", "rm", ...addresses]));
    synth("hooks");
    const toHooks = await applyUnderLoad();
    expect(toHooks.deletes).toEqual([]);
    expect(Object.keys(toHooks.landed)).toEqual(["blue"]);
    expect(await ok(ws.plan())).toContain("No changes.");

    await ok(ws.destroy());
  });
});
