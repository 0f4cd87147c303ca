/**
 * The contract between synthesis and the hook: every `terraform_data` input the constructs synthesize is accepted
 * by the hook and applies cleanly (verified) to the embedded gateway, in both flavours; the sweep keeps them all.
 * Then a flip (active blue → green) applies too, and destroy removes everything; the teardown, run last, finds
 * nothing left.
 */
import { stackRequests } from "../helper/stack-json";
import { App, Testing } from "cdktf";
import { SeedStack } from "../../examples/seed-stack";
import { type RunningGateway, startGateway } from "../../lib/gateway/gateway";
import { runHook, type HookAction } from "../../lib/hook/run-hook";

const KEY = "sk-contract-1f2e3d4c5b";

interface DataResource {
  input: { kind: string; path?: string };
}

function synthInputs(flavor: "apisix" | "api7-ee", adminUrl: string, active: "blue" | "green"): DataResource["input"][] {
  const app: App = Testing.app();
  const stack = new SeedStack(app, "seed", {
    adminUrl,
    flavor,
    active,
    blue: { host: "127.0.0.1", port: 1981, scheme: "http" },
    green: { host: "127.0.0.1", port: 1982, scheme: "http" },
  });
  const json = JSON.parse(Testing.synth(stack)) as { resource: { terraform_data: Record<string, DataResource> } };
  const inputs = stackRequests<DataResource["input"]>(json);
  const rank = (i: DataResource["input"]) =>
    i.kind === "teardown" ? -1 : i.kind === "sweep" ? 9 : i.path?.includes("/upstreams/") ? 0 : i.path?.includes("/services/") ? 1 : 2;
  return inputs.sort((a, b) => rank(a) - rank(b));
}

async function hook(action: HookAction, input: unknown): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runHook(action, {
    env: { BLUEGREEN_REQUEST: JSON.stringify(input), GATEWAY_ADMIN_KEY: KEY },
    cwd: process.cwd(),
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
  });
  return { code, out, err };
}

describe.each(["apisix", "api7-ee"] as const)("synthesized inputs through the hook (%s)", (flavor) => {
  let gw: RunningGateway;
  beforeEach(async () => {
    gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor });
  });
  afterEach(async () => {
    await gw.close();
  });

  test("apply all, sweep keeps all, flip, destroy all", async () => {
    const [teardown, ...inputs] = synthInputs(flavor, gw.adminUrl, "blue");
    expect(teardown.kind).toBe("teardown");
    expect(inputs.filter((i) => i.kind === "sweep")).toHaveLength(1);
    for (const input of inputs) {
      const action = input.kind === "sweep" ? "sweep" : "apply";
      const res = await hook(action, input);
      expect(res.err).toEqual([]);
      expect(res.code).toBe(0);
      expect(res.out).toEqual([
        input.kind === "sweep"
          ? expect.stringMatching(/^bluegreen: sweep owner=\S+ deleted 0$/)
          : expect.stringMatching(/^bluegreen: PUT \/apisix\/admin\/\S+ -> 201 \(verified\)$/),
      ]);
    }

    for (const input of synthInputs(flavor, gw.adminUrl, "green").slice(1)) {
      const res = await hook(input.kind === "sweep" ? "sweep" : "apply", input);
      expect(res.err).toEqual([]);
      expect(res.code).toBe(0);
    }

    for (const input of [...inputs].reverse()) {
      const res = await hook("destroy", input);
      expect(res.err).toEqual([]);
      expect(res.code).toBe(0);
      if (input.kind === "object") expect(res.out).toEqual([`bluegreen: DELETE ${input.path ?? ""} -> deleted`]);
    }
    const res = await hook("teardown", teardown);
    expect(res).toEqual({ code: 0, out: [expect.stringMatching(/^bluegreen: teardown owner=\S+ deleted 0$/)], err: [] });
  });
});
