import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../helper/gateway-process";

const ROOT = resolve(__dirname, "../..");
const CLI = join(ROOT, "dist/lib/cli/bluegreen.js");
const READY = /^bluegreen gateway ready: admin (http:\/\/\S+) proxy (http:\/\/\S+) metrics (http:\/\/\S+) \(flavor (\S+)\)$/m;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-cli-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}, 120_000);


interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [CLI, "gateway", ...args], {
    cwd: ROOT,
    env: { ...process.env, GATEWAY_ADMIN_KEY: "", ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitReady(r: Running): Promise<RegExpExecArray> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = READY.exec(r.stdout());
    if (m) return m;
    if (Date.now() > deadline || r.child.exitCode !== null) {
      throw new Error(`no ready line; stdout:\n${r.stdout()}\nstderr:\n${r.stderr()}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe("bluegreen gateway", () => {
  it("starts on free ports, prints one ready line, serves the Admin API and stops on SIGTERM", async () => {
    const r = run(["--admin-port", "0", "--proxy-port", "0", "--admin-key", "cli-key"]);
    const [, adminUrl, proxyUrl, metricsUrl, flavor] = await waitReady(r);
    expect(flavor).toBe("apisix");
    expect(r.stdout().match(/ready/g)).toHaveLength(1);
    expect(r.stdout()).not.toContain("cli-key");

    const put = await fetch(`${adminUrl}/apisix/admin/upstreams/u1`, {
      method: "PUT",
      headers: { "x-api-key": "cli-key" },
      body: JSON.stringify({ nodes: { "127.0.0.1:1980": 1 } }),
    });
    expect(put.status).toBe(201);
    const denied = await fetch(`${adminUrl}/apisix/admin/upstreams`);
    expect(denied.status).toBe(401);
    const proxied = await fetch(`${proxyUrl}/nothing-here`);
    expect(proxied.status).toBe(404);
    await proxied.text();
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apisix\/prometheus\/metrics$/);
    const metrics = await fetch(metricsUrl);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("# TYPE apisix_http_status counter");

    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
  });

  it("generates and prints a key once when none is given, and uses GATEWAY_ADMIN_KEY otherwise", async () => {
    const gen = run(["--admin-port", "0", "--proxy-port", "0"]);
    const [, adminUrl] = await waitReady(gen);
    const key = /generated admin key[^:]*: (\S+)/.exec(gen.stdout())?.[1];
    expect(key).toBeDefined();
    const ok = await fetch(`${adminUrl}/apisix/admin/routes`, { headers: { "x-api-key": key! } });
    expect(ok.status).toBe(200);
    gen.child.kill("SIGINT");
    expect(await gen.exited).toBe(0);

    const env = run(["--admin-port", "0", "--proxy-port", "0", "--flavor", "api7-ee"], { GATEWAY_ADMIN_KEY: "env-key" });
    const [, eeUrl, , , flavor] = await waitReady(env);
    expect(flavor).toBe("api7-ee");
    expect(env.stdout()).not.toContain("generated");
    const res = await fetch(`${eeUrl}/apisix/admin/routes?gateway_group_id=default`, { headers: { "x-api-key": "env-key" } });
    expect(res.status).toBe(200);
    env.child.kill("SIGTERM");
    expect(await env.exited).toBe(0);
  });

  it("reads the key from --admin-key-file (trimmed) and never shows it in argv or output", async () => {
    const key = "file-Key-7c1e9b42";
    const file = join(tempDir(), "admin.key");
    writeFileSync(file, `  ${key}\n`);
    const r = run(["--admin-port", "0", "--proxy-port", "0", "--admin-key-file", file]);
    try {
      const [, adminUrl] = await waitReady(r);
      const without = await fetch(`${adminUrl}/apisix/admin/routes`);
      expect(without.status).toBe(401);
      const wrong = await fetch(`${adminUrl}/apisix/admin/routes`, { headers: { "x-api-key": "not-the-key" } });
      expect(wrong.status).toBe(401);
      // the file holds "  <key>\n": only the trimmed key is accepted
      const withKey = await fetch(`${adminUrl}/apisix/admin/routes`, { headers: { "x-api-key": key } });
      expect(withKey.status).toBe(200);

      // what `ps` shows: the process's argv, NUL-separated
      const argv = readFileSync(`/proc/${r.child.pid}/cmdline`, "utf8").split("\0");
      expect(argv).toEqual(expect.arrayContaining(["--admin-key-file", file]));
      expect(argv.join(" ")).not.toContain(key);
    } finally {
      r.child.kill("SIGTERM");
    }
    expect(await r.exited).toBe(0);
    expect(r.stdout() + r.stderr()).not.toContain(key);
    expect(r.stdout()).not.toContain("generated admin key");
  });

  it("--admin-key still works but warns on stderr that the key is visible in process listings", async () => {
    const r = run(["--admin-port", "0", "--proxy-port", "0", "--admin-key", "visible-key"]);
    try {
      const [, adminUrl] = await waitReady(r);
      const ok = await fetch(`${adminUrl}/apisix/admin/routes`, { headers: { "x-api-key": "visible-key" } });
      expect(ok.status).toBe(200);
    } finally {
      r.child.kill("SIGTERM");
    }
    expect(await r.exited).toBe(0);
    expect(r.stderr()).toContain(
      "bluegreen gateway: warning: --admin-key is visible to every user of this machine in process listings (ps); " +
        "use --admin-key-file PATH or $GATEWAY_ADMIN_KEY",
    );
    expect(r.stdout() + r.stderr()).not.toContain("visible-key");
  });

  it("refuses a missing, unreadable or empty --admin-key-file, and --admin-key together with it", async () => {
    const dir = tempDir();
    const empty = join(dir, "empty.key");
    writeFileSync(empty, " \n\t\n");
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    const good = join(dir, "good.key");
    writeFileSync(good, "k\n");
    const cases: [string[], string][] = [
      [["--admin-key-file", join(dir, "missing.key")], `cannot read --admin-key-file ${JSON.stringify(join(dir, "missing.key"))}: ENOENT`],
      [["--admin-key-file", folder], `cannot read --admin-key-file ${JSON.stringify(folder)}: EISDIR`],
      [["--admin-key-file", empty], `invalid --admin-key-file ${JSON.stringify(empty)}: the file is empty (or only whitespace)`],
      [["--admin-key-file", ""], 'invalid --admin-key-file "": expected a file path'],
      [["--admin-key-file", good, "--admin-key", "k"], "--admin-key and --admin-key-file cannot be used together"],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(await r.exited).toBe(2);
      expect(r.stderr()).toContain(`bluegreen gateway: ${message}`);
    }
  });

  it("persists to --state-file", async () => {
    const file = join(tempDir(), "state.json");
    const r = run(["--admin-port", "0", "--proxy-port", "0", "--admin-key", "k", "--state-file", file]);
    const [, adminUrl] = await waitReady(r);
    const put = await fetch(`${adminUrl}/apisix/admin/services/s1`, { method: "PUT", headers: { "x-api-key": "k" }, body: "{}" });
    expect(put.status).toBe(201);
    expect(JSON.parse(readFileSync(file, "utf8")).services.s1.value.id).toBe("s1");
    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
  });

  it("serves the metrics on --metrics-port and fails clearly when that port is taken", async () => {
    const port = await freePort();
    const r = run(["--admin-port", "0", "--proxy-port", "0", "--metrics-port", String(port), "--admin-key", "k"]);
    const [, , , metricsUrl] = await waitReady(r);
    expect(metricsUrl).toBe(`http://127.0.0.1:${port}/apisix/prometheus/metrics`);
    const busy = run(["--admin-port", "0", "--proxy-port", "0", "--metrics-port", String(port), "--admin-key", "k"]);
    expect(await busy.exited).toBe(1);
    expect(busy.stderr()).toContain(`cannot listen for the metrics on 127.0.0.1:${port}: EADDRINUSE`);
    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
  });

  it.each([
    [["--metrics-port", "70000"], /invalid --metrics-port "70000": expected an integer from 0 to 65535/],
    [["--flavor", "kong"], /invalid --flavor "kong": expected "apisix" or "api7-ee"/],
    [["--admin-port", "99999"], /invalid --admin-port "99999": expected an integer from 0 to 65535/],
    [["--proxy-port", "abc"], /invalid --proxy-port "abc"/],
    [["--nope"], /Unknown option '--nope'/],
    [["--host", "0.0.0.0"], /refusing to listen on non-loopback host 0\.0\.0\.0 without an explicit admin key/],
  ])("refuses bad flags %j", async (args, message) => {
    const r = run(args as string[]);
    expect(await r.exited).toBe(2);
    expect(r.stderr()).toMatch(message as RegExp);
  });

  it("exits 1 with a clear error on a corrupt state file", async () => {
    const file = join(tempDir(), "state.json");
    writeFileSync(file, "garbage");
    const r = run(["--admin-port", "0", "--proxy-port", "0", "--admin-key", "k", "--state-file", file]);
    expect(await r.exited).toBe(1);
    expect(r.stderr()).toContain(`gateway state file ${file} is corrupt`);
  });

  it("prints help", async () => {
    const r = run(["--help"]);
    expect(await r.exited).toBe(0);
    expect(r.stdout()).toContain("--state-file PATH");
    expect(r.stdout()).toContain("--metrics-port N");
  });
});
