/**
 * `bluegreen gateway`: runs the embedded APISIX-compatible gateway (Admin API + proxy + metrics) until SIGINT/SIGTERM.
 * Prints one `bluegreen gateway ready: ...` line once every listener accepts connections.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { isLoopbackHost, startGateway, type GatewayOptions } from "../gateway/gateway";
import { DEFAULT_ADMIN_KEY_ENV, type Flavor } from "../model/gateway-request";
import { parseFlags } from "./parse-flags";

/**
 * Environment variable read for the admin key when neither `--admin-key-file` nor `--admin-key` is given: the one
 * the hooks read by default, so one `export` serves the gateway and `cdktf deploy`.
 */
export const ADMIN_KEY_ENV = DEFAULT_ADMIN_KEY_ENV;

const USAGE = `usage: bluegreen gateway [options]

Runs an APISIX-compatible gateway: the Admin API (/apisix/admin/...), a proxy that applies traffic-split, and
the prometheus plugin's metrics (GET /apisix/prometheus/metrics).

options:
  --admin-port N       Admin API port, 0 picks a free one (default 9180)
  --proxy-port N       proxy port, 0 picks a free one (default 9080)
  --metrics-port N     metrics port, 0 picks a free one (default 9091; a free one when --admin-port or
                       --proxy-port is 0)
  --host ADDR          listen address (default 127.0.0.1); a non-loopback address needs an explicit admin key
  --admin-key-file F   read the admin key from file F (surrounding whitespace trimmed)
                       (default: $${ADMIN_KEY_ENV}, else a random key printed once)
  --admin-key KEY      the key itself: visible to every user in process listings (ps); prefer the two above
  --flavor F           apisix | api7-ee (default apisix)
  --state-file PATH    persist every write to PATH and restore it at start-up
  --verbose            log every Admin API request to stderr (never the key)
  -h, --help           show this help
`;

/** A flag error: names the flag, the value and what is allowed. */
class UsageError extends Error {}

function parsePort(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(`invalid ${flag} ${JSON.stringify(value)}: expected an integer from 0 to 65535 (0 picks a free port)`);
  }
  return port;
}

function parseFlavor(value: string | undefined): Flavor {
  if (value === undefined) return "apisix";
  if (value === "apisix" || value === "api7-ee") return value;
  throw new UsageError(`invalid --flavor ${JSON.stringify(value)}: expected "apisix" or "api7-ee"`);
}

interface Parsed {
  help: boolean;
  verbose: boolean;
  options: GatewayOptions;
  /** True when the key was generated here and must be shown once. */
  generatedKey: boolean;
  /** Lines for stderr (never containing the key). */
  warnings: string[];
}

/** The key in `file`, without surrounding whitespace; a missing, unreadable or empty file is a UsageError. */
function readKeyFile(file: string): string {
  if (file === "") throw new UsageError('invalid --admin-key-file "": expected a file path');
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    // the code and message name the file, never its content
    const { code, message } = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot read --admin-key-file ${JSON.stringify(file)}: ${code ?? message}`);
  }
  const key = text.trim();
  if (key === "") throw new UsageError(`invalid --admin-key-file ${JSON.stringify(file)}: the file is empty (or only whitespace)`);
  return key;
}

function parse(args: readonly string[], env: NodeJS.ProcessEnv): Parsed {
  let values;
  try {
    values = parseFlags(args, {
      "admin-port": { type: "string" },
      "proxy-port": { type: "string" },
      "metrics-port": { type: "string" },
      host: { type: "string" },
      "admin-key": { type: "string" },
      "admin-key-file": { type: "string" },
      flavor: { type: "string" },
      "state-file": { type: "string" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const host = values.host ?? "127.0.0.1";
  if (host === "") throw new UsageError('invalid --host "": expected an IP address or host name');
  if (values["state-file"] === "") throw new UsageError('invalid --state-file "": expected a file path');
  if (values["admin-key"] === "") throw new UsageError('invalid --admin-key "": must not be empty');
  if (values["admin-key"] !== undefined && values["admin-key-file"] !== undefined) {
    throw new UsageError("--admin-key and --admin-key-file cannot be used together");
  }
  const warnings: string[] = [];
  if (values["admin-key"] !== undefined) {
    warnings.push(
      `warning: --admin-key is visible to every user of this machine in process listings (ps); ` +
        `use --admin-key-file PATH or $${ADMIN_KEY_ENV}`,
    );
  }
  const fileKey = values["admin-key-file"] === undefined ? undefined : readKeyFile(values["admin-key-file"]);
  const explicitKey = values["admin-key"] ?? fileKey ?? (env[ADMIN_KEY_ENV] || undefined);
  return {
    help: values.help === true,
    verbose: values.verbose === true,
    generatedKey: explicitKey === undefined,
    warnings,
    options: {
      adminPort: parsePort("--admin-port", values["admin-port"], 9180),
      proxyPort: parsePort("--proxy-port", values["proxy-port"], 9080),
      metricsPort: values["metrics-port"] === undefined ? undefined : parsePort("--metrics-port", values["metrics-port"], 0),
      host,
      adminKey: explicitKey,
      flavor: parseFlavor(values.flavor),
      stateFile: values["state-file"],
    },
  };
}

/** Resolves when the process receives SIGINT or SIGTERM. */
function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** Runs `bluegreen gateway`; resolves 0 after a clean shutdown, 2 on bad flags, 1 when start-up fails. */
export async function runGatewayCommand(args: readonly string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(args, process.env);
  } catch (err) {
    process.stderr.write(`bluegreen gateway: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { options } = parsed;
  for (const warning of parsed.warnings) process.stderr.write(`bluegreen gateway: ${warning}\n`);
  if (parsed.generatedKey && options.host !== undefined && !isLoopbackHost(options.host)) {
    process.stderr.write(
      `bluegreen gateway: refusing to listen on non-loopback host ${options.host} without an explicit admin key (--admin-key-file or $${ADMIN_KEY_ENV})\n`,
    );
    return 2;
  }
  const adminKey = options.adminKey ?? randomBytes(24).toString("base64url");
  const log = parsed.verbose ? (line: string) => process.stderr.write(`bluegreen gateway: ${line}\n`) : undefined;
  let gateway;
  try {
    gateway = await startGateway({ ...options, adminKey, log });
  } catch (err) {
    process.stderr.write(`bluegreen gateway: ${(err as Error).message}\n`);
    return 1;
  }
  const signal = waitForSignal();
  if (parsed.generatedKey) {
    process.stdout.write(`bluegreen gateway: generated admin key (shown once, set --admin-key-file or $${ADMIN_KEY_ENV} to choose one): ${adminKey}\n`);
  }
  process.stdout.write(
    `bluegreen gateway ready: admin ${gateway.adminUrl} proxy ${gateway.proxyUrl} metrics ${gateway.metricsUrl} (flavor ${gateway.flavor})\n`,
  );
  const received = await signal;
  process.stderr.write(`bluegreen gateway: ${received} received, shutting down\n`);
  await gateway.close();
  return 0;
}
