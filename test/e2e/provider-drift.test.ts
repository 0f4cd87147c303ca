/**
 * Issue 12: `bluegreen drift` and `bluegreen review` on a provider-engine stack that real Terraform applied, both
 * flavours: what the bluegreen_* resources ask the provider to write is what drift compares (no drift after the
 * apply), a weight edited on the gateway is reported with a plain `terraform apply` as the restore command, which
 * restores it; review shows a flip before its apply.
 */
import { drift } from "../drift/drift-harness";
import { runReviewCommand } from "../../lib/cli/review-command";
import { type RunResult, succeeded } from "../helper/terraform";
import { groupQuery, providerSeed, providerStackFixture } from "../helper/provider-stack";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-drift-Secret-Key-6e2a90";
const ENV = { GATEWAY_ADMIN_KEY: ADMIN_KEY };

describe.each(["apisix", "api7-ee"] as const)("bluegreen drift and review of a provider-engine stack (%s)", (flavor) => {
  const service = `/apisix/admin/services/bg-service${groupQuery(flavor)}`;
  const objects = flavor === "apisix" ? 4 : 2;

  const fx = providerStackFixture(`provider-drift-${flavor}`, flavor, ADMIN_KEY);

  /** A Terraform run that must succeed, its output free of the admin key. */
  const ok = (run: Promise<RunResult>) => succeeded(run, ADMIN_KEY);

  async function review(): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await runReviewCommand(["--stack", fx.ws.stackDir], { env: ENV, cwd: fx.ws.dir, stdout: (l) => out.push(l), stderr: (l) => out.push(l) });
    return { code, out };
  }

  test("in sync after terraform apply; an edited weight is drift, restored by the plain terraform apply it names", async () => {
    fx.ws.synth(providerSeed(fx.gateway.adminUrl, flavor));
    await ok(fx.ws.apply());
    const clean = await drift(["--stack", fx.ws.stackDir], ENV, fx.ws.dir);
    expect(clean.err).toEqual([]);
    expect(clean.out.at(-1)).toBe(`no drift: ${objects} objects match the gateway (stack e2e)`);
    expect(clean.code).toBe(0);

    const live = await fx.admin("GET", service);
    const rules = live.plugins["traffic-split"].rules;
    for (const w of rules[rules.length - 1].weighted_upstreams) w.weight = 50;
    delete live.create_time;
    delete live.update_time;
    await fx.admin("PUT", service, live);
    const drifted = await drift(["--stack", fx.ws.stackDir], ENV, fx.ws.dir);
    expect(drifted.code).toBe(2);
    expect(drifted.out).toContainEqual(expect.stringMatching(/^ {2}changed {4}service bg-service: green weight: gateway 50, stack 0 /));
    expect(drifted.out).toContain("  to restore the stack's values: cd stacks/e2e && terraform apply");
    expect(drifted.out.at(-1)).toBe("drift: 1 changed, 0 missing, 0 unmanaged, 0 extra in stack e2e");

    await ok(fx.ws.apply());
    expect((await drift(["--stack", fx.ws.stackDir], ENV, fx.ws.dir)).code).toBe(0);

    // review of the flip before it is applied, then nothing after
    fx.ws.synth(providerSeed(fx.gateway.adminUrl, flavor, { active: "green" }));
    const flip = await review();
    expect(flip.out).toContain("service bg-service: blue 100% -> 0%, green 0% -> 100% (routes /headers)");
    expect(flip.code).toBe(2);
    await ok(fx.ws.apply());
    expect((await review()).code).toBe(0);
    expect((await drift(["--stack", fx.ws.stackDir], ENV, fx.ws.dir)).code).toBe(0);
    await ok(fx.ws.destroy());
  });
});
