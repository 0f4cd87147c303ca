import { dialedPart, mentionsHttps } from "../../lib/model/hook-command";

test("mentionsHttps: an https scheme or URL anywhere, in either case; nothing else", () => {
  expect(mentionsHttps({ release: { analysis: { prometheus_url: "https://prometheus:9090" } } })).toBe(true);
  expect(mentionsHttps({ health_check: { targets: { blue: [{ scheme: "https", host: "a", port: 1 }] } } })).toBe(true);
  expect(mentionsHttps(["http://a", ["HTTPS://b"]])).toBe(true);
  expect(mentionsHttps({ gateway: { admin_url: "http://127.0.0.1:9180" }, construct_path: "https/svc", name: "httpsd", n: 443 })).toBe(false);
  expect(mentionsHttps({ note: "see https://x" })).toBe(false);
  expect(mentionsHttps(null)).toBe(false);
});

test("dialedPart leaves out what the hook never dials: the body and the Admin API paths", () => {
  const request = { kind: "object", path: "/apisix/admin/upstreams/u", body: { scheme: "https" }, gateway: { admin_url: "http://g" }, keep: ["https:"] };
  expect(dialedPart(request)).toEqual({ kind: "object", gateway: { admin_url: "http://g" } });
  expect(mentionsHttps(dialedPart(request))).toBe(false);
});
