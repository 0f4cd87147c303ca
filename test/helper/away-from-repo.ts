/**
 * Shared by the tests that deploy from outside the repository (a copied stack folder, an installed tarball): a temp
 * root with the embedded gateway and two backends (blue, green) for the whole file, and the environment of a user's
 * shell, in which nothing of this repository or of this test run is visible.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway } from "../../lib/gateway";
import { type Backend, startBackends } from "./backends";

export interface AwayFixture {
  /** A temp folder below the test run's temp root, removed after the file. */
  readonly root: string;
  readonly gateway: Awaited<ReturnType<typeof startGateway>>;
  readonly backends: readonly Backend[];
}

/** Registers beforeAll/afterAll that start (and stop) the gateway with `adminKey` and the backends; read it in tests. */
export function awayFixture(name: string, adminKey: string): AwayFixture {
  const fixture = {} as { root: string; gateway: AwayFixture["gateway"]; backends: Backend[] };
  beforeAll(async () => {
    fixture.root = mkdtempSync(path.join(os.tmpdir(), `bluegreen-${name}-`));
    fixture.gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey });
    fixture.backends = await startBackends(["blue", "green"]);
  });
  afterAll(async () => {
    await fixture.gateway?.close();
    await Promise.all((fixture.backends ?? []).map((b) => b.close()));
    if (fixture.root) rmSync(fixture.root, { recursive: true, force: true });
  });
  return fixture;
}

/** A user's shell: none of npm's or jest's variables of this run, no node_modules/.bin on PATH, and `extra`. */
export function userEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|jest_|bluegreen_)/i.test(k) || ["NODE_OPTIONS", "NODE_PATH", "INIT_CWD", "GATEWAY_ADMIN_KEY"].includes(k)) continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? "").split(path.delimiter).filter((d) => !d.includes("node_modules")).join(path.delimiter);
  // the test run's code cache folder (global-setup.js), not the user's ~/.cache
  env.BLUEGREEN_CODE_CACHE = process.env.BLUEGREEN_CODE_CACHE;
  return { ...env, ...extra };
}
