/**
 * Issue 12: with the provider engine the admin key never appears in cdk.tf.json, plan output (text, and
 * `terraform show -json` of a saved plan), state (`terraform show -json`), Terraform's and the provider's logs at
 * TF_LOG=TRACE (Terraform's stderr), or errors. Both flavours, through real Terraform; every Terraform run of the test
 * is at TF_LOG=TRACE and scanned, as are the files of the workspace (TerraformWorkspace.allText).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { startGateway } from "../../lib/gateway";
import { type RunResult, TerraformWorkspace } from "../helper/terraform";
import { providerSeed } from "../helper/provider-stack";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-secret-Key-93be0f4a";
const WRONG_KEY = "provider-wrong-Key-1c7d55e2";
const TRACE = { TF_LOG: "TRACE" };

describe.each(["apisix", "api7-ee"] as const)("the admin key stays secret, provider engine (%s)", (flavor) => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let ws: TerraformWorkspace;
  /** Everything Terraform printed, for the final scan. */
  const printed: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: ADMIN_KEY, flavor });
    ws = new TerraformWorkspace(`provider-secrets-${flavor}`, { GATEWAY_ADMIN_KEY: ADMIN_KEY });
  });
  afterAll(async () => {
    await gateway?.close();
    ws?.cleanup();
  });

  const seed = (active: "blue" | "green") => providerSeed(gateway.adminUrl, flavor, { active });

  /** Runs Terraform at TF_LOG=TRACE, keeps what it printed; `code` is the exit code expected. */
  async function tf(args: string[], code = 0, env: Record<string, string> = {}): Promise<RunResult> {
    const result = await ws.terraform(args, { ...TRACE, ...env });
    printed.push(result.output);
    if (result.code !== code) throw new Error(`terraform ${args.join(" ")} exited ${result.code}, expected ${code}:\n${result.output.slice(-4000)}`);
    expect(result.output).not.toContain(ADMIN_KEY);
    return result;
  }

  test("synth, plan (saved and shown), apply, state, a flip, an error: the key is in none of them", async () => {
    ws.synth(seed("blue"));
    const synthesized = readFileSync(path.join(ws.stackDir, "cdk.tf.json"), "utf8");
    expect(synthesized).toContain('"admin_key_env');
    expect(synthesized).not.toContain(ADMIN_KEY);

    await tf(["init", "-input=false", "-no-color"]);
    const plan = await tf(["plan", "-input=false", "-no-color", "-lock=false", "-out=tfplan"]);
    expect(plan.stdout).toContain(`Plan: ${flavor === "apisix" ? 4 : 2} to add, 0 to change, 0 to destroy.`);
    // the trace log is there (so the scan is not vacuous) and holds the provider's own lines
    expect(plan.stderr).toMatch(/\[TRACE\]/);
    const shownPlan = await tf(["show", "-json", "tfplan"]);
    expect(shownPlan.stdout).toContain('"bluegreen_service"');
    await tf(["show", "-no-color", "tfplan"]);

    const apply = await tf(["apply", "-input=false", "-no-color", "-auto-approve", "tfplan"]);
    expect(apply.stderr).toMatch(/bluegreen: .*PUT/); // the provider's lines reach Terraform's log
    const state = await tf(["show", "-json"]);
    expect(state.stdout).toContain('"bg-service"');
    expect(ws.state()).not.toContain(ADMIN_KEY);

    // an in-place flip and a refresh read the gateway with the key
    ws.synth(seed("green"));
    await tf(["apply", "-input=false", "-no-color", "-auto-approve"]);
    await tf(["plan", "-refresh-only", "-input=false", "-no-color", "-lock=false"]);

    // errors: a wrong key is refused, and neither key is printed
    ws.synth(seed("blue"));
    const refused = await tf(["apply", "-input=false", "-no-color", "-auto-approve"], 1, { GATEWAY_ADMIN_KEY: WRONG_KEY });
    expect(refused.output).toMatch(/Error: .*GATEWAY_ADMIN_KEY/);
    expect(refused.output).not.toContain(WRONG_KEY);

    await tf(["destroy", "-input=false", "-no-color", "-auto-approve"]);
    const all = [...printed, ws.allText()].join("\n");
    expect(all).not.toContain(ADMIN_KEY);
    expect(all).not.toContain(WRONG_KEY);
  });
});
