/**
 * The object-sync operations against the real embedded gateway (not the fake), in both flavours.
 */
import { AdminClient } from "../../lib/client/admin-client";
import { AdminApiError } from "../../lib/client/errors";
import { applyObject, deleteObject, objectPath, sweep } from "../../lib/client/object-sync";
import { type RunningGateway, startGateway } from "../../lib/gateway/gateway";

const KEY = "sk-embedded-5c4b3a2f1e";
const labels = (owner = "conn") => ({ "managed-by": "cdktf-apisix-bluegreen", "bluegreen-owner": owner });

describe.each(["apisix", "api7-ee"] as const)("object sync against the embedded gateway (%s)", (flavor) => {
  let gw: RunningGateway;
  let client: AdminClient;
  const group = flavor === "api7-ee" ? "default" : undefined;
  const path = (resource: "routes" | "services" | "upstreams", id: string) => objectPath(flavor, resource, id, group);

  beforeEach(async () => {
    gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, flavor });
    client = new AdminClient({ adminUrl: gw.adminUrl, flavor, gatewayGroupId: group, adminKey: KEY, retryBudgetMs: 500 });
  });
  afterEach(async () => {
    await client.close();
    await gw.close();
  });

  const node = { host: "127.0.0.1", port: 1980, weight: 1 };

  async function declare(): Promise<string[]> {
    const kept: string[] = [];
    if (flavor === "apisix") {
      for (const id of ["s1-blue", "s1-green", "old-up"]) {
        await applyObject(client, { path: path("upstreams", id), body: { type: "roundrobin", nodes: [node], labels: labels() } });
      }
      await applyObject(client, { path: path("services", "s1"), body: { upstream_id: "s1-blue", labels: labels() } });
      await applyObject(client, { path: path("services", "old-svc"), body: { upstream_id: "old-up", labels: labels() } });
      await applyObject(client, {
        path: path("routes", "r1"),
        body: {
          uris: ["/a"],
          service_id: "s1",
          labels: labels(),
          plugins: {
            "traffic-split": {
              rules: [{ weighted_upstreams: [{ upstream_id: "s1-green", weight: 10 }, { weight: 90 }] }],
            },
          },
        },
      });
      await applyObject(client, { path: path("routes", "old-route"), body: { uris: ["/old"], service_id: "old-svc", labels: labels() } });
      kept.push(path("upstreams", "s1-blue"), path("upstreams", "s1-green"), path("services", "s1"), path("routes", "r1"));
    } else {
      const upstream = { type: "roundrobin", nodes: [node] };
      await applyObject(client, { path: path("services", "s1"), body: { name: "s1", upstream, labels: labels() } });
      await applyObject(client, { path: path("services", "old-svc"), body: { name: "old", upstream, labels: labels() } });
      await applyObject(client, {
        path: path("routes", "r1"),
        body: { name: "r1", paths: ["/a"], service_id: "s1", labels: labels() },
      });
      await applyObject(client, {
        path: path("routes", "old-route"),
        body: { name: "old", paths: ["/old"], service_id: "old-svc", labels: labels() },
      });
      kept.push(path("services", "s1"), path("routes", "r1"));
    }
    return kept;
  }

  test("apply (verified), sweep leftovers in a deletable order, delete", async () => {
    const keep = await declare();
    // someone else's objects are never touched
    await client.put(path("routes", "foreign"), {
      ...(flavor === "apisix" ? { uris: ["/f"] } : { name: "f", paths: ["/f"] }),
      service_id: "s1",
      labels: { "bluegreen-owner": "conn" },
    });

    const result = await sweep(client, { owner: "conn", keep, constructPath: "stack/conn" });
    const removed = result.removed.map((o) => `${o.resource}/${o.id}`);
    expect(removed).toEqual(
      flavor === "apisix" ? ["routes/old-route", "services/old-svc", "upstreams/old-up"] : ["routes/old-route", "services/old-svc"],
    );
    expect(await client.get(path("routes", "old-route"))).toBeUndefined();
    expect(await client.get(path("routes", "foreign"))).toBeDefined();

    expect((await deleteObject(client, { path: path("routes", "foreign") })).outcome).toBe("skipped-unmanaged");
    expect((await deleteObject(client, { path: path("routes", "r1") })).outcome).toBe("deleted");
    expect((await deleteObject(client, { path: path("routes", "r1") })).outcome).toBe("already-gone");
  });

  test("a body the gateway rejects surfaces its error_msg", async () => {
    const err = await applyObject(client, {
      path: path("routes", "bad"),
      body: { service_id: "missing-service", labels: labels(), ...(flavor === "apisix" ? { uris: ["/x"] } : { paths: ["/x"] }) },
      constructPath: "stack/bad",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    const e = err as AdminApiError;
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
    expect(e.message).toMatch(new RegExp(`^PUT ${path("routes", "bad").replace(/[?]/g, "\\?")} failed with 4\\d\\d: .+ \\(construct stack/bad\\)$`));
  });

  test("adopt refusal on an object created by hand", async () => {
    const body =
      flavor === "apisix" ? { nodes: [node], type: "roundrobin" } : { name: "hand", upstream: { type: "roundrobin", nodes: [node] } };
    const handPath = flavor === "apisix" ? path("upstreams", "hand") : path("services", "hand");
    await client.put(handPath, body);
    const err = await applyObject(client, { path: handPath, body: { ...body, labels: labels() }, constructPath: "s/h" }).catch(
      (e: unknown) => e,
    );
    expect((err as AdminApiError).kind).toBe("not-managed");
    await expect(applyObject(client, { path: handPath, body: { ...body, labels: labels() }, adopt: true })).resolves.toMatchObject({
      adopted: true,
    });
  });

  test("wrong key → 401 message naming the variable", async () => {
    const wrong = new AdminClient({ adminUrl: gw.adminUrl, flavor, gatewayGroupId: group, adminKey: "wrong-key-xyz" });
    const err = (await wrong.get(path("routes", "r1")).catch((e: unknown) => e)) as AdminApiError;
    await wrong.close();
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/^the gateway rejected the admin key \(401 .+\); check the GATEWAY_ADMIN_KEY environment variable/);
  });
});
