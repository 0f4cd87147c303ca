import { dialedPart, isHttps } from "../../lib/model/hook-command";
import { someValue } from "../../lib/model/some-value";

test("isHttps: the https scheme or an https URL, in either case; nothing else", () => {
  for (const yes of ["https", "HTTPS", "https://prometheus:9090", "Https://a"]) expect(isHttps(yes)).toBe(true);
  for (const no of ["http://127.0.0.1:9180", "https/svc", "httpsd", "see https://x", "", 443, null, ["https"], { scheme: "https" }]) {
    expect(isHttps(no)).toBe(false);
  }
});

test("someValue finds a value at any depth, in arrays and objects, and the value itself", () => {
  const request = { release: { analysis: { prometheus_url: "https://prometheus:9090" } }, targets: [[{ scheme: "http" }]] };
  expect(someValue(request, isHttps)).toBe(true);
  expect(someValue({ targets: { blue: [{ scheme: "https", host: "a", port: 1 }] } }, isHttps)).toBe(true);
  expect(someValue(["http://a", ["HTTPS://b"]], isHttps)).toBe(true);
  expect(someValue("https", isHttps)).toBe(true);
  expect(someValue({ gateway: { admin_url: "http://127.0.0.1:9180" }, construct_path: "https/svc", n: 443 }, isHttps)).toBe(false);
  expect(someValue(null, isHttps)).toBe(false);
  // the test sees containers too (a token may be an object)
  const marker = { resolve: true };
  expect(someValue({ a: [marker] }, (v) => v === marker)).toBe(true);
});

test("dialedPart leaves out what the hook never dials: the body and the Admin API paths", () => {
  const request = { kind: "object", path: "/apisix/admin/upstreams/u", body: { scheme: "https" }, gateway: { admin_url: "http://g" }, keep: ["https:"] };
  expect(dialedPart(request)).toEqual({ kind: "object", gateway: { admin_url: "http://g" } });
  expect(someValue(dialedPart(request), isHttps)).toBe(false);
});
