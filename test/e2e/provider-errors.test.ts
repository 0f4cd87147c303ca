/**
 * Issue 12: errors name the construct path. A provider-engine apply against a gateway that refuses the write (an
 * object someone else made, declared without `adopt`) fails with a Terraform error diagnostic naming the construct
 * path and the object; the object is left as it was. Both flavours, through real Terraform.
 */
import { groupQuery, providerSeed, providerStackFixture } from "../helper/provider-stack";

jest.setTimeout(300_000);

const ADMIN_KEY = "provider-errors-Secret-Key-0a8b3c";

describe.each(["apisix", "api7-ee"] as const)("provider-engine errors name the construct (%s)", (flavor) => {
  const fx = providerStackFixture(`provider-errors-${flavor}`, flavor, ADMIN_KEY);
  const q = groupQuery(flavor);
  const stack = (adoptRoute = false) => providerSeed(fx.gateway.adminUrl, flavor, { routeId: "taken-route", adoptRoute });

  /** The summary line of each Terraform error diagnostic. */
  function diagnostics(output: string): string[] {
    return output.split("\n").filter((l) => l.startsWith("Error: "));
  }

  test("a route someone else made, declared without adopt: the apply fails naming the construct and the route", async () => {
    const paths = flavor === "apisix" ? "uris" : "paths";
    const upstream = { type: "roundrobin", nodes: [{ host: "127.0.0.1", port: 9, weight: 1 }] };
    await fx.admin("PUT", `/apisix/admin/services/their-service${q}`, { name: "their-service", upstream, labels: { team: "payments" } });
    const theirs = { name: "theirs", [paths]: ["/theirs"], service_id: "their-service", labels: { team: "payments" } };
    await fx.admin("PUT", `/apisix/admin/routes/taken-route${q}`, theirs);

    fx.ws.synth(stack());
    const refused = await fx.ws.apply();
    expect(refused.code).toBe(1);
    const route = `/apisix/admin/routes/taken-route${q}`;
    expect(diagnostics(refused.output)).toEqual([
      `Error: refusing to overwrite ${route}: it exists and is not managed by cdktf-apisix-bluegreen (labels: ` +
        `{"team":"payments"}); set adopt: true on e2e/route to take it over, or use another id`,
    ]);
    expect(refused.output).toMatch(/Error: refusing[^\n]*\n\n\s+with bluegreen_route\.route_[0-9A-F]{8},/);
    expect(await fx.admin("GET", `/apisix/admin/routes/taken-route${q}`)).toMatchObject(theirs); // left as it was
    expect(refused.output).not.toContain(ADMIN_KEY);

    // the gateway refuses the key: every diagnostic names the construct and the object it was reading
    const wrongKey = await fx.ws.apply({ GATEWAY_ADMIN_KEY: "wrong-key-5f0e1d" });
    expect(wrongKey.code).toBe(1);
    const errors = diagnostics(wrongKey.output);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error).toMatch(/^Error: the gateway rejected the admin key \(401 [^)]*\); check the GATEWAY_ADMIN_KEY environment variable \(GET \/apisix\/admin\/\S+ for e2e\/(service|route)\)$/);
    }
    expect(wrongKey.output).not.toContain("wrong-key-5f0e1d");

    // adopt: true takes it over
    fx.ws.synth(stack(true));
    const adopted = await fx.ws.apply();
    if (adopted.code !== 0) throw new Error(adopted.output);
    expect((await fx.admin("GET", `/apisix/admin/routes/taken-route${q}`)).labels).toMatchObject({ "managed-by": "cdktf-apisix-bluegreen" });
    const destroyed = await fx.ws.destroy();
    if (destroyed.code !== 0) throw new Error(destroyed.output);
  });
});
