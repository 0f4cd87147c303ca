/**
 * TLS options end to end (in-process): self-signed gateway certificate rejected without a CA (not retried),
 * accepted with `tls_ca_file` (relative paths resolved against the stack folder, where synthesis lays the file; the
 * project's, for requests written before) or `tls_insecure_skip_verify`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminClient } from "../../lib/client/admin-client";
import { AdminApiError } from "../../lib/client/errors";
import { findProjectRoot, resolveProjectFile } from "../../lib/deploy/project-root";
import { runHook } from "../../lib/hook/run-hook";
import { type SelfSignedServer, startSelfSignedServer } from "../helper/tls-server";

const KEY = "sk-TLS-SECRET-0a1b2c3d";
let tlsServer: SelfSignedServer;
let dir: string;
let url: string;
let hits = 0;

beforeAll(async () => {
  tlsServer = await startSelfSignedServer((req, res) => {
    hits++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ key: "/apisix/routes/r1", value: { id: "r1", uri: "/" } }));
  });
  ({ dir, url } = tlsServer);
});

afterAll(() => tlsServer.close());

beforeEach(() => {
  hits = 0;
});

test("self-signed certificate without a CA: clear error, not retried", async () => {
  const client = new AdminClient({ adminUrl: url, flavor: "apisix", adminKey: KEY, retryBudgetMs: 5_000 });
  const err = (await client.get("/apisix/admin/routes/r1").catch((e: unknown) => e)) as AdminApiError;
  await client.close();
  expect(err).toBeInstanceOf(AdminApiError);
  expect(err.kind).toBe("tls");
  expect(err.attempts).toBe(1);
  expect(err.message).toMatch(new RegExp(`^TLS verification of the gateway at ${url.replace(/\./g, "\\.")} failed: .*self.signed`));
  expect(err.message).toContain("set tls_ca_file");
});

test("tls_ca_file and tls_insecure_skip_verify both work", async () => {
  const withCa = new AdminClient({ adminUrl: url, flavor: "apisix", adminKey: KEY, tls: { caFile: join(dir, "ca.pem") } });
  expect(await withCa.get("/apisix/admin/routes/r1")).toMatchObject({ id: "r1" });
  await withCa.close();
  const insecure = new AdminClient({ adminUrl: url, flavor: "apisix", adminKey: KEY, tls: { insecureSkipVerify: true } });
  expect(await insecure.get("/apisix/admin/routes/r1")).toMatchObject({ id: "r1" });
  await insecure.close();
});

test("project root: nearest ancestor with cdktf.json, else cwd", () => {
  const project = join(dir, "proj");
  const stackDir = join(project, "cdktf.out", "stacks", "dev");
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(join(project, "cdktf.json"), "{}");
  expect(findProjectRoot(stackDir)).toBe(project);
  expect(resolveProjectFile("certs/ca.pem", stackDir)).toBe(join(project, "certs/ca.pem"));
  expect(resolveProjectFile("/abs/ca.pem", stackDir)).toBe("/abs/ca.pem");
  const lonely = mkdtempSync(join(tmpdir(), "bluegreen-noproj-"));
  try {
    expect(findProjectRoot(lonely)).toBe(lonely);
  } finally {
    rmSync(lonely, { recursive: true, force: true });
  }
});

describe("hook with tls_ca_file", () => {
  const project = () => join(dir, "hookproj");
  const stackDir = () => join(project(), "cdktf.out", "stacks", "dev");
  beforeAll(() => {
    mkdirSync(join(project(), "certs"), { recursive: true });
    mkdirSync(join(stackDir(), "assets", "gw_CaFile", "ca"), { recursive: true });
    writeFileSync(join(project(), "cdktf.json"), "{}");
    writeFileSync(join(project(), "certs", "ca.pem"), readFileSync(join(dir, "ca.pem")));
    writeFileSync(join(stackDir(), "assets", "gw_CaFile", "ca", "ca.pem"), readFileSync(join(dir, "ca.pem")));
  });

  function run(caFile: string) {
    const out: string[] = [];
    const errs: string[] = [];
    const request = {
      kind: "sweep",
      owner: "conn",
      keep: [],
      gateway: { admin_url: url, flavor: "apisix", admin_key_env: "TLS_KEY", tls_ca_file: caFile, retry_budget_ms: 0 },
      construct_path: "stack/conn",
    };
    return runHook("sweep", {
      env: { BLUEGREEN_REQUEST: JSON.stringify(request), TLS_KEY: KEY },
      cwd: stackDir(),
      stdout: (l) => out.push(l),
      stderr: (l) => errs.push(l),
    }).then((code) => ({ code, out, errs }));
  }

  // The fake answers every GET with a single object, which is not a list: the sweep reaches the gateway over TLS
  // and then fails on the envelope. Reaching it proves the CA was found and trusted.
  const reachedOverTls = (res: { code: number; errs: string[] }) => {
    expect(hits).toBeGreaterThan(0);
    expect(res.code).toBe(1);
    expect(res.errs.join("\n")).toMatch(/unexpected body/);
    expect(res.errs.join("\n")).not.toMatch(/TLS verification/);
  };

  test("a relative CA path is resolved against the stack folder (the hook's cwd), where synthesis laid the file", async () => {
    reachedOverTls(await run("assets/gw_CaFile/ca/ca.pem"));
  });

  test("a relative CA path written before the stack folder carried the file is still found in the project", async () => {
    reachedOverTls(await run("certs/ca.pem"));
  });

  test("a missing CA file names the path resolved against the stack folder", async () => {
    const res = await run("certs/missing.pem");
    expect(res.code).toBe(1);
    expect(res.errs).toEqual([
      expect.stringContaining(`bluegreen: cannot read the gateway CA file ${join(stackDir(), "certs/missing.pem")} (tls_ca_file)`),
    ]);
    expect(hits).toBe(0);
  });
});
