/**
 * Issue 12: `bluegreen drift` and `bluegreen review` on a provider-engine stack that real Terraform applied, both
 * flavours: what the bluegreen_* resources ask the provider to write is what drift compares (no drift after the
 * apply), a weight edited on the gateway is reported with a plain `terraform apply` as the restore command, which
 * restores it; review shows a flip before its apply.
 */
import { drift } from "../drift/drift-harness";
import { runReviewCommand } from "../../lib/cli/review-command";
import { startGateway } from "../../lib/gateway";
import { TerraformWorkspace } from "../helper/terraform";
import { adminApi, groupQuery, providerSeed } from "../helper/provider-stack";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-drift-Secret-Key-6e2a90";
const ENV = { GATEWAY_ADMIN_KEY: ADMIN_KEY };

describe.each(["apisix", "api7-ee"] as const)("bluegreen drift and review of a provider-engine stack (%s)", (flavor) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let ws: TerraformWorkspace;
  let admin: ReturnType<typeof adminApi>;
  const service = `/apisix/admin/services/bg-service${groupQuery(flavor)}`;
  const objects = flavor === "apisix" ? 4 : 2;

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor });
    ws = new TerraformWorkspace(`provider-drift-${flavor}`, ENV);
    admin = adminApi(gateway.adminUrl, ADMIN_KEY);
  });
  afterAll(async () => {
    await gateway?.close();
    ws?.cleanup();
  });

  async function ok(run: Promise<{ code: number; output: string }>): Promise<string> {
    const result = await run;
    if (result.code !== 0) throw new Error(result.output);
    return result.output;
  }

  async function review(): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await runReviewCommand(["--stack", ws.stackDir], { env: ENV, cwd: ws.dir, stdout: (l) => out.push(l), stderr: (l) => out.push(l) });
    return { code, out };
  }

  test("in sync after terraform apply; an edited weight is drift, restored by the plain terraform apply it names", async () => {
    ws.synth(providerSeed(gateway.adminUrl, flavor));
    await ok(ws.apply());
    const clean = await drift(["--stack", ws.stackDir], ENV, ws.dir);
    expect(clean.err).toEqual([]);
    expect(clean.out.at(-1)).toBe(`no drift: ${objects} objects match the gateway (stack e2e)`);
    expect(clean.code).toBe(0);

    const live = await admin("GET", service);
    const rules = live.plugins["traffic-split"].rules;
    for (const w of rules[rules.length - 1].weighted_upstreams) w.weight = 50;
    delete live.create_time;
    delete live.update_time;
    await admin("PUT", service, live);
    const drifted = await drift(["--stack", ws.stackDir], ENV, ws.dir);
    expect(drifted.code).toBe(2);
    expect(drifted.out).toContainEqual(expect.stringMatching(/^ {2}changed {4}service bg-service: green weight: gateway 50, stack 0 /));
    expect(drifted.out).toContain("  to restore the stack's values: cd stacks/e2e && terraform apply");
    expect(drifted.out.at(-1)).toBe("drift: 1 changed, 0 missing, 0 unmanaged, 0 extra in stack e2e");

    await ok(ws.apply());
    expect((await drift(["--stack", ws.stackDir], ENV, ws.dir)).code).toBe(0);

    // review of the flip before it is applied, then nothing after
    ws.synth(providerSeed(gateway.adminUrl, flavor, { active: "green" }));
    const flip = await review();
    expect(flip.out).toContain("service bg-service: blue 100% -> 0%, green 0% -> 100% (routes /headers)");
    expect(flip.code).toBe(2);
    await ok(ws.apply());
    expect((await review()).code).toBe(0);
    expect((await drift(["--stack", ws.stackDir], ENV, ws.dir)).code).toBe(0);
    await ok(ws.destroy());
  });
});
