/**
 * Hosts on the service (the only place for them on API7 EE): real Terraform deploys a service restricted to one
 * host; requests for that host reach it, requests for another host match no route.
 */
import "cdktf/lib/testing/adapters/jest";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";
import { startGateway } from "../../lib/gateway";
import { startBackends } from "../helper/backends";
import { TerraformWorkspace } from "../helper/terraform";
import { countLandings } from "../helper/traffic";

jest.setTimeout(120_000);
const KEY = "e2e-hosts-key-5d1c";

test.each(["api7-ee", "apisix"] as const)("%s: a service with hosts serves only those hosts", async (flavor) => {
  const gateway = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor });
  const backends = await startBackends(["blue", "green"]);
  const ws = new TerraformWorkspace(`hosts-${flavor}`, { GATEWAY_ADMIN_KEY: KEY });
  try {
    ws.synth((stack) => {
      const connection = new GatewayConnection(stack, "gateway", {
        adminUrl: gateway.adminUrl,
        flavor,
        gatewayGroupId: flavor === "api7-ee" ? "default" : undefined,
      });
      const service = new BlueGreenService(stack, "service", {
        gateway: connection,
        serviceId: "shop",
        hosts: ["shop.example.com", "*.shop.example.com"],
        blue: { nodes: [{ host: backends[0].host, port: backends[0].port }] },
        green: { nodes: [{ host: backends[1].host, port: backends[1].port }] },
        active: "green",
      });
      new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/cart"] });
    });
    const applied = await ws.apply();
    expect({ code: applied.code, output: applied.code === 0 ? "" : applied.output }).toEqual({ code: 0, output: "" });
    expect(await countLandings(`${gateway.proxyUrl}/cart`, 4, { host: "shop.example.com" })).toEqual({ green: 4 });
    expect(await countLandings(`${gateway.proxyUrl}/cart`, 2, { host: "eu.shop.example.com" })).toEqual({ green: 2 });
    expect(await countLandings(`${gateway.proxyUrl}/cart`, 2, { host: "other.example.com" })).toEqual({ "status 404": 2 });
  } finally {
    await gateway.close();
    await Promise.all(backends.map((b) => b.close()));
    ws.cleanup();
  }
});
