/**
 * Issue 12: `terraform import <address> <bare id>` (the CLI command) takes over hand-made objects of a provider-engine
 * stack, both flavours, through real Terraform: the next plan shows exactly what differs from the declaration (the
 * owned fields that differ and the ownership labels), the apply adds the labels and writes the declared object whole.
 */
import path from "node:path";
import { readStack } from "../../lib/drift/read-stack";
import { type RunResult, succeeded } from "../helper/terraform";
import { providerSeed, providerStackFixture } from "../helper/provider-stack";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-import-Secret-Key-51c9e2";

describe.each(["apisix", "api7-ee"] as const)("terraform import of hand-made objects, provider engine (%s)", (flavor) => {
  const fx = providerStackFixture(`provider-import-${flavor}`, flavor, ADMIN_KEY);

  /** A Terraform run that must succeed, its output free of the admin key. */
  const ok = (run: Promise<RunResult>) => succeeded(run, ADMIN_KEY);

  /** The changed lines (`+`, `-`, `~`) of one resource's block in a plan. */
  function changedLines(plan: string, address: string): string[] {
    const start = plan.indexOf(`# ${address} `);
    expect(start).toBeGreaterThanOrEqual(0);
    const end = plan.indexOf("\n\n  #", start);
    const block = plan.slice(start, end < 0 ? plan.indexOf("Plan:") : end);
    return block.split("\n").filter((l) => /^\s*[-+~] /.test(l)).map((l) => l.trim());
  }

  test("import route, service (and upstreams) by id; the plan shows the differences and the labels; the apply adds them", async () => {
    fx.ws.synth(providerSeed(fx.gateway.adminUrl, flavor, { routeId: "bg-route" }));
    const declared = readStack(path.join(fx.ws.stackDir, "cdk.tf.json")).objects;
    const kindOf = (p: string) => (p.includes("/upstreams/") ? "upstreams" : p.includes("/services/") ? "services" : "routes");
    const rank = { upstreams: 0, services: 1, routes: 2 } as const;
    const ordered = [...declared].sort((a, b) => rank[kindOf(a.request.path)] - rank[kindOf(b.request.path)]);
    expect(ordered.map((o) => kindOf(o.request.path))).toEqual(
      flavor === "apisix" ? ["upstreams", "upstreams", "services", "routes"] : ["services", "routes"],
    );

    // hand-made: the declared objects without our labels, with a field the stack does not own (desc); the service
    // with another name, the route with another path
    const paths = flavor === "apisix" ? "uris" : "paths";
    for (const { request } of ordered) {
      const { labels: _labels, ...body } = request.body as Record<string, unknown>;
      const kind = kindOf(request.path);
      const hand = {
        ...body,
        desc: "made by hand",
        ...(kind === "services" ? { name: "hand-made service" } : {}),
        ...(kind === "routes" ? { [paths]: ["/old-hand"] } : {}),
      };
      await fx.admin("PUT", request.path, hand);
    }

    await ok(fx.ws.init());
    for (const { address, request } of ordered) {
      const id = decodeURIComponent(request.path.split("?")[0].split("/").pop()!);
      const imported = await ok(fx.ws.terraform(["import", "-input=false", "-no-color", "-lock=false", address, id]));
      expect(imported).toContain("Import successful!");
    }

    const plan = await ok(fx.ws.plan());
    expect(plan).toContain(`Plan: 0 to add, ${ordered.length} to change, 0 to destroy.`);
    const labels = [
      expect.stringMatching(/^\+ labels\s+= \{/),
      expect.stringMatching(/^\+ "?bluegreen-owner"?\s+= "cdktf-apisix-bluegreen\/e2e"/),
      expect.stringMatching(/^\+ "?managed-by"?\s+= "cdktf-apisix-bluegreen"/),
    ];
    const declaredOnly = (construct: string) => [
      expect.stringMatching(new RegExp(`^\\+ construct_path\\s+= "e2e/${construct}"`)),
      expect.stringMatching(/^\+ legacy_owner\s+= "e2e"/),
      expect.stringMatching(/^\+ owner\s+= "cdktf-apisix-bluegreen\/e2e"/),
    ];
    for (const { address, request } of ordered) {
      const kind = kindOf(request.path);
      const lines = changedLines(plan, address);
      const head = [expect.stringMatching(new RegExp(`^~ resource "${address.split(".")[0]}"`)), expect.stringMatching(/^~ body\s+= jsonencode\(/), "~ {"];
      if (kind === "routes") {
        expect(lines).toEqual([
          ...head,
          ...labels,
          expect.stringMatching(new RegExp(`^~ ${paths}\\s+= \\[`)),
          '~ "/old-hand" -> "/headers",',
          ...declaredOnly("route"),
        ]);
      } else if (kind === "services") {
        expect(lines).toEqual([
          ...head,
          ...labels,
          expect.stringMatching(/^~ name\s+= "hand-made service" -> "bg-service"/),
          ...declaredOnly("service"),
        ]);
      } else {
        expect(lines).toEqual([...head, ...labels, ...declaredOnly("service")]);
      }
    }

    await ok(fx.ws.apply());
    for (const { request } of ordered) {
      const live = await fx.admin("GET", request.path);
      expect(live.labels).toEqual({ "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": "cdktf-apisix-bluegreen/e2e" });
      expect(live.desc).toBeUndefined(); // the declared object is written whole
    }
    expect((await fx.admin("GET", ordered.find((o) => kindOf(o.request.path) === "routes")!.request.path))[paths]).toEqual(["/headers"]);
    expect(await ok(fx.ws.plan())).toContain("No changes.");

    await ok(fx.ws.destroy());
    expect(fx.ws.allText()).not.toContain(ADMIN_KEY);
  });
});
