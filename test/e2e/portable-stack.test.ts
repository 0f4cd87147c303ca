/**
 * Issue 11, portability: a synthesized stack folder deploys wherever it is copied. The stack is synthesized in a
 * project folder, `stacks/<stack>` is copied to a temp folder with no node_modules on any parent path (as a CI job
 * that only receives the artifact), and real Terraform applies it, applies a flip (re-synth, copy again over the
 * folder that holds the state), and destroys it there against the embedded gateway; requests through the gateway
 * show the colors. Once over plain http, once over https with a private CA (`tls.caFile`, which must travel with
 * the folder): a TLS front for the embedded gateway's Admin API, with a self-signed certificate made by openssl.
 * Also: two synths of one package version write byte-identical stack folders, free of absolute paths.
 */
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { awayFixture, userEnv } from "../helper/away-from-repo";
import { REPO_ROOT, type RunResult, runTerraform } from "../helper/terraform";
import { forwardTo } from "../helper/tls-server";
import { adminGet, countLandings } from "../helper/traffic";

jest.setTimeout(300_000);

const KEY = "portable-Admin-Key-93b1e0c4";
const STACK = "shop";

/** Every file below `dir`, relative to it, with its bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = path.join(sub, name);
      if (statSync(path.join(dir, rel)).isDirectory()) walk(rel);
      else out.set(rel, readFileSync(path.join(dir, rel)));
    }
  };
  walk("");
  return out;
}

/** The folders at and above `dir` that hold a node_modules. */
function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, "node_modules"))) found.push(d);
    if (path.dirname(d) === d) return found;
  }
}

/** An https server in front of `target` (the gateway's Admin API), with the certificate in `dir`. */
async function startTlsFront(dir: string, target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = https.createServer({ key: readFileSync(path.join(dir, "key.pem")), cert: readFileSync(path.join(dir, "ca.pem")) }, forwardTo(target));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const away = awayFixture("portable", KEY);

interface Project {
  /** The project folder, where the app synthesizes (and where a relative caFile lives). */
  readonly dir: string;
  readonly adminUrl: string;
  readonly caFile?: string;
}

/** Synthesizes the stack in `project` into `<project>/cdktf.out`; returns the stack folder. */
function synth(project: Project, active: "blue" | "green", outdir = path.join(project.dir, "cdktf.out")): string {
  const [blue, green] = away.backends;
  const cwd = process.cwd();
  process.chdir(project.dir); // a relative caFile is the project's, as under `cdktf synth`
  try {
    const app = new App({ outdir, stackTraces: false });
    const stack = new TerraformStack(app, STACK);
    new LocalBackend(stack, { path: "terraform.tfstate" });
    const connection = new GatewayConnection(stack, "gateway", {
      adminUrl: project.adminUrl,
      owner: "portable-test",
      ...(project.caFile === undefined ? {} : { tls: { caFile: project.caFile } }),
    });
    const service = new BlueGreenService(stack, "service", {
      gateway: connection,
      serviceId: "shop",
      blue: { nodes: [{ host: blue.host, port: blue.port }], scheme: "http", passHost: "node" },
      green: { nodes: [{ host: green.host, port: green.port }], scheme: "http", passHost: "node" },
      active,
    });
    new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
    app.synth();
  } finally {
    process.chdir(cwd);
  }
  return path.join(outdir, "stacks", STACK);
}

describe.each([
  { name: "http", tls: false },
  { name: "https with tls.caFile", tls: true },
])("a copied stack folder applies, flips and destroys ($name)", ({ name, tls }) => {
  let project: Project;
  let folder: string;
  let front: Awaited<ReturnType<typeof startTlsFront>> | undefined;
  const outputs: string[] = [];

  beforeAll(async () => {
    const dir = path.join(away.root, `project-${tls ? "tls" : "http"}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ app: "node main.js" }));
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "portable-project" }));
    if (tls) {
      mkdirSync(path.join(dir, "certs"));
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        { cwd: path.join(dir, "certs"), stdio: "pipe" },
      );
      front = await startTlsFront(path.join(dir, "certs"), away.gateway.adminUrl);
    }
    project = { dir, adminUrl: front?.url ?? away.gateway.adminUrl, ...(tls ? { caFile: "certs/ca.pem" } : {}) };
    // the CI job's folder: nothing of the project, no node_modules anywhere above it
    folder = path.join(away.root, `ci-job-${tls ? "tls" : "http"}`, "stack");
    mkdirSync(folder, { recursive: true });
  });

  afterAll(async () => {
    await front?.close();
  });

  /** Synthesizes in the project and copies the stack folder over `folder` (which keeps its state and .terraform). */
  function synthAndCopy(active: "blue" | "green"): void {
    cpSync(synth(project, active), folder, { recursive: true });
  }

  /** Terraform in the copied folder, as a runner with node and terraform but not the project would run it. */
  async function terraformOk(args: string[], cwd = folder): Promise<RunResult> {
    const env = userEnv({
      TMPDIR: os.tmpdir(),
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_CLI_CONFIG_FILE: path.join(away.root, "terraformrc"),
      GATEWAY_ADMIN_KEY: KEY,
    });
    writeFileSync(env.TF_CLI_CONFIG_FILE!, "");
    const result = await runTerraform(cwd, [...args, "-input=false", "-no-color"], env);
    outputs.push(result.output);
    if (result.code !== 0) throw new Error(`terraform ${args.join(" ")} in ${cwd} failed:\n${result.output}`);
    return result;
  }

  test("deploy blue, flip to green (terraform -chdir), destroy: all from the copied folder", async () => {
    expect(nodeModulesAbove(folder)).toEqual([]);
    synthAndCopy("blue");
    const config = readFileSync(path.join(folder, "cdk.tf.json"), "utf8");
    // the stack folder names the hook (and the CA) by relative paths, and they are in it
    const hooks = [...new Set([...config.matchAll(/"command": "node (\S+) \w+"/g)].map((m) => m[1]))];
    expect(hooks).toHaveLength(1);
    expect(existsSync(path.join(folder, hooks[0]))).toBe(true);
    if (tls) {
      const caFiles = [...new Set([...config.matchAll(/"tls_ca_file": "([^"]+)"/g)].map((m) => m[1]))];
      expect(caFiles).toHaveLength(1);
      expect(path.isAbsolute(caFiles[0])).toBe(false);
      expect(readFileSync(path.join(folder, caFiles[0]), "utf8")).toBe(readFileSync(path.join(project.dir, "certs", "ca.pem"), "utf8"));
    }

    await terraformOk(["init"]);
    await terraformOk(["apply", "-auto-approve"]);
    expect(await countLandings(`${away.gateway.proxyUrl}/shop/x`, 10)).toEqual({ blue: 10 });
    // bluegreen drift, given the stack folder, finds the CA (if any) there too, wherever it runs from
    // (a child process, asynchronously: the gateway answers from this one)
    const drift = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const cli = path.join(REPO_ROOT, "dist", "lib", "cli", "bluegreen.js");
      execFile(process.execPath, [cli, "drift", "--stack", folder], { cwd: away.root, env: userEnv({ GATEWAY_ADMIN_KEY: KEY }) }, (error, _out, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    expect(drift).toEqual({ code: 0, stderr: "" });

    // the flip: a new artifact over the folder that holds the state; Terraform started elsewhere with -chdir
    synthAndCopy("green");
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), "bluegreen-elsewhere-"));
    try {
      await terraformOk([`-chdir=${folder}`, "apply", "-auto-approve"], elsewhere);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(await countLandings(`${away.gateway.proxyUrl}/shop/x`, 10)).toEqual({ green: 10 });

    await terraformOk(["destroy", "-auto-approve"]);
    for (const kind of ["routes", "services", "upstreams"]) {
      const { status, body } = await adminGet(away.gateway.adminUrl, `/apisix/admin/${kind}`, KEY);
      expect({ kind, status, total: body?.total }).toEqual({ kind, status: 200, total: 0 });
    }
    // the hooks ran (one line each) and the key is in nothing printed
    expect(outputs.join("\n")).toMatch(/bluegreen: /);
    expect(outputs.join("\n")).not.toContain(KEY);
  });

  test(`two synths of one package version write byte-identical stack folders, without absolute paths (${name})`, () => {
    const a = filesOf(synth(project, "green", path.join(away.root, `same-a-${tls}`)));
    const b = filesOf(synth(project, "green", path.join(away.root, `same-b-${tls}`)));
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [file, bytes] of a) expect({ file, same: bytes.equals(b.get(file)!) }).toEqual({ file, same: true });
    const config = a.get("cdk.tf.json")!.toString("utf8");
    for (const absolute of [away.root, REPO_ROOT, os.tmpdir(), os.homedir()]) expect(config).not.toContain(absolute);
    expect(config).not.toMatch(/"\/(home|root|tmp|Users|work)\//);
  });
});
