/**
 * The embedded gateway as a CHILD PROCESS (`node dist/lib/cli/bluegreen.js gateway ...`), so tests can SIGKILL it and
 * restart it from its state file on the same ports. Needs `npm run build` (runs from dist/).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const CLI = path.join(REPO_ROOT, "dist", "lib", "cli", "bluegreen.js");
const READY = /^bluegreen gateway ready: admin (http:\/\/\S+) proxy (http:\/\/\S+) metrics (http:\/\/\S+) \(flavor (\S+)\)$/m;

/** A free TCP port on 127.0.0.1 (listen on 0, read the port, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface GatewayProcessOptions {
  readonly adminPort: number;
  readonly proxyPort: number;
  /** @default 0 (a free port: the gateway's own default, 9091, would collide between tests) */
  readonly metricsPort?: number;
  readonly adminKey: string;
  readonly stateFile: string;
  readonly flavor?: "apisix" | "api7-ee";
  /** Pass --verbose: one stderr line per Admin API request, written once the answer is sent. */
  readonly verbose?: boolean;
  /** Called with every complete stderr line as it arrives. */
  readonly onStderrLine?: (line: string) => void;
}

export interface GatewayProcess {
  readonly adminUrl: string;
  readonly proxyUrl: string;
  /** `http://127.0.0.1:<port>/apisix/prometheus/metrics` */
  readonly metricsUrl: string;
  readonly pid: number;
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code / signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (SIGKILL by default) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the gateway CLI and waits (up to 20 s) for its ready line. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const args = [
    CLI,
    "gateway",
    "--admin-port",
    String(options.adminPort),
    "--proxy-port",
    String(options.proxyPort),
    "--metrics-port",
    String(options.metricsPort ?? 0),
    "--flavor",
    options.flavor ?? "apisix",
    "--state-file",
    options.stateFile,
  ];
  if (options.verbose) args.push("--verbose");
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, GATEWAY_ADMIN_KEY: options.adminKey } });
  let out = "";
  let err = "";
  let partial = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    const text = d.toString();
    err += text;
    partial += text;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) options.onStderrLine?.(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gateway process not ready within 20 s\nstdout:\n${out}\nstderr:\n${err}`));
    }, 20_000);
    const check = () => {
      const m = READY.exec(out);
      if (m) {
        clearTimeout(deadline);
        child.stdout.off("data", check);
        resolve(m);
      }
    };
    child.stdout.on("data", check);
    void exited.then(({ code, signal }) => {
      clearTimeout(deadline);
      reject(new Error(`gateway process exited (code ${code}, signal ${signal}) before ready\nstdout:\n${out}\nstderr:\n${err}`));
    });
    check();
  });
  return {
    adminUrl: ready[1],
    proxyUrl: ready[2],
    metricsUrl: ready[3],
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal: NodeJS.Signals = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
