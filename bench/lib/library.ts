/**
 * The library under test, used only through its public entry `dist/lib` (constructs) and `dist/lib/gateway`.
 * Loaded lazily so that the bench compiles and its baselines run while parts of the library are still landing.
 */
import path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import type { Color, Flavor } from "../../lib";
import { REPO_ROOT } from "./proc";

/** The public entry point (`dist/lib`), typed; loaded lazily so that baselines never pay for it. */
export type LibraryApi = Pick<typeof import("../../lib"), "GatewayConnection" | "BlueGreenService" | "BlueGreenRoute">;

export const LIB_DIR = path.join(REPO_ROOT, "dist", "lib");

/** `require("dist/lib")` (the package's public entry), with a clear error if it does not load. */
export function loadLibrary(): LibraryApi {
  let mod: Partial<LibraryApi>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require("../../lib") as LibraryApi;
  } catch (err) {
    throw new Error(`dist/lib not loadable: ${(err as Error).message.split("\n")[0]}`);
  }
  const missing = (["GatewayConnection", "BlueGreenService", "BlueGreenRoute"] as const).filter(
    (k) => typeof mod[k] !== "function",
  );
  if (missing.length) throw new Error(`dist/lib does not export ${missing.join(", ")}`);
  return mod as LibraryApi;
}

export interface StackSpec {
  readonly routes: number;
  /** @default 10 */
  readonly routesPerService?: number;
  readonly active: Color;
  readonly adminUrl: string;
  readonly flavor?: Flavor;
  readonly blue: { host: string; port: number };
  readonly green: { host: string; port: number };
  /** The gateway's data plane, for `release`. @default - none */
  readonly proxyUrl?: string;
  /** `release` of every service. @default - none */
  readonly release?: import("../../lib").ReleaseSpec;
  /** `GatewayConnection`'s engine. @default - the library's default ("hooks") */
  readonly engine?: Engine;
}

/** The engines `GatewayConnection` offers. */
export type Engine = NonNullable<import("../../lib").GatewayConnectionProps["engine"]>;

/** Route `i` of service `s` answers on this path. */
export function routePath(s: number, i: number): string {
  return `/s${s}/r${i}`;
}

/** Number of services for `routes` routes at `perService` routes per service. */
export function serviceCount(routes: number, perService = 10): number {
  return Math.max(1, Math.ceil(routes / perService));
}

/** Builds `spec.routes` routes over `ceil(routes/10)` blue-green services into `stack`. */
export function buildStack(lib: LibraryApi, stack: TerraformStack, spec: StackSpec): void {
  const per = spec.routesPerService ?? 10;
  const flavor = spec.flavor ?? "apisix";
  const gateway = new lib.GatewayConnection(stack, "gateway", {
    adminUrl: spec.adminUrl,
    flavor,
    gatewayGroupId: flavor === "api7-ee" ? "default" : undefined,
    proxyUrl: spec.proxyUrl,
    engine: spec.engine,
  });
  const services = serviceCount(spec.routes, per);
  let route = 0;
  for (let s = 0; s < services; s++) {
    const service = new lib.BlueGreenService(stack, `svc${s}`, {
      gateway,
      serviceId: `bench-svc-${s}`,
      blue: { nodes: [{ host: spec.blue.host, port: spec.blue.port }], scheme: "http", passHost: "node" },
      green: { nodes: [{ host: spec.green.host, port: spec.green.port }], scheme: "http", passHost: "node" },
      active: spec.active,
      release: spec.release,
    });
    for (let i = 0; i < per && route < spec.routes; i++, route++) {
      new lib.BlueGreenRoute(stack, `route${route}`, {
        service,
        routeId: `bench-route-${route}`,
        methods: ["GET"],
        paths: [routePath(s, i)],
      });
    }
  }
}

/**
 * Synthesizes one stack named `stackName` into `outdir`, its state in `outdir` too (cdktf's default is
 * `terraform.<stack>.tfstate` in the current folder: every workspace would share the repository root's).
 * `skipValidation` skips cdktf's validations (each `terraform_data` runs `terraform version`); use it only where
 * synthesis is set-up, not what is measured.
 */
export function synthStack(
  lib: LibraryApi,
  outdir: string,
  stackName: string,
  spec: StackSpec,
  opts: { skipValidation?: boolean } = {},
): void {
  const app = new App({ outdir, stackTraces: false, skipValidation: opts.skipValidation ?? false });
  const stack = new TerraformStack(app, stackName);
  new LocalBackend(stack, { path: path.join(outdir, "terraform.tfstate") });
  buildStack(lib, stack, spec);
  app.synth();
}
