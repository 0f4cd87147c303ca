/**
 * `bluegreen drift` against the embedded gateway, in both flavours and for both engines: the seed stack is
 * synthesized into `.e2e/`, applied through the hook, edited out of band through the Admin API, then checked.
 */
import { resourceRequest } from "../../lib/drift/read-stack";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type RunningGateway, startGateway } from "../../lib/gateway/gateway";
import { REPO_ROOT } from "../helper/terraform";
import { admin, applyStack, drift, type Engine, ENGINES, type Flavor, KEY, query, STACK, type SynthesizedSeed, synthSeed } from "./drift-harness";

/** The default owner of the seed stack: this repository's package name, then the stack id. */
const OWNER = `${(JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { name: string }).name}/${STACK}`;
const SERVICE = "/apisix/admin/services/blue-green-service";
const ROUTE = "/apisix/admin/routes/blue-green-route";

const CASES = (["apisix", "api7-ee"] as const).flatMap((flavor) => ENGINES.map((engine) => [flavor, engine] as const));

describe.each(CASES)("bluegreen drift (%s, %s engine)", (flavor: Flavor, engine: Engine) => {
  const q = query(flavor);
  /** The Terraform resource type of the stack's objects. */
  const type = (kind: "service" | "route") => (engine === "hooks" ? "terraform_data" : `bluegreen_${kind}`);
  /** The restore hint: the hooks engine replaces the object, the provider engine's plan already updates it. */
  const restore = (kind: "service" | "route") =>
    engine === "hooks" ? new RegExp(`terraform apply -replace=terraform_data\\.${kind}_[0-9A-F]{8}$`) : /&& terraform apply$/;
  /** The sweep exists only in the hooks engine. */
  const hooksOnly = engine === "hooks" ? test : test.skip;
  /** APISIX: route, service, blue and green upstreams; API7 EE: route and service (upstreams inline). */
  const objects = flavor === "apisix" ? 4 : 2;
  /** A route body this flavour accepts (EE matches on `paths`, APISIX on `uris`). */
  const routeBody = (uri: string, labels: Record<string, string>) => ({
    name: uri.slice(1),
    methods: ["GET"],
    ...(flavor === "api7-ee" ? { paths: [uri] } : { uris: [uri] }),
    service_id: "blue-green-service",
    labels,
  });
  let gw: RunningGateway;
  let seed: SynthesizedSeed;

  beforeEach(async () => {
    gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor });
    seed = synthSeed(flavor, gw.adminUrl, { engine });
    await applyStack(seed.stackDir);
  });
  afterEach(async () => {
    await gw.close();
    seed.cleanup();
  });

  test("in sync: exit 0 and the no-drift line", async () => {
    const res = await drift(["--stack", seed.stackDir]);
    expect(res.err).toEqual([]);
    expect(res.code).toBe(0);
    expect(res.out).toEqual([
      `stack ${STACK} (${path.relative(REPO_ROOT, path.join(seed.stackDir, "cdk.tf.json"))})`,
      `no drift: ${objects} objects match the gateway (stack ${STACK})`,
    ]);

    const json = await drift(["--stack", seed.stackDir, "--json"]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out.join("\n")) as { status: string; stacks: Array<Record<string, unknown>> };
    expect(report.status).toBe("in-sync");
    expect(report.stacks).toEqual([
      expect.objectContaining({ stack: STACK, status: "in-sync", checked: objects, in_sync: objects, findings: [] }),
    ]);
  });

  test("weights edited out of band: exit 2 with every differing field and both values", async () => {
    const live = (await admin(gw.adminUrl, "GET", SERVICE + q)).json.value as {
      plugins: { "traffic-split": { rules: Array<{ weighted_upstreams: Array<{ weight: number }> }> } };
    };
    const rules = live.plugins["traffic-split"].rules;
    expect(rules[2].weighted_upstreams.map((w) => w.weight)).toEqual([0, 100]); // green (canary) 0, blue 100
    rules[2].weighted_upstreams[0].weight = 30;
    rules[2].weighted_upstreams[1].weight = 70;
    const patched = await admin(gw.adminUrl, "PATCH", SERVICE + q, { plugins: { "traffic-split": { rules } } });
    expect(patched.status).toBe(200);

    const res = await drift(["--stack", seed.stackDir]);
    expect(res.err).toEqual([]);
    expect(res.code).toBe(2);
    const changed = res.out.filter((l) => l.trimStart().startsWith("changed"));
    expect(changed).toEqual([
      `  changed    service blue-green-service: green weight: gateway 30, stack 0  (plugins.traffic-split.rules[2].weighted_upstreams[0].weight; construct ${STACK}/service)`,
      `  changed    service blue-green-service: blue weight: gateway 70, stack 100  (plugins.traffic-split.rules[2].weighted_upstreams[1].weight; construct ${STACK}/service)`,
    ]);
    expect(res.out.at(-1)).toBe(`drift: 1 changed, 0 missing, 0 unmanaged, 0 extra in stack ${STACK}`);
    expect(res.out).toContainEqual(expect.stringMatching(restore("service")));

    const json = await drift(["--stack", seed.stackDir, "--json"]);
    expect(json.code).toBe(2);
    const report = JSON.parse(json.out.join("\n")) as { stacks: Array<{ findings: unknown[] }> };
    expect(report.stacks[0].findings).toEqual([
      {
        kind: "changed",
        address: expect.stringMatching(new RegExp(`^${type("service")}\\.service_`)),
        construct_path: `${STACK}/service`,
        path: SERVICE + q,
        differences: [
          { field: "plugins.traffic-split.rules[2].weighted_upstreams[0].weight", term: "service blue-green-service: green weight", kind: "value", gateway: 30, stack: 0 },
          { field: "plugins.traffic-split.rules[2].weighted_upstreams[1].weight", term: "service blue-green-service: blue weight", kind: "value", gateway: 70, stack: 100 },
        ],
      },
    ]);
  });

  test("route deleted out of band: missing", async () => {
    expect((await admin(gw.adminUrl, "DELETE", ROUTE + q)).status).toBe(200);
    const res = await drift(["--stack", seed.stackDir]);
    expect(res.code).toBe(2);
    expect(res.out).toContain(`  missing    route blue-green-route (${STACK}/route)  not on the gateway: GET ${ROUTE + q} -> 404`);
    expect(res.out).toContainEqual(expect.stringMatching(restore("route")));
    expect(res.out.at(-1)).toBe(`drift: 0 changed, 1 missing, 0 unmanaged, 0 extra in stack ${STACK}`);
  });

  test("route replaced without our labels: unmanaged", async () => {
    const put = await admin(gw.adminUrl, "PUT", ROUTE + q, routeBody("/headers", { team: "dashboard" }));
    expect(put.status).toBeLessThan(300);
    const res = await drift(["--stack", seed.stackDir]);
    expect(res.code).toBe(2);
    expect(res.out).toContain(
      `  unmanaged  route blue-green-route (${STACK}/route)  exists without managed-by=cdktf-apisix-bluegreen ` +
        `(labels: {"team":"dashboard"}): someone replaced it; the next apply of this object refuses to overwrite it ` +
        `(set adopt: true to take it over)`,
    );
    expect(res.out.at(-1)).toBe(`drift: 0 changed, 0 missing, 1 unmanaged, 0 extra in stack ${STACK}`);
  });

  hooksOnly("undeclared object with our labels and owner: extra; another owner's object is not", async () => {
    const labels = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": OWNER };
    const ours = await admin(gw.adminUrl, "PUT", `/apisix/admin/routes/old-route${q}`, routeBody("/old", labels));
    expect(ours.status).toBeLessThan(300);
    const other = { ...labels, "bluegreen-owner": "someone-else" };
    const theirs = await admin(gw.adminUrl, "PUT", `/apisix/admin/routes/theirs${q}`, routeBody("/theirs", other));
    expect(theirs.status).toBeLessThan(300);

    const res = await drift(["--stack", seed.stackDir]);
    expect(res.code).toBe(2);
    const extra = res.out.filter((l) => l.trimStart().startsWith("extra"));
    expect(extra).toEqual([
      `  extra      route old-route (${STACK}/gateway)  carries bluegreen-owner=${OWNER} but is not declared: the sweep ` +
        `deletes it on the next deploy that changes the set of objects`,
    ]);
    expect(res.out).toContainEqual(
      expect.stringMatching(/\(this runs the sweep: extra objects are deleted\): .* -replace=terraform_data\.gateway_Sweep_[0-9A-F]{8}$/),
    );
    expect(res.out.at(-1)).toBe(`drift: 0 changed, 0 missing, 0 unmanaged, 1 extra in stack ${STACK}`);
  });

  hooksOnly("extra includes what the sweep deletes of the old default owner (the stack id): routes bound to a declared service", async () => {
    const legacy = { "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": STACK };
    expect((await admin(gw.adminUrl, "PUT", `/apisix/admin/routes/legacy-route${q}`, routeBody("/legacy", legacy))).status).toBeLessThan(300);
    // another legacy service and its route: they may be another project's, the sweep leaves them
    const other = await admin(gw.adminUrl, "PUT", `/apisix/admin/services/legacy-other${q}`, { name: "legacy-other", labels: legacy });
    expect(other.status).toBeLessThan(300);
    const elsewhere = { ...routeBody("/elsewhere", legacy), service_id: "legacy-other" };
    expect((await admin(gw.adminUrl, "PUT", `/apisix/admin/routes/legacy-elsewhere${q}`, elsewhere)).status).toBeLessThan(300);

    const res = await drift(["--stack", seed.stackDir]);
    expect(res.out.filter((l) => l.trimStart().startsWith("extra"))).toEqual([
      `  extra      route legacy-route (${STACK}/gateway)  carries bluegreen-owner=${STACK} but is not declared: the sweep ` +
        `deletes it on the next deploy that changes the set of objects`,
    ]);
  });

  test("wrong key: exit 1 naming the variable, key never printed", async () => {
    const wrong = "sk-WRONG-key-0000111122";
    const res = await drift(["--stack", seed.stackDir], { GATEWAY_ADMIN_KEY: wrong });
    expect(res.code).toBe(1);
    expect(res.err.join("\n")).toMatch(/rejected the admin key \(401.*check the GATEWAY_ADMIN_KEY environment variable/);
    expect(res.out.at(-1)).toBe(`error: stack ${STACK} not checked (see the error on stderr)`);
    expect(res.all).not.toContain(wrong);
    expect(res.all).not.toContain(KEY);
  });

  test("missing key variable: exit 1 naming it, before any request", async () => {
    const res = await drift(["--stack", seed.stackDir], {});
    expect(res.code).toBe(1);
    expect(res.err).toEqual([
      expect.stringMatching(
        new RegExp(`^bluegreen drift: stack ${STACK}: the admin key is missing: set the GATEWAY_ADMIN_KEY environment variable`),
      ),
    ]);
  });

  test("an input with a Terraform expression is skipped, the rest is still checked", async () => {
    const file = path.join(seed.stackDir, "cdk.tf.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    let key: string;
    if (engine === "hooks") {
      const route = Object.entries<any>(json.resource.terraform_data).find(([, r]) => (resourceRequest(json, r) as { path?: string } | undefined)?.path?.startsWith(ROUTE));
      expect(route).toBeDefined();
      key = route![0];
      (resourceRequest(json, route![1]) as { body: { name?: string } }).body.name = "${var.route_name}";
    } else {
      // the provider resource holds the body as JSON text
      const routes = Object.entries<any>(json.resource.bluegreen_route);
      expect(routes).toHaveLength(1);
      key = routes[0][0];
      const body = JSON.parse(routes[0][1].body);
      body.name = "${var.route_name}";
      routes[0][1].body = JSON.stringify(body);
    }
    writeFileSync(file, JSON.stringify(json));

    const res = await drift(["--stack", seed.stackDir]);
    expect(res.code).toBe(0);
    expect(res.out).toContain(
      `  skipped    ${type("route")}.${key} (${STACK}/route)  not compared: value known only at apply: ` +
        `body.name = "\${var.route_name}"`,
    );
    expect(res.out.at(-1)).toBe(
      `no drift: ${objects === 2 ? "1 object matches" : `${objects - 1} objects match`} the gateway (stack ${STACK}); ` +
        `1 skipped (value known only at apply)`,
    );
  });
});

describe("bluegreen drift without a gateway", () => {
  const dir = path.join(REPO_ROOT, ".e2e", `drift-nostack-${process.pid}`);
  beforeEach(() => mkdirSync(dir, { recursive: true }));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("no synthesized stack: exit 1 with the cdktf synth hint", async () => {
    writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node main.js" }));
    const res = await drift([], { GATEWAY_ADMIN_KEY: KEY }, dir);
    expect(res.code).toBe(1);
    expect(res.out).toEqual([]);
    expect(res.err).toEqual([
      `bluegreen drift: no synthesized stack in cdktf.out/stacks/*/cdk.tf.json (project ${dir}): run cdktf synth ` +
        `first, or name the stack with --stack DIR`,
    ]);
  });

  test("--stack DIR without cdk.tf.json: exit 1 with the hint", async () => {
    const res = await drift(["--stack", dir]);
    expect(res.code).toBe(1);
    expect(res.err[0]).toMatch(new RegExp(`^bluegreen drift: --stack .*: no cdk\\.tf\\.json in ${dir}: run cdktf synth first`));
  });

  test("an invalid gateway request: exit 1 naming the resource and the field", async () => {
    const stackDir = path.join(dir, "stacks", "bad");
    mkdirSync(stackDir, { recursive: true });
    const input = { kind: "object", method: "PUT", path: "/apisix/admin/routes/r", body: {}, construct_path: "bad/route", gateway: { admin_url: "not a url", flavor: "apisix", admin_key_env: "K" } };
    writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify({ resource: { terraform_data: { route_1: { input } } } }));
    const res = await drift(["--stack", stackDir]);
    expect(res.code).toBe(1);
    expect(res.err[0]).toMatch(/^bluegreen drift: terraform_data\.route_1 \(construct bad\/route\) in .*cdk\.tf\.json does not match the hook input schema \(gateway\.admin_url: /);
  });

  test("an invalid bluegreen_route (provider engine): exit 1 naming the resource, the construct and the field", async () => {
    const stackDir = path.join(dir, "stacks", "bad");
    mkdirSync(stackDir, { recursive: true });
    const gateway = JSON.stringify({ admin_url: "not a url", flavor: "apisix", admin_key_env: "K" });
    const route = { object_id: "r", gateway, owner: "o", construct_path: "bad/route", body: "{}" };
    writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify({ resource: { bluegreen_route: { route_1: route } } }));
    const res = await drift(["--stack", stackDir]);
    expect(res.code).toBe(1);
    expect(res.err[0]).toMatch(
      /^bluegreen drift: bluegreen_route\.route_1 in .*cdk\.tf\.json is not a valid bluegreen_route \(attribute gateway is not a valid gateway target \(admin_url: .*\(construct bad\/route\)\)/,
    );
  });

  test("an unknown option is an error (exit 1), never mistaken for drift", async () => {
    const res = await drift(["--stacks", dir]);
    expect(res.code).toBe(1);
    expect(res.err[0]).toMatch(/^bluegreen drift: Unknown option '--stacks'/);
  });
});
