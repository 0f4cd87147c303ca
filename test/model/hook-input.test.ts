import { gatewayRequestSchema } from "../../lib/model/gateway-request";
import { canonicalJson, gatewayTarget, objectRequest, requestSha256, sweepRequest } from "../../lib/model/hook-input";

describe("hook input", () => {
  test("canonicalJson sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
    expect(requestSha256({ a: 1, b: 2 })).toBe(requestSha256({ b: 2, a: 1 }));
    expect(requestSha256({ a: 1 })).not.toBe(requestSha256({ a: 2 }));
  });

  test("object and sweep requests parse with the hook's schema", () => {
    const gateway = gatewayTarget({ adminUrl: "https://localhost:7443/", flavor: "api7-ee", gatewayGroupId: "g", tls: { insecureSkipVerify: true } });
    expect(gateway.admin_url).toBe("https://localhost:7443");
    const obj = objectRequest({ method: "PUT", path: "/apisix/admin/routes/r?gateway_group_id=g", body: { name: "r" } }, gateway, "s/r/Resource");
    expect(gatewayRequestSchema.parse(obj)).toEqual(obj);
    const sweep = sweepRequest("o", ["/b", "/a", "/b"], gateway, "s/gw");
    expect(sweep.keep).toEqual(["/a", "/b"]);
    expect(gatewayRequestSchema.parse(sweep)).toEqual(sweep);
  });
});
