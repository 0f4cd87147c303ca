import { join } from "node:path";
import { resourceRequest } from "../../lib/drift/read-stack";
import { Testing, TerraformStack } from "../../lib/cdk";
import { BlueGreenRoute, type BlueGreenRouteProps } from "../../lib/constructs/blue-green-route";
import { BlueGreenService, type BlueGreenServiceProps } from "../../lib/constructs/blue-green-service";
import { GatewayConnection, type GatewayConnectionProps } from "../../lib/constructs/gateway-connection";

export type Flavor = "apisix" | "api7-ee";

/** The hook file every provisioner runs, relative to the stack folder: named by the package version. */
export const HOOK_FILE = `assets/BluegreenHook/${(require("../../package.json") as { version: string }).version}/bluegreen-hook.cjs`;

export function gatewayProps(flavor: Flavor): GatewayConnectionProps {
  return flavor === "apisix"
    ? { adminUrl: "http://127.0.0.1:9180" }
    : { adminUrl: "https://localhost:7443", flavor: "api7-ee", gatewayGroupId: "default", tls: { insecureSkipVerify: true } };
}

export const BLUE = { nodes: [{ host: "mock.api7.ai", port: 443, weight: 100 }], scheme: "https", passHost: "node" } as const;
export const GREEN = { nodes: [{ host: "httpbin.org", port: 443 }], scheme: "https", passHost: "node" } as const;

export function serviceProps(gateway: GatewayConnection, extra: Partial<BlueGreenServiceProps> = {}): BlueGreenServiceProps {
  return { gateway, serviceId: "blue-green-service", blue: BLUE, green: GREEN, active: "green", ...extra };
}

export interface Build {
  readonly stack: TerraformStack;
  readonly gateway: GatewayConnection;
  readonly service: BlueGreenService;
  readonly route: BlueGreenRoute;
}

/** The seed's setup: one gateway, one service, one route. */
export function build(
  flavor: Flavor,
  svc: Partial<BlueGreenServiceProps> = {},
  route: Partial<BlueGreenRouteProps> = {},
  gw: Partial<GatewayConnectionProps> = {},
): Build {
  const app = Testing.app();
  const stack = new TerraformStack(app, "stack");
  const gateway = new GatewayConnection(stack, "gateway", { ...gatewayProps(flavor), ...gw });
  const service = new BlueGreenService(stack, "service", serviceProps(gateway, svc));
  const r = new BlueGreenRoute(stack, "route", {
    service,
    routeId: "blue-green-route",
    methods: ["GET"],
    paths: ["/headers"],
    ...route,
  });
  return { stack, gateway, service, route: r };
}

/** The stack folder of a full synth (`<outdir>/stacks/<stack id>`), with everything laid into it. */
export function stackFolder(stack: TerraformStack): string {
  return join(Testing.fullSynth(stack), "stacks", stack.node.id);
}

export function synth(flavor: Flavor, svc: Partial<BlueGreenServiceProps> = {}, route: Partial<BlueGreenRouteProps> = {}): string {
  return Testing.synth(build(flavor, svc, route).stack);
}

/** The terraform_data resources of a synthesized stack, by logical id, each with its hook `request` (local or input). */
export function resources(json: string): Record<string, any> {
  const root = JSON.parse(json) as { resource: { terraform_data: Record<string, any> } };
  return Object.fromEntries(
    Object.entries(root.resource.terraform_data).map(([id, r]) => [id, { ...r, request: resourceRequest(root, r) }]),
  );
}

/** Paths (dotted) at which two JSON values differ. */
export function diffPaths(a: unknown, b: unknown, path = ""): string[] {
  if (a === b) return [];
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return [path];
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of keys) out.push(...diffPaths((a as any)[k], (b as any)[k], path === "" ? k : `${path}.${k}`));
  return out;
}

/** Asserts that `fn` throws and that the message contains every string part and matches every pattern part. */
export function fails(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  let message = "";
  try {
    fn();
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).not.toBe("");
  for (const p of parts) {
    if (typeof p === "string") expect(message).toContain(p);
    else expect(message).toMatch(p);
  }
}
