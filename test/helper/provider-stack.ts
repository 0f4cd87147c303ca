/** The provider-engine stack and Admin API calls shared by the provider e2e tests. */
import type { TerraformStack } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection, type GatewayConnectionProps } from "../../lib";
import { startGateway, type RunningGateway } from "../../lib/gateway";
import { TerraformWorkspace } from "./terraform";

export type Flavor = "apisix" | "api7-ee";

export interface ProviderSeedOptions {
  readonly active?: "blue" | "green";
  /** @default "bg-route" */
  readonly routeId?: string;
  /** The route's `adopt`. */
  readonly adoptRoute?: boolean;
  /** Connection timeouts (e.g. short ones for an interrupted write). */
  readonly connection?: Pick<GatewayConnectionProps, "requestTimeoutMs" | "retryBudgetMs">;
  /** More constructs on the same service. */
  readonly extra?: (stack: TerraformStack, service: BlueGreenService) => void;
}

/**
 * A stack builder for TerraformWorkspace.synth: a provider-engine connection to `adminUrl` (API7 EE: group
 * `default`), service `bg-service` (blue 127.0.0.1:9, green 127.0.0.2:9) and a route for `/headers`.
 */
export function providerSeed(adminUrl: string, flavor: Flavor, options: ProviderSeedOptions = {}): (stack: TerraformStack) => void {
  return (stack) => {
    const connection = new GatewayConnection(stack, "gateway", {
      adminUrl,
      engine: "provider",
      ...options.connection,
      ...(flavor === "api7-ee" ? { flavor, gatewayGroupId: "default" } : {}),
    });
    const service = new BlueGreenService(stack, "service", {
      gateway: connection,
      serviceId: "bg-service",
      blue: { nodes: [{ host: "127.0.0.1", port: 9 }] },
      green: { nodes: [{ host: "127.0.0.2", port: 9 }] },
      active: options.active ?? "blue",
    });
    new BlueGreenRoute(stack, "route", {
      service,
      routeId: options.routeId ?? "bg-route",
      paths: ["/headers"],
      ...(options.adoptRoute === true ? { adopt: true } : {}),
    });
    options.extra?.(stack, service);
  };
}

/** `?gateway_group_id=default` on API7 EE (providerSeed's group), empty on APISIX. */
export function groupQuery(flavor: Flavor): string {
  return flavor === "api7-ee" ? "?gateway_group_id=default" : "";
}

/** One Admin API call with `key` (`apiPath` from `/apisix/admin/`); the stored object; throws on a status >= 300. */
export function adminApi(adminUrl: string, key: string) {
  return async (method: string, apiPath: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${adminUrl}${apiPath}`, {
      method,
      headers: { "X-API-KEY": key, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${apiPath}: ${res.status} ${await res.text()}`);
    const json = (await res.json()) as any;
    return json.value ?? json;
  };
}

/** What `providerStackFixture` provides to the tests of one describe block. */
export interface ProviderStackFixture {
  /** The embedded gateway of the flavour, with the admin key. */
  readonly gateway: RunningGateway;
  /** A Terraform workspace whose environment holds the key in GATEWAY_ADMIN_KEY. */
  readonly ws: TerraformWorkspace;
  /** Admin API calls to that gateway with the key. */
  readonly admin: ReturnType<typeof adminApi>;
}

/**
 * A gateway of `flavor` with `adminKey`, a Terraform workspace named `name` and Admin API calls, started before the
 * describe block's tests and closed after them; read its fields inside the tests.
 */
export function providerStackFixture(name: string, flavor: Flavor, adminKey: string): ProviderStackFixture {
  const fixture = {} as { gateway: RunningGateway; ws: TerraformWorkspace; admin: ReturnType<typeof adminApi> };
  beforeAll(async () => {
    fixture.gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey, flavor });
    fixture.ws = new TerraformWorkspace(name, { GATEWAY_ADMIN_KEY: adminKey });
    fixture.admin = adminApi(fixture.gateway.adminUrl, adminKey);
  });
  afterAll(async () => {
    await fixture.gateway?.close();
    fixture.ws?.cleanup();
  });
  return fixture;
}
