/** The "Testing your stacks" example of docs/testing-your-stacks.md, as a user would write it, must work as printed. */
import "cdktf/lib/testing/adapters/jest";
import { Testing, DataResource } from "cdktf";
import { BlueGreenRoute, BlueGreenService, GatewayConnection } from "../../lib";

test("blue-green service", () => {
  const synthesized = Testing.synthScope((stack) => {
    const gateway = new GatewayConnection(stack, "gateway", { adminUrl: "http://127.0.0.1:9180" });
    const service = new BlueGreenService(stack, "service", {
      gateway, serviceId: "shop",
      blue: { nodes: [{ host: "10.0.1.10", port: 8080 }] },
      green: { nodes: [{ host: "10.0.2.10", port: 8080 }] },
      active: "green",
    });
    new BlueGreenRoute(stack, "route", { service, routeId: "shop", paths: ["/shop/*"] });
  });
  expect(synthesized).toMatchSnapshot();
  expect(synthesized).toHaveResourceWithProperties(DataResource, {
    input: { service: "shop", traffic: { blue: 0, green: 100 } },
  });
  expect(synthesized).not.toMatch(/\/work\/|\/tmp\/|\/home\/|\d{4}-\d\d-\d\dT\d\d:/);
});
