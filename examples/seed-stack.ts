/**
 * The seed's scenario (shared/seed/api7-blue-green-deployment.md) as a stack: one service with a blue and a green
 * environment, one route `GET /headers`, and a header preview (`X-Env: green` reaches green whatever is active).
 *
 * Everything that differs between a laptop demo and a real API7 Enterprise instance is a prop, so `main.ts` and
 * the demo both use this one stack.
 */
import { Construct } from "constructs";
import { LocalBackend, TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection, type Color, type Flavor, type GatewayConnectionProps } from "../lib";

export interface SeedEnvironment {
  /** `host:port` of the environment's single node. */
  readonly host: string;
  readonly port: number;
  /** @default "https" (the seed's environments are HTTPS sites) */
  readonly scheme?: "http" | "https";
}

export interface SeedStackProps {
  /** Admin API URL. @default "http://127.0.0.1:9180" */
  readonly adminUrl?: string;
  /** @default "apisix" */
  readonly flavor?: Flavor;
  /** API7 EE only. @default "default" on api7-ee */
  readonly gatewayGroupId?: string;
  /** The color that takes all traffic. */
  readonly active: Color;
  /** % of traffic to the idle color. @default 0 */
  readonly canaryPercent?: number;
  readonly blue: SeedEnvironment;
  readonly green: SeedEnvironment;
  /** How the stack reaches the gateway. @default "hooks" */
  readonly engine?: GatewayConnectionProps["engine"];
  /** Terraform state file. @default - cdktf's default, terraform.<stack>.tfstate in the project folder */
  readonly stateFile?: string;
}

export class SeedStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: SeedStackProps) {
    super(scope, id);
    if (props.stateFile) new LocalBackend(this, { path: props.stateFile });
    const flavor = props.flavor ?? "apisix";

    const gateway = new GatewayConnection(this, "gateway", {
      adminUrl: props.adminUrl ?? "http://127.0.0.1:9180",
      flavor,
      gatewayGroupId: flavor === "api7-ee" ? (props.gatewayGroupId ?? "default") : undefined,
      adminKeyEnv: "GATEWAY_ADMIN_KEY",
      engine: props.engine,
      tls: props.adminUrl?.startsWith("https:") ? { insecureSkipVerify: true } : undefined,
    });
    const environment = (env: SeedEnvironment) => {
      const scheme = env.scheme ?? "https";
      return { nodes: [{ host: env.host, port: env.port, weight: 100 }], scheme, passHost: "node" as const };
    };
    const service = new BlueGreenService(this, "service", {
      gateway,
      serviceId: "blue-green-service",
      blue: environment(props.blue),
      green: environment(props.green),
      active: props.active,
      canaryPercent: props.canaryPercent,
      preview: { header: "X-Env" },
    });
    new BlueGreenRoute(this, "route", {
      service,
      routeId: "blue-green-route",
      methods: ["GET"],
      paths: ["/headers"],
    });
  }
}

/** Reads `host:port` (e.g. `127.0.0.1:8081`); `undefined` when unset. */
function parseHostPort(value: string | undefined, name: string): { host: string; port: number } | undefined {
  if (!value) return undefined;
  const m = /^(.+):(\d+)$/.exec(value);
  if (!m) throw new Error(`${name} must be host:port, got "${value}"`);
  return { host: m[1], port: Number(m[2]) };
}

/**
 * The seed's values, overridable from the environment (the demo points them at loopback backends):
 * ACTIVE_COLOR, CANARY_PERCENT, GATEWAY_ADMIN_URL, GATEWAY_FLAVOR, GATEWAY_GROUP_ID, BLUE_UPSTREAM, GREEN_UPSTREAM,
 * UPSTREAM_SCHEME, BLUEGREEN_TF_STATE, GATEWAY_ENGINE.
 */
export function seedStackPropsFromEnv(env: NodeJS.ProcessEnv): SeedStackProps {
  const active = env.ACTIVE_COLOR ?? "blue";
  if (active !== "blue" && active !== "green") throw new Error(`ACTIVE_COLOR must be "blue" or "green", got "${active}"`);
  const scheme = env.UPSTREAM_SCHEME as "http" | "https" | undefined;
  const blue = parseHostPort(env.BLUE_UPSTREAM, "BLUE_UPSTREAM") ?? { host: "mock.api7.ai", port: 443 };
  const green = parseHostPort(env.GREEN_UPSTREAM, "GREEN_UPSTREAM") ?? { host: "httpbin.org", port: 443 };
  return {
    adminUrl: env.GATEWAY_ADMIN_URL,
    flavor: (env.GATEWAY_FLAVOR as Flavor | undefined) ?? "apisix",
    gatewayGroupId: env.GATEWAY_GROUP_ID,
    active,
    canaryPercent: env.CANARY_PERCENT ? Number(env.CANARY_PERCENT) : undefined,
    blue: { ...blue, scheme },
    green: { ...green, scheme },
    stateFile: env.BLUEGREEN_TF_STATE,
    // GatewayConnection checks the value and names what is allowed
    engine: (env.GATEWAY_ENGINE || undefined) as SeedStackProps["engine"],
  };
}
