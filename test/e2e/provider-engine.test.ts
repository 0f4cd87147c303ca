/**
 * Issue 12 end to end: GatewayConnection({ engine: "provider" }) through real Terraform and the embedded gateway,
 * both flavours. The provider is installed offline from the stack folder (terraform.d/plugins, laid by app.synth()).
 */
import { BlueGreenRoute } from "../../lib";
import { startGateway } from "../../lib/gateway";
import { groupQuery, providerSeed } from "../helper/provider-stack";
import { TerraformWorkspace, type RunResult, succeeded } from "../helper/terraform";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-e2e-Secret-Key-7d1f0a";

describe.each(["apisix", "api7-ee"] as const)("the provider engine through Terraform (%s)", (flavor) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let ws: TerraformWorkspace;
  const q = groupQuery(flavor);

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor });
    ws = new TerraformWorkspace(`provider-${flavor}`, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  });
  afterAll(async () => {
    await gateway?.close();
    ws?.cleanup();
  });

  const seed = (active: "blue" | "green", options: { importRoute?: boolean } = {}) =>
    providerSeed(gateway.adminUrl, flavor, {
      active,
      extra: (stack, service) => {
        if (options.importRoute !== true) return;
        const hand = new BlueGreenRoute(stack, "hand", { service, routeId: "hand-made", paths: ["/hand"] });
        hand.resource.resource.importFrom("hand-made");
      },
    });

  /** A Terraform run that must succeed, its output free of the admin key. */
  const ok = (run: Promise<RunResult>) => succeeded(run, ADMIN_KEY);

  async function admin(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${gateway.adminUrl}/apisix/admin/${path}`, {
      method,
      headers: { "X-API-KEY": ADMIN_KEY, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.status === 404 ? undefined : res.json();
  }
  const ids = async (kind: string) => ((await admin("GET", `${kind}${q}`))?.list ?? []).map((i: any) => (i.value ?? i).id).sort();

  test("create, flip in place, drift, out-of-band delete, import, re-synth init, destroy", async () => {
    ws.synth(seed("blue"));
    const init = await ok(ws.init());
    expect(init).toMatch(/Installed cdktf-apisix-bluegreen\.invalid\/local\/bluegreen/);
    await ok(ws.apply());
    expect(await ids("routes")).toEqual(["bg-route"]);

    // flip: one in-place update with the colors on the changed lines
    ws.synth(seed("green"));
    const flip = await ok(ws.plan());
    expect(flip).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
    expect(flip).toMatch(/~ active\s+= "blue" -> "green"/);
    expect(flip).toMatch(/~ "?blue"?\s+= 100 -> 0/);
    expect(flip).toMatch(/~ "?green"?\s+= 0 -> 100/);
    await ok(ws.apply());
    expect(await ok(ws.plan())).toContain("No changes.");

    // drift: a weight edited on the gateway shows in -refresh-only and plans an update back
    const stored = await admin("GET", `services/bg-service${q}`);
    const service = stored.value ?? stored;
    const rules = service.plugins["traffic-split"].rules;
    for (const w of rules[rules.length - 1].weighted_upstreams) w.weight = 50;
    delete service.create_time;
    delete service.update_time;
    await admin("PUT", `services/bg-service${q}`, service);
    const refresh = await ok(ws.terraform(["plan", "-refresh-only", "-no-color", "-input=false", "-lock=false"]));
    expect(refresh).toContain("Objects have changed outside of Terraform");
    const back = await ok(ws.plan());
    expect(back).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
    expect(back).toMatch(/~ "?green"?\s+= 50 -> 100/);

    // a route deleted by hand plans a create
    await admin("DELETE", `routes/bg-route${q}`);
    expect(await ok(ws.plan())).toContain("Plan: 1 to add, 1 to change, 0 to destroy.");
    await ok(ws.apply());
    expect(await ok(ws.plan())).toContain("No changes.");

    // import {} of a hand-made route whose paths differ from the declaration, with fields the stack does not own
    // (desc, and what the gateway adds itself): the plan shows the paths and the labels the apply adds, nothing else
    const paths = flavor === "apisix" ? "uris" : "paths";
    await admin("PUT", `routes/hand-made${q}`, { name: "hand-made", desc: "made by hand", [paths]: ["/old-hand"], service_id: "bg-service" });
    ws.synth(seed("green", { importRoute: true }));
    const importPlan = await ok(ws.plan());
    expect(importPlan).toMatch(/Plan: 1 to import, 0 to add, 1 to change, 0 to destroy\./);
    const handChange = importPlan.slice(importPlan.indexOf("# bluegreen_route.hand_"), importPlan.indexOf("Plan:"));
    const changed = handChange.split("\n").filter((l) => /^\s*[-+~] /.test(l)).map((l) => l.trim());
    expect(changed).toEqual([
      expect.stringMatching(/^~ resource "bluegreen_route"/),
      expect.stringMatching(/^~ body\s+= jsonencode\(/),
      "~ {",
      expect.stringMatching(/^\+ labels\s+= \{/),
      expect.stringMatching(/^\+ "?bluegreen-owner"?\s+= "cdktf-apisix-bluegreen\/e2e"/),
      expect.stringMatching(/^\+ "?managed-by"?\s+= "cdktf-apisix-bluegreen"/),
      expect.stringMatching(new RegExp(`^~ ${paths}\\s+= \\[`)),
      '~ "/old-hand" -> "/hand",',
      // what the declaration says about the resource itself (not in the gateway's object)
      expect.stringMatching(/^\+ construct_path\s+= "e2e\/hand"/),
      expect.stringMatching(/^\+ legacy_owner\s+= "e2e"/),
      expect.stringMatching(/^\+ owner\s+= "cdktf-apisix-bluegreen\/e2e"/),
    ]);
    await ok(ws.apply());
    const hand = await admin("GET", `routes/hand-made${q}`);
    expect((hand.value ?? hand).labels).toMatchObject({ "managed-by": "cdktf-apisix-bluegreen" });
    expect((hand.value ?? hand)[paths]).toEqual(["/hand"]);
    expect((hand.value ?? hand).desc).toBeUndefined(); // the declared object is written whole (README)
    expect(await ok(ws.plan())).toContain("No changes.");

    // the same package version re-synthesized: the lock file still matches
    ws.synth(seed("green", { importRoute: true }));
    await ok(ws.init());

    await ok(ws.destroy());
    for (const kind of ["routes", "services", "upstreams"]) expect(await ids(kind)).toEqual([]);
    expect(ws.allText()).not.toContain(ADMIN_KEY);
  });
});
