/**
 * Issue 11: the packed package deploys. `npm pack` of the built repository (scripts skipped: dist is checked to be
 * built first) is installed with its peer dependencies into a temp project outside the repository, a small plain
 * `node main.js` app synthesizes with the installed package, and real Terraform applies blue, a flip to green and a
 * destroy against the embedded gateway. The stack folder runs the hook the installed package laid into it. Needs the
 * npm registry (cdktf and constructs are installed from it).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { awayFixture, userEnv } from "../helper/away-from-repo";
import { REPO_ROOT, runTerraform } from "../helper/terraform";
import { adminGet, countLandings } from "../helper/traffic";

jest.setTimeout(600_000);

const KEY = "tarball-Admin-Key-4d2f8a61";
const PKG = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { name: string; version: string };
const versionOf = (name: string) =>
  (JSON.parse(readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

const MAIN_JS = `
const { App, LocalBackend, TerraformStack } = require("cdktf");
const { BlueGreenRoute, BlueGreenService, GatewayConnection } = require("${PKG.name}");
const app = new App({ outdir: "cdktf.out" });
const stack = new TerraformStack(app, "shop");
new LocalBackend(stack, { path: "terraform.tfstate" });
const gateway = new GatewayConnection(stack, "gateway", { adminUrl: process.env.ADMIN_URL });
const node = (name) => ({ nodes: [{ host: "127.0.0.1", port: Number(process.env[name]) }], scheme: "http", passHost: "node" });
const service = new BlueGreenService(stack, "service", {
  gateway, serviceId: "shop", blue: node("BLUE_PORT"), green: node("GREEN_PORT"), active: process.env.ACTIVE,
});
new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
app.synth();
`;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(" ")} in ${cwd} exited ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

const away = awayFixture("tarball", KEY);

test("npm pack, npm install into a temp project, synth with node main.js, apply blue, flip to green, destroy", async () => {
  // `npm pack` would build first (prepack); the test packs the build it was given, so it must exist
  for (const built of ["dist/lib/index.js", "dist/hook/bluegreen-hook.cjs"]) {
    expect({ built, exists: existsSync(path.join(REPO_ROOT, built)) }).toEqual({ built, exists: true });
  }
  const { root, gateway, backends } = away;
  const env = userEnv({ TMPDIR: os.tmpdir() });
  const packDir = path.join(root, "pack");
  const project = path.join(root, "project");
  mkdirSync(packDir);
  mkdirSync(project);
  await run("npm", ["pack", "--ignore-scripts", "--pack-destination", packDir], REPO_ROOT, env);
  const tarball = path.join(packDir, `${PKG.name}-${PKG.version}.tgz`);
  expect(readdirSync(packDir)).toEqual([path.basename(tarball)]);

  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "tarball-project", private: true }));
  writeFileSync(path.join(project, "main.js"), MAIN_JS);
  await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, `cdktf@${versionOf("cdktf")}`, `constructs@${versionOf("constructs")}`],
    project,
    env,
  );
  const installed = path.join(project, "node_modules", PKG.name);
  expect(readFileSync(path.join(installed, "package.json"), "utf8")).toContain(`"version": "${PKG.version}"`);

  const [blue, green] = backends;
  const appEnv = userEnv({ ADMIN_URL: gateway.adminUrl, BLUE_PORT: String(blue.port), GREEN_PORT: String(green.port) });
  const tfEnv = userEnv({
    GATEWAY_ADMIN_KEY: KEY,
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    TF_CLI_CONFIG_FILE: path.join(root, "terraformrc"),
  });
  writeFileSync(tfEnv.TF_CLI_CONFIG_FILE!, "");
  const stackDir = path.join(project, "cdktf.out", "stacks", "shop");
  const outputs: string[] = [];
  const terraform = async (...args: string[]) => {
    const result = await runTerraform(stackDir, [...args, "-input=false", "-no-color"], tfEnv);
    outputs.push(result.output);
    if (result.code !== 0) throw new Error(`terraform ${args.join(" ")} failed:\n${result.output}`);
  };

  await run("node", ["main.js"], project, { ...appEnv, ACTIVE: "blue" });
  // the hook the provisioners run is the installed package's, laid into the stack folder under its version
  const hookFile = `assets/BluegreenHook/${PKG.version}/bluegreen-hook.cjs`;
  expect(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")).toContain(`"command": "node ${hookFile} apply"`);
  expect(readFileSync(path.join(stackDir, hookFile)).equals(readFileSync(path.join(installed, "dist", "hook", "bluegreen-hook.cjs")))).toBe(true);

  await terraform("init");
  await terraform("apply", "-auto-approve");
  expect(await countLandings(`${gateway.proxyUrl}/shop/x`, 10)).toEqual({ blue: 10 });

  await run("node", ["main.js"], project, { ...appEnv, ACTIVE: "green" });
  await terraform("apply", "-auto-approve");
  expect(await countLandings(`${gateway.proxyUrl}/shop/x`, 10)).toEqual({ green: 10 });

  await terraform("destroy", "-auto-approve");
  for (const kind of ["routes", "services", "upstreams"]) {
    const { status, body } = await adminGet(gateway.adminUrl, `/apisix/admin/${kind}`, KEY);
    expect({ kind, status, total: body?.total }).toEqual({ kind, status: 200, total: 0 });
  }
  expect(outputs.join("\n")).not.toContain(KEY);
});
