/**
 * The README's "Starting from `cdktf init`" section, followed as a new user would: the package is packed, a project
 * is made with the real `cdktf init` in a temp folder outside the repository, and the section's fenced blocks run in
 * order: each `sh` line is a command (`cd` and `export` change where and with what the next ones run), each `ts`
 * block replaces the file named on its first line. Only what needs a second terminal is provided by the test: the
 * embedded gateway and two backends, on free ports (the `ts` blocks' fixed ports are swapped for them), and the
 * admin key is the test's own (only in the environment). `curl` lines become requests through the gateway's proxy,
 * counted by the color the line's comment names. Needs the npm registry (npm install in the temp project).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type * as GatewayModule from "../../lib/gateway";
import { type Backend, startBackends } from "../helper/backends";
import { REPO_ROOT } from "../helper/terraform";
import { adminGet, countLandings } from "../helper/traffic";

jest.setTimeout(900_000);

const KEY = "init-Key-Scan-5c1d8e2a7b";
const SECTION = "## Starting from `cdktf init`";
const PKG = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { name: string; version: string };
/** Scripts npm runs in the user's install of a package (npm 11 names them in `npm warn install-scripts` lines). */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

interface Block {
  readonly lang: string;
  readonly body: string;
}

/** The fenced blocks of the README section, in order. */
function sectionBlocks(): Block[] {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  const text = readme.slice(start, end < 0 ? undefined : end);
  return [...text.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }));
}

interface Run {
  readonly command: string;
  readonly code: number;
  readonly output: string;
}

/** Process groups started by `run` that still had a member once their shell had exited. */
const leftovers: string[] = [];

/** Runs `command` with bash in its own process group; the whole group is killed on timeout. */
function run(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 480_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      killGroup(child.pid!);
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", async (code, signal) => {
      clearTimeout(timer);
      if (await groupOutlives(child.pid!)) {
        leftovers.push(command);
        killGroup(child.pid!);
      }
      resolve({ command, code: code ?? (signal ? 128 : 1), output });
    });
  });
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** True when a member of process group `pgid` is still alive 2 s after its leader exited. */
async function groupOutlives(pgid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return false;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Every regular file below `dir`, without installed packages and Terraform's own folder. */
function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === "node_modules" || name === ".terraform") return [];
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Replaces `from` (which must occur exactly once: the README and this test must not drift apart) by `to`. */
function replaceOnce(text: string, from: string, to: string, where: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${where}: expected "${from}" exactly once, found it ${count} times`);
  return text.replace(from, to);
}

describe("README: Starting from `cdktf init`", () => {
  let root: string;
  let gateway: GatewayModule.RunningGateway | undefined;
  let backends: Backend[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "bluegreen-cdktf-init-"));
    backends = await startBackends(["blue", "green"]);
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(backends.map((b) => b.close()));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("init, install the tarball, snapshot test, deploy blue, flip to green, destroy", async () => {
    // The environment of a user's shell: none of npm's or jest's variables of this run, no node_modules/.bin of this
    // repository on PATH, not CI (jest would refuse to write the first snapshot), an empty Terraform CLI config, temp
    // files below `root`.
    mkdirSync(path.join(root, "tmp"));
    writeFileSync(path.join(root, "terraformrc"), "");
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (/^(npm_|jest_|bluegreen_)/i.test(k) || ["CI", "NODE_ENV", "INIT_CWD", "NODE_OPTIONS", "GATEWAY_ADMIN_KEY"].includes(k)) continue;
      env[k] = v;
    }
    env.PATH = (process.env.PATH ?? "")
      .split(path.delimiter)
      .filter((dir) => !/node_modules[\\/]\.bin$|node-gyp-bin$/.test(dir))
      .join(path.delimiter);
    env.TMPDIR = path.join(root, "tmp");
    env.TF_CLI_CONFIG_FILE = path.join(root, "terraformrc");

    const runs: Run[] = [];
    const runOk = async (command: string, cwd: string, expectFailure = false): Promise<Run> => {
      const result = await run(command, cwd, env);
      runs.push(result);
      if ((result.code !== 0) !== expectFailure) {
        throw new Error(`\`${command}\` in ${cwd} exited ${result.code}, expected ${expectFailure ? "a failure" : "0"}:\n${result.output.slice(-4000)}`);
      }
      return result;
    };

    // The clone of "Using it in your infrastructure repo", packed next to the new project (prepack builds dist/).
    const packDir = path.join(root, "cdktf-apisix-bluegreen");
    mkdirSync(packDir);
    await runOk(`npm pack --pack-destination ${packDir}`, REPO_ROOT);
    expect(readdirSync(packDir)).toEqual([`${PKG.name}-${PKG.version}.tgz`]);

    // the gateway of the packed build, and its admin key only in memory and in the environment of the commands
    const { startGateway } = require(path.join(REPO_ROOT, "dist", "lib", "gateway")) as typeof GatewayModule;
    gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY });
    const [blue, green] = backends;
    const proxyUrl = gateway.proxyUrl;

    let cwd = root;
    const landed: string[] = [];
    const blocks = sectionBlocks();
    expect(blocks.map((b) => b.lang)).toEqual(["sh", "ts", "ts", "sh"]);
    for (const block of blocks) {
      if (block.lang === "ts") {
        const [first, ...rest] = block.body.split("\n");
        const file = /^\/\/ (\S+)$/.exec(first)?.[1];
        if (!file) throw new Error(`a ts block of the section must start with "// <file>", got ${first}`);
        const target = path.join(cwd, file);
        expect({ file, inTemplate: existsSync(target) }).toEqual({ file, inTemplate: true });
        let text = rest.join("\n");
        if (file === "main.ts") {
          text = replaceOnce(text, `"http://127.0.0.1:9180"`, JSON.stringify(gateway.adminUrl), file);
          text = replaceOnce(text, `{ host: "127.0.0.1", port: 8081 }`, `{ host: "${blue.host}", port: ${blue.port} }`, file);
          text = replaceOnce(text, `{ host: "127.0.0.1", port: 8082 }`, `{ host: "${green.host}", port: ${green.port} }`, file);
        }
        writeFileSync(target, text);
        continue;
      }
      for (const line of block.body.split("\n").filter((l) => l.trim() !== "")) {
        const [, raw, comment = ""] = /^(.*?)(?:\s*#\s*(.*))?$/.exec(line)!;
        const command = raw.trim();
        if (command === "") {
          // `# change active: "blue" to "green" in main.ts, then`
          const edit = /^change (\w+): ("\w+") to ("\w+") in (\S+), then$/.exec(comment);
          if (!edit) throw new Error(`unknown comment line in the section: ${line}`);
          const file = path.join(cwd, edit[4]);
          writeFileSync(file, replaceOnce(readFileSync(file, "utf8"), `${edit[1]}: ${edit[2]}`, `${edit[1]}: ${edit[3]}`, edit[4]));
        } else if (comment.startsWith("terminal")) {
          // long-running, in another terminal: the test runs its own on free ports
          if (command === "npx bluegreen gateway") {
            // the package's bin is installed and runs
            expect((await runOk("npx bluegreen --version", cwd)).output.trim()).toBe(PKG.version);
          } else if (!(command.startsWith("node -e") && command.includes(`["blue", 8081]`) && command.includes(`["green", 8082]`))) {
            throw new Error(`unknown long-running command in the section: ${command}`);
          }
        } else if (/^export \w+=/.test(command)) {
          const [, name, value] = /^export (\w+)=(.*)$/.exec(command)!;
          env[name] = name === "GATEWAY_ADMIN_KEY" ? KEY : value;
        } else if (/^curl /.test(command)) {
          const url = /^curl localhost:9080(\/\S*)$/.exec(command)?.[1];
          const color = /^(blue|green)\b/.exec(comment)?.[1];
          if (!url || !color) throw new Error(`curl lines must be "curl localhost:9080/<path>   # <color>", got ${line}`);
          expect({ line, landings: await countLandings(proxyUrl + url, 10) }).toEqual({ line, landings: { [color]: 10 } });
          landed.push(color);
        } else {
          for (const part of command.split(" && ")) {
            const cd = /^cd (\S+)$/.exec(part);
            if (cd) cwd = path.resolve(cwd, cd[1]);
            else await runOk(part, cwd, /^fails\b/.test(comment));
          }
        }
      }
    }
    const project = cwd;
    expect(path.dirname(project)).toBe(root);

    // what the section did: two deploys, requests on blue then on green, a destroy
    expect(landed).toEqual(["blue", "green"]);
    const commands = runs.map((r) => r.command);
    expect(commands.filter((c) => c === "npx cdktf deploy --auto-approve")).toHaveLength(2);
    expect(commands.filter((c) => c === "npx cdktf destroy --auto-approve")).toHaveLength(1);
    expect(readFileSync(path.join(project, "__tests__", "__snapshots__", "main-test.ts.snap"), "utf8")).toContain("/apisix/admin/services/shop");
    expect(require(path.join(project, "node_modules", "typescript", "package.json")).version).toMatch(/^5\./);

    // destroy left the gateway without the stack's objects
    for (const kind of ["routes", "services", "upstreams"]) {
      const { status, body } = await adminGet(gateway.adminUrl, `/apisix/admin/${kind}`, KEY);
      expect({ kind, status, total: body?.total }).toEqual({ kind, status: 200, total: 0 });
    }

    // the installed package runs no install script: none named by npm's warning, none in its package.json
    const output = runs.map((r) => `$ ${r.command}\n${r.output}`).join("\n");
    expect(output.split("\n").filter((l) => l.includes("install-scripts") && l.includes(PKG.name))).toEqual([]);
    const installed = JSON.parse(readFileSync(path.join(project, "node_modules", PKG.name, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    expect(INSTALL_SCRIPTS.filter((s) => installed.scripts?.[s] !== undefined)).toEqual([]);
    // CHECKPOINT_DISABLE=1: cdktf did not call home
    expect(output).not.toContain("checkpoint-api");

    // the key is in nothing printed and nothing written: synth output, state, snapshots
    expect(output).not.toContain(KEY);
    const files = listFiles(project);
    expect(files.filter((f) => f.endsWith(".tfstate"))).not.toEqual([]);
    expect(files.filter((f) => f.endsWith("cdk.tf.json"))).not.toEqual([]);
    expect(files.filter((f) => readFileSync(f, "utf8").includes(KEY))).toEqual([]);

    // no process of the run outlived its command
    expect(leftovers).toEqual([]);
  });
});
