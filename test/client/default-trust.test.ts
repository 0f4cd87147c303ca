/**
 * The provider's default trust (lib/client/default-trust.ts): the real launcher script starts Node with an empty
 * OpenSSL store and NODE_EXTRA_CA_CERTS moved aside (unless NODE_OPTIONS chooses a store), and the client trusts,
 * for an https:// origin without tls_ca_file, exactly what Node would have: its bundled roots plus the extra file. A
 * real TLS server on 127.0.0.1 with a self-signed certificate, reached from a process started the way the launcher
 * starts the provider.
 */
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { rootCertificates } from "node:tls";
import { BUNDLED_ROOTS_ENV, DEFERRED_EXTRA_CA_ENV, defaultTrustCa } from "../../lib/client/default-trust";
import { LAUNCHER_SCRIPT } from "../../lib/provider/install-provider";
import { PROVIDER_BUNDLE } from "../../lib/provider/provider-address";
import { type SelfSignedServer, startSelfSignedServer } from "../helper/tls-server";

let tlsServer: SelfSignedServer;
let dir: string;
let caFile: string;

beforeAll(async () => {
  tlsServer = await startSelfSignedServer((_req, res) => res.end("trusted"));
  ({ dir, caFile } = tlsServer);
});

afterAll(() => tlsServer.close());

test("the launcher empties Node's store and moves NODE_EXTRA_CA_CERTS, unless NODE_OPTIONS chooses a store", () => {
  const folder = join(dir, "launcher");
  mkdirSync(folder);
  writeFileSync(join(folder, "launch"), LAUNCHER_SCRIPT);
  chmodSync(join(folder, "launch"), 0o755);
  // stands in for the bundle: prints how Node was started
  writeFileSync(
    join(folder, PROVIDER_BUNDLE),
    "const e = process.env; process.stdout.write(JSON.stringify({ flags: process.execArgv, node: e.NODE_EXTRA_CA_CERTS ?? null, " +
      `deferred: e.${DEFERRED_EXTRA_CA_ENV} ?? null, bundled: e.${BUNDLED_ROOTS_ENV} ?? null, file: e.SSL_CERT_FILE ?? null, args: process.argv.slice(2) }))`,
  );
  const run = (env: Record<string, string>) =>
    JSON.parse(execFileSync(join(folder, "launch"), ["a b", "c"], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" })) as unknown;
  const emptied = { flags: ["--use-openssl-ca"], node: null, bundled: "1", file: "/dev/null", args: ["a b", "c"] };
  expect(run({ NODE_EXTRA_CA_CERTS: "/etc/some ca.pem" })).toEqual({ ...emptied, deferred: "/etc/some ca.pem" });
  expect(run({})).toEqual({ ...emptied, deferred: null });
  // a store chosen in NODE_OPTIONS is left alone (and --use-openssl-ca next to --use-bundled-ca would not start)
  for (const choice of ["--use-bundled-ca", "--max-old-space-size=512 --use-openssl-ca"]) {
    expect(run({ NODE_OPTIONS: choice, NODE_EXTRA_CA_CERTS: "/x.pem" })).toEqual({ flags: [], node: "/x.pem", deferred: null, bundled: null, file: null, args: ["a b", "c"] });
  }
});

test("defaultTrustCa: Node's roots plus the extra file it did not load; nothing outside the provider; a warning when unreadable", () => {
  const pem = readFileSync(caFile, "utf8");
  expect(defaultTrustCa({})).toBeUndefined();
  expect(defaultTrustCa({ NODE_EXTRA_CA_CERTS: caFile })).toBeUndefined();
  expect(defaultTrustCa({ [DEFERRED_EXTRA_CA_ENV]: caFile })).toEqual([...rootCertificates, pem]);
  expect(defaultTrustCa({ [BUNDLED_ROOTS_ENV]: "1" })).toEqual([...rootCertificates]);
  expect(defaultTrustCa({ [BUNDLED_ROOTS_ENV]: "1", [DEFERRED_EXTRA_CA_ENV]: caFile })).toEqual([...rootCertificates, pem]);
  // explicit roots replace Node's store, so an extra file Node loaded itself is added too
  expect(defaultTrustCa({ [BUNDLED_ROOTS_ENV]: "1", NODE_EXTRA_CA_CERTS: caFile })).toEqual([...rootCertificates, pem]);
  const warnings: string[] = [];
  expect(defaultTrustCa({ [DEFERRED_EXTRA_CA_ENV]: join(dir, "missing.pem") }, (line) => warnings.push(line))).toBeUndefined();
  expect(defaultTrustCa({ [BUNDLED_ROOTS_ENV]: "1", [DEFERRED_EXTRA_CA_ENV]: join(dir, "missing.pem") }, (line) => warnings.push(line))).toEqual([...rootCertificates]);
  expect(warnings).toEqual([
    expect.stringMatching(/^Warning: Ignoring extra certs from `.*missing\.pem`, load failed: ENOENT/),
    expect.stringMatching(/^Warning: Ignoring extra certs from `.*missing\.pem`, load failed: ENOENT/),
  ]);
});

/** One GET of the TLS server from a child Node started as the launcher starts the provider (`emptied`) or plainly. */
function getFromChild(env: Record<string, string>, emptied: boolean): Promise<string> {
  const client = resolve(__dirname, "../../dist/lib/client/node-http.js");
  const script =
    `new (require(${JSON.stringify(client)}).NodeHttpPool)().request({ origin: ${JSON.stringify(tlsServer.url)}, method: "GET", path: "/", ` +
    `headers: {}, signal: AbortSignal.timeout(10000) }).then((a) => console.log(a.text), (e) => console.log("error: " + e.message)).finally(() => process.exit(0))`;
  const flags = emptied ? ["--use-openssl-ca"] : [];
  const base = emptied ? { [BUNDLED_ROOTS_ENV]: "1", SSL_CERT_FILE: "/dev/null", SSL_CERT_DIR: "/dev/null" } : {};
  // asynchronous: the TLS server runs in this process
  return new Promise((done, fail) =>
    execFile(process.execPath, [...flags, "-e", script], { env: { PATH: process.env.PATH, ...base, ...env }, timeout: 30_000 }, (error, stdout) =>
      error ? fail(error) : done(stdout.trim()),
    ),
  );
}

test("an https origin signed by the extra CA is trusted with Node's store emptied, as without; and not without the CA", async () => {
  expect(await getFromChild({}, false)).toMatch(/^error: self[- ]signed certificate/);
  expect(await getFromChild({}, true)).toMatch(/^error: self[- ]signed certificate/);
  expect(await getFromChild({ NODE_EXTRA_CA_CERTS: caFile }, false)).toBe("trusted");
  expect(await getFromChild({ [DEFERRED_EXTRA_CA_ENV]: caFile }, true)).toBe("trusted");
  expect(await getFromChild({ [DEFERRED_EXTRA_CA_ENV]: caFile }, false)).toBe("trusted");
});
