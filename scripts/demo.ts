/**
 * `npm run demo`: the seed's blue-green scenario end to end on this machine, with no API7 instance.
 *
 * Starts the embedded gateway and two loopback backends (blue answers v1, green v2), then runs the real
 * `cdktf deploy` of main.ts four times: blue, flip to green, (preview check), rollback to blue, and prints where
 * requests landed after each step. Gateway state, cdktf.out and Terraform state live in a fresh temp folder, so
 * the demo can run any number of times; Terraform runs the hook synthesis laid into the stack folder there.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { startGateway } from "../lib/gateway";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const REQUESTS = 10;

interface Backend {
  readonly name: string;
  readonly address: string;
  close(): Promise<void>;
}

/** A loopback HTTP server standing in for one environment of the seed (blue = mock.api7.ai, green = httpbin.org). */
async function startEnvironment(name: string, version: string): Promise<Backend> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json", "x-backend": name });
    res.end(JSON.stringify({ environment: name, version, path: req.url, host: req.headers.host }) + "\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    address: `127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function landings(url: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < REQUESTS; i++) {
    const res = await fetch(url, { headers });
    await res.text();
    const key = res.status === 200 ? (res.headers.get("x-backend") ?? "?") : `HTTP ${res.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function format(counts: Record<string, number>): string {
  return ["blue", "green"].map((c) => `${c} ${counts[c] ?? 0}`).concat(
    Object.entries(counts).filter(([k]) => k !== "blue" && k !== "green").map(([k, v]) => `${k} ${v}`),
  ).join(", ");
}

/** Runs the real `cdktf deploy` of main.ts; returns its wall time in seconds. */
function cdktfDeploy(workDir: string, env: NodeJS.ProcessEnv, step: string): Promise<number> {
  const cdktf = path.join(REPO_ROOT, "node_modules", ".bin", "cdktf");
  const log = path.join(workDir, `${step}.log`);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(cdktf, ["deploy", "--auto-approve", "--output", path.join(workDir, "cdktf.out")], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      writeFileSync(log, output);
      if (code === 0) resolve(Number(process.hrtime.bigint() - started) / 1e9);
      else reject(new Error(`cdktf deploy (${step}) failed with exit code ${code}; full log: ${log}\n${output.slice(-3000)}`));
    });
  });
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), "bluegreen-demo-"));
  writeFileSync(path.join(workDir, "terraformrc"), "");

  // a key you set is used (to call the Admin API yourself while the demo runs); otherwise a random one
  const adminKey = process.env.GATEWAY_ADMIN_KEY || randomBytes(18).toString("base64url");
  const gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey, stateFile: path.join(workDir, "gateway-state.json") });
  const blue = await startEnvironment("blue", "v1");
  const green = await startEnvironment("green", "v2");
  console.log(`embedded gateway: admin ${gateway.adminUrl}, proxy ${gateway.proxyUrl}`);
  console.log(`blue environment ${blue.address} (v1), green environment ${green.address} (v2)`);
  console.log(`work folder: ${workDir}\n`);

  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    GATEWAY_ADMIN_URL: gateway.adminUrl,
    GATEWAY_ADMIN_KEY: adminKey,
    BLUE_UPSTREAM: blue.address,
    GREEN_UPSTREAM: green.address,
    UPSTREAM_SCHEME: "http",
    BLUEGREEN_TF_STATE: path.join(workDir, "terraform.tfstate"),
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_CLI_CONFIG_FILE: path.join(workDir, "terraformrc"),
    CI: "1",
  };
  const url = `${gateway.proxyUrl}/headers`;
  const rows: Array<{ step: string; active: string; deploy: string; plain: string; preview: string }> = [];

  const steps: Array<{ step: string; active: "blue" | "green"; preview: "blue" | "green" }> = [
    { step: "deploy", active: "blue", preview: "green" },
    { step: "flip", active: "green", preview: "blue" },
    { step: "rollback", active: "blue", preview: "green" },
  ];
  try {
    for (const s of steps) {
      process.stdout.write(`${s.step}: cdktf deploy with active: "${s.active}" ... `);
      const seconds = await cdktfDeploy(workDir, { ...baseEnv, ACTIVE_COLOR: s.active }, s.step);
      const plain = await landings(url);
      const preview = await landings(url, { "X-Env": s.preview });
      console.log(`done in ${seconds.toFixed(1)} s`);
      console.log(`  ${REQUESTS} x GET /headers              -> ${format(plain)}`);
      console.log(`  ${REQUESTS} x GET /headers X-Env: ${s.preview.padEnd(5)} -> ${format(preview)}`);
      rows.push({ step: s.step, active: s.active, deploy: `${seconds.toFixed(1)} s`, plain: format(plain), preview: `X-Env: ${s.preview} -> ${format(preview)}` });
    }
  } catch (error) {
    console.error(`work folder kept for inspection: ${workDir}`);
    throw error;
  } finally {
    await gateway.close();
    await blue.close();
    await green.close();
  }

  console.log("\nsummary");
  console.table(rows);
  const ok =
    rows[0].plain === `blue ${REQUESTS}, green 0` &&
    rows[1].plain === `blue 0, green ${REQUESTS}` &&
    rows[2].plain === `blue ${REQUESTS}, green 0`;
  console.log(ok ? "blue-green release and rollback: every request landed where the active color said" : "UNEXPECTED: see the table");
  if (!ok) process.exitCode = 1;
  if (ok && process.env.BLUEGREEN_DEMO_KEEP !== "1") {
    rmSync(workDir, { recursive: true, force: true });
    console.log(`work folder ${workDir} removed (set BLUEGREEN_DEMO_KEEP=1 to keep it)`);
  } else {
    console.log(`work folder kept: ${workDir}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
