/**
 * `bluegreen review` (issue 10): what a deploy changes in release terms, against a base synth output and against the
 * live embedded gateway, in the three formats, for stacks of both engines.
 */
import { type RunningGateway, startGateway } from "../../lib/gateway/gateway";
import { runReviewCommand } from "../../lib/cli/review-command";
import { applyStack, type Engine, ENGINES, type Flavor, KEY, STACK, type SynthesizedSeed, synthSeed } from "../drift/drift-harness";

async function review(args: string[], env: NodeJS.ProcessEnv = { GATEWAY_ADMIN_KEY: KEY }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReviewCommand(args, { env, cwd: process.cwd(), stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out, err };
}

const FLIP = "service blue-green-service: blue 100% -> 0%, green 0% -> 100% (routes GET /headers; preview X-Env)";
const NO_CHANGE = "service blue-green-service: no change (blue 100%, green 0%) (routes GET /headers; preview X-Env)";

const CASES = (["apisix", "api7-ee"] as const).flatMap((flavor) => ENGINES.map((engine) => [flavor, engine] as [Flavor, Engine]));

describe.each(CASES)("bluegreen review (%s, %s engine)", (flavor, engine) => {
  let gw: RunningGateway;
  let base: SynthesizedSeed;
  let head: SynthesizedSeed;
  const seeds: SynthesizedSeed[] = [];

  beforeAll(async () => {
    gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor });
    base = synthSeed(flavor, gw.adminUrl, { engine });
    // the flip, with green's node moved
    head = synthSeed(flavor, gw.adminUrl, { engine, active: "green", green: { host: "127.0.0.1", port: 1983, scheme: "http" } });
    seeds.push(base, head);
  });
  afterAll(async () => {
    await gw?.close();
    for (const s of seeds) s.cleanup();
  });

  test("--base: text names the colors, the node change and the revert; exit 2", async () => {
    const res = await review(["--stack", head.stackDir, "--base", base.outdir]);
    expect(res.err).toEqual([]);
    expect(res.code).toBe(2);
    expect(res.out).toEqual([
      `bluegreen review: the stacks compared with the synth output ${base.outdir}`,
      FLIP,
      "  green nodes: + 127.0.0.1:1983, - 127.0.0.1:1982",
      "route blue-green-route: no change (GET /headers -> service blue-green-service)",
      "reverting this change (git revert, then deploy): service blue-green-service back to blue 100%, green 0%",
    ]);
  });

  test("--base with itself: nothing changes, exit 0", async () => {
    const res = await review(["--head", base.outdir, "--base", base.outdir]);
    expect(res.code).toBe(0);
    expect(res.out).toContain(NO_CHANGE);
    expect(res.out.at(-1)).toBe("nothing to revert: the deploy changes nothing");
  });

  test("--format markdown: a table row per color with before and after", async () => {
    const res = await review(["--head", head.outdir, "--base", base.outdir, "--format", "markdown"]);
    expect(res.code).toBe(2);
    const md = res.out.join("\n");
    expect(md).toContain("| service | color | before | after | nodes |");
    expect(md).toContain("| blue-green-service | blue | 100% | **0%** |  |");
    expect(md).toContain("| blue-green-service | green | 0% | **100%** | `+ 127.0.0.1:1983, - 127.0.0.1:1982` |");
    expect(md).toContain("- service `blue-green-service`: blue 100% -> 0%, green 0% -> 100%");
    expect(md).toContain("**Revert:** reverting this change (git revert, then deploy): service blue-green-service back to blue 100%, green 0%");
  });

  test("--format json: only the JSON document on stdout", async () => {
    const res = await review(["--head", head.outdir, "--base", base.outdir, "--format", "json"]);
    expect(res.code).toBe(2);
    const doc = JSON.parse(res.out.join("\n"));
    expect(doc).toMatchObject({
      status: "changes",
      exit_code: 2,
      services: [
        {
          id: "blue-green-service",
          change: "changed",
          traffic: { before: { blue: 100, green: 0 }, after: { blue: 0, green: 100 } },
          nodes: { green: { added: ["127.0.0.1:1983"], removed: ["127.0.0.1:1982"] } },
          preview: "X-Env",
        },
      ],
      routes: [{ id: "blue-green-route", change: "unchanged" }],
    });
  });

  test("against the live gateway: before the first deploy everything is added; after it, the flip", async () => {
    const first = await review(["--stack", base.stackDir]);
    expect(first.err).toEqual([]);
    expect(first.code).toBe(2);
    expect(first.out).toContain("service blue-green-service: added, blue 100%, green 0% (routes GET /headers; preview X-Env)");
    expect(first.out).toContain("route blue-green-route: added (GET /headers -> service blue-green-service)");

    await applyStack(base.stackDir);
    const same = await review(["--stack", base.stackDir]);
    expect(same.code).toBe(0);
    expect(same.out).toContain(NO_CHANGE);

    const flip = await review(["--stack", head.stackDir, "--format", "text"]);
    expect(flip.code).toBe(2);
    expect(flip.out[0]).toBe("bluegreen review: the stacks compared with the live gateway");
    expect(flip.out).toContain(FLIP);
    expect(flip.out).toContain("  green nodes: + 127.0.0.1:1983, - 127.0.0.1:1982");
    expect(flip.out.join("\n")).not.toContain(KEY);
  });

  test("--help prints the usage on stdout and exits 0; --head with --stack is refused with the usage", async () => {
    const help = await review(["--help"]);
    expect({ code: help.code, err: help.err }).toEqual({ code: 0, err: [] });
    expect(help.out[0]).toMatch(/^usage: bluegreen review /);
    const both = await review(["--head", head.outdir, "--stack", head.stackDir]);
    expect(both.code).toBe(1);
    expect(both.err[0]).toMatch(/^bluegreen review: --head and --stack cannot be combined\n\nusage: bluegreen review /);
  });

  test("errors: exit 1 with the reason (bad format, no key, no base)", async () => {
    expect((await review(["--stack", head.stackDir, "--format", "yaml"])).err[0]).toMatch(/^bluegreen review: --format yaml: expected one of text, markdown, json/);
    const noKey = await review(["--stack", head.stackDir], {});
    expect(noKey.code).toBe(1);
    expect(noKey.err.join("\n")).toMatch(/GATEWAY_ADMIN_KEY/);
    const noBase = await review(["--stack", head.stackDir, "--base", "/nonexistent-dir"]);
    expect(noBase.code).toBe(1);
    expect(noBase.err[0]).toMatch(/^bluegreen review: --base \/nonexistent-dir: no synthesized stack/);
  });
});

test("STACK is the seed's stack name", () => expect(STACK).toBe("blue-green"));
