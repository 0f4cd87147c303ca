/**
 * The connection's teardown through real Terraform: deploys that add or remove objects, or change connection
 * settings, never replace it (so its destroy hook never runs outside `terraform destroy`) and delete nothing they
 * should not; `terraform destroy` removes every object of the stack and leaves hand-made (unlabelled) objects and
 * another owner's objects in place.
 */
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { AdminFaults } from "../../lib/gateway/faults";
import { startBackends, type Backend } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { adminPut } from "../helper/traffic";
import { gatewayContents, SERVICE_ID, synthDeploy } from "../faults/harness";

jest.setTimeout(240_000);

const KEY = "e2e-Teardown-Admin-Key-2c6a90";
const THEIRS = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "team-b" };

describe.each<"apisix" | "api7-ee">(["apisix", "api7-ee"])("teardown through terraform (%s)", (flavor) => {
  let backends: Backend[];
  let gateway: RunningGateway;
  const faults = new AdminFaults();
  const q = flavor === "api7-ee" ? "?gateway_group_id=default" : "";

  beforeAll(async () => {
    backends = await startBackends(["blue", "green"]);
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor, faults });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all((backends ?? []).map((b) => b.close()));
  });

  const synth = (ws: TerraformWorkspace, routes: readonly string[], requestTimeoutMs?: number) =>
    synthDeploy(ws, { adminUrl: gateway.adminUrl, flavor, active: "blue", routes, backends, requestTimeoutMs });
  /** Everything on the gateway; our upstreams' content hashes (`shop-blue-1a2b3c4d`) are left out of their ids. */
  const everything = async () =>
    (await gatewayContents(gateway.adminUrl, KEY, flavor)).map((p) => p.replace(/^(upstreams\/.+-(?:blue|green))-[0-9a-f]{8}$/, "$1"));

  /** Objects that are not ours: hand-made (no labels) and another owner's. */
  async function seedForeign(): Promise<string[]> {
    const upstream = { type: "roundrobin", nodes: { [`${backends[0].host}:${backends[0].port}`]: 1 } };
    const put = async (path: string, body: Record<string, unknown>) => {
      const res = await adminPut(gateway.adminUrl, `${path}${q}`, KEY, body);
      expect({ path, status: res.status }).toEqual({ path, status: 201 });
    };
    if (flavor === "apisix") {
      await put("/apisix/admin/upstreams/hand-up", upstream);
      await put("/apisix/admin/routes/hand-made", { uri: "/hand-made/*", upstream_id: "hand-up" });
      await put("/apisix/admin/upstreams/their-up", { ...upstream, labels: THEIRS });
      await put("/apisix/admin/routes/their-route", { uri: "/theirs/*", upstream_id: "their-up", labels: THEIRS });
      return ["routes/hand-made", "routes/their-route", "upstreams/hand-up", "upstreams/their-up"];
    }
    await put("/apisix/admin/services/hand-svc", { name: "hand", upstream });
    await put("/apisix/admin/routes/hand-made", { name: "hand", paths: ["/hand-made/*"], service_id: "hand-svc" });
    await put("/apisix/admin/services/their-svc", { name: "theirs", upstream, labels: THEIRS });
    await put("/apisix/admin/routes/their-route", { name: "theirs", paths: ["/theirs/*"], service_id: "their-svc", labels: THEIRS });
    return ["routes/hand-made", "routes/their-route", "services/hand-svc", "services/their-svc"];
  }

  const ours = (routes: readonly string[]) => [
    ...routes.map((r) => `routes/${r}`),
    `services/${SERVICE_ID}`,
    ...(flavor === "apisix" ? [`upstreams/${SERVICE_ID}-blue`, `upstreams/${SERVICE_ID}-green`] : []),
  ];

  /** The plan's lines about the teardown resource (`# terraform_data.gateway_Teardown_... will be ...`). */
  async function teardownPlan(ws: TerraformWorkspace): Promise<string[]> {
    const plan = await ws.plan();
    if (plan.code !== 0) throw new Error(`terraform plan failed:\n${plan.output}`);
    return plan.stdout.split("\n").filter((l) => /# terraform_data\.gateway_Teardown_\w+/.test(l)).map((l) => l.trim());
  }

  /** Applies and returns the DELETE requests the gateway saw during the apply. */
  async function applyDeletes(ws: TerraformWorkspace): Promise<string[]> {
    const before = faults.seen.length;
    const result = await ws.apply();
    if (result.code !== 0) throw new Error(`terraform apply failed:\n${result.output}`);
    expect(result.output).not.toMatch(/teardown owner=|'hook','teardown'/);
    return faults.seen.slice(before).filter((s) => s.method === "DELETE").map((s) => s.path);
  }

  test("deploys never replace the teardown; destroy removes ours and leaves the others", async () => {
    const ws = new TerraformWorkspace(`teardown-${flavor}`, { GATEWAY_ADMIN_KEY: KEY });
    try {
      const foreign = await seedForeign();
      synth(ws, ["orders"]);
      expect(await teardownPlan(ws)).toEqual([expect.stringMatching(/^# terraform_data\.gateway_Teardown_\w+ will be created$/)]);
      expect(await applyDeletes(ws)).toEqual([]);
      expect(await everything()).toEqual([...foreign, ...ours(["orders"])].sort());

      // a route added: the declared set (the sweep's keep) changes, the teardown does not
      synth(ws, ["orders", "cart"]);
      expect(await teardownPlan(ws)).toEqual([]);
      expect(await applyDeletes(ws)).toEqual([]);
      expect(await everything()).toEqual([...foreign, ...ours(["orders", "cart"])].sort());

      // a connection setting changes: every object is rewritten, the teardown is updated in place
      synth(ws, ["orders", "cart"], 7_000);
      expect(await teardownPlan(ws)).toEqual([expect.stringMatching(/^# terraform_data\.gateway_Teardown_\w+ will be updated in-place$/)]);
      expect(await applyDeletes(ws)).toEqual([]);
      expect(await everything()).toEqual([...foreign, ...ours(["orders", "cart"])].sort());

      // a route removed: the sweep deletes it and nothing else; the teardown does not change
      synth(ws, ["orders"], 7_000);
      expect(await teardownPlan(ws)).toEqual([]);
      expect(await applyDeletes(ws)).toEqual(["/apisix/admin/routes/cart"]);
      expect(await everything()).toEqual([...foreign, ...ours(["orders"])].sort());
      expect((await ws.plan()).stdout).toContain("No changes.");

      const destroyed = await ws.destroy();
      if (destroyed.code !== 0) throw new Error(`terraform destroy failed:\n${destroyed.output}`);
      // the objects' own destroy hooks ran first; the teardown, destroyed last, found nothing of ours left
      expect(destroyed.output).toMatch(/bluegreen: teardown owner=\S+ deleted 0\n/);
      expect(await everything()).toEqual(foreign.sort());
    } finally {
      ws.cleanup();
    }
  });
});
