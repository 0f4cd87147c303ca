/**
 * NODE_EXTRA_CA_CERTS, deferred by the provider's launcher (lib/client/deferred-extra-ca.ts): the real launcher
 * script moves the variable before it starts Node, and the client trusts the moved file, on top of Node's roots, for
 * an https:// origin (a real TLS server on 127.0.0.1 with a self-signed certificate), but not when a CA is given.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { DEFERRED_EXTRA_CA_ENV, deferredExtraCa } from "../../lib/client/deferred-extra-ca";
import { NodeHttpPool } from "../../lib/client/node-http";
import { LAUNCHER_SCRIPT } from "../../lib/provider/install-provider";
import { PROVIDER_BUNDLE } from "../../lib/provider/provider-address";
import { type SelfSignedServer, startSelfSignedServer } from "../helper/tls-server";

let tlsServer: SelfSignedServer;
let dir: string;
let origin: string;
let caFile: string;

beforeAll(async () => {
  tlsServer = await startSelfSignedServer((_req, res) => res.end("trusted"));
  ({ dir, url: origin, caFile } = tlsServer);
});

afterAll(() => tlsServer.close());

const saved = { deferred: process.env[DEFERRED_EXTRA_CA_ENV], node: process.env.NODE_EXTRA_CA_CERTS };
afterEach(() => {
  for (const [name, value] of [[DEFERRED_EXTRA_CA_ENV, saved.deferred], ["NODE_EXTRA_CA_CERTS", saved.node]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

async function get(pool: NodeHttpPool): Promise<string> {
  try {
    const answer = await pool.request({ origin, method: "GET", path: "/", headers: {}, signal: AbortSignal.timeout(10_000) });
    return answer.text;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    pool.close();
  }
}

test("the launcher moves NODE_EXTRA_CA_CERTS out of Node's start-up, and leaves an unset one unset", () => {
  const folder = join(dir, "launcher");
  mkdirSync(folder);
  writeFileSync(join(folder, "launch"), LAUNCHER_SCRIPT);
  chmodSync(join(folder, "launch"), 0o755);
  // stands in for the bundle: prints what Node was started with
  writeFileSync(
    join(folder, PROVIDER_BUNDLE),
    `process.stdout.write(JSON.stringify({ node: process.env.NODE_EXTRA_CA_CERTS ?? null, deferred: process.env.${DEFERRED_EXTRA_CA_ENV} ?? null, args: process.argv.slice(2) }))`,
  );
  const run = (env: Record<string, string>) =>
    JSON.parse(execFileSync(join(folder, "launch"), ["a b", "c"], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" })) as unknown;
  expect(run({ NODE_EXTRA_CA_CERTS: "/etc/some ca.pem" })).toEqual({ node: null, deferred: "/etc/some ca.pem", args: ["a b", "c"] });
  expect(run({})).toEqual({ node: null, deferred: null, args: ["a b", "c"] });
});

test("deferredExtraCa: Node's roots plus the file; nothing when not deferred or when Node loaded it itself; a warning when unreadable", () => {
  const pem = readFileSync(caFile, "utf8");
  expect(deferredExtraCa({ [DEFERRED_EXTRA_CA_ENV]: caFile })).toEqual([...rootCertificates, pem]);
  expect(deferredExtraCa({})).toBeUndefined();
  expect(deferredExtraCa({ [DEFERRED_EXTRA_CA_ENV]: caFile, NODE_EXTRA_CA_CERTS: caFile })).toBeUndefined();
  const warnings: string[] = [];
  expect(deferredExtraCa({ [DEFERRED_EXTRA_CA_ENV]: join(dir, "missing.pem") }, (line) => warnings.push(line))).toBeUndefined();
  expect(warnings).toEqual([expect.stringMatching(/^Warning: Ignoring extra certs from `.*missing\.pem`, load failed: ENOENT/)]);
});

test("an https origin signed by the deferred CA is trusted; without it, or with another CA given, it is not", async () => {
  delete process.env.NODE_EXTRA_CA_CERTS;
  delete process.env[DEFERRED_EXTRA_CA_ENV];
  expect(await get(new NodeHttpPool())).toMatch(/^error: self[- ]signed certificate/);

  process.env[DEFERRED_EXTRA_CA_ENV] = caFile;
  expect(await get(new NodeHttpPool())).toBe("trusted");
  // an explicit CA replaces the default roots, extra ones included (as in Node)
  expect(await get(new NodeHttpPool({ rejectUnauthorized: true, ca: rootCertificates.join("\n") }))).toMatch(/^error: self[- ]signed certificate/);
});
