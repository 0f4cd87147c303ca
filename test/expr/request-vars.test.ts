import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { createRequestVars, normalizeUri } from "../../lib/expr/request-vars";
import { compileVars, evaluateVars } from "../../lib/expr/vars";

function fakeRequest(method: string, url: string, rawHeaders: string[]): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.rawHeaders = rawHeaders;
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const k = rawHeaders[i].toLowerCase();
    headers[k] = headers[k] ? `${headers[k]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  req.headers = headers;
  return req;
}

describe("createRequestVars", () => {
  const req = fakeRequest("POST", "/a//b/./c/../d%20e?x=1&x=2&x-api-name=foo&flag&sp=a+b", [
    "Host", "Example.COM:9080",
    "X-Api-Appkey", "k1",
    "X_Env", "green",
    "Cookie", "a=1; session=abc; a=2",
    "Content-Type", "application/x-www-form-urlencoded; charset=utf-8",
  ]);
  const context = { routeId: undefined as string | undefined };
  const lookup = createRequestVars(req, {
    remoteAddr: "10.1.2.3",
    body: Buffer.from("name=jack&age=18&name=jill"),
    context,
  });

  test("arg_*", () => {
    expect(lookup("arg_x")).toBe("1");
    expect(lookup("arg_x-api-name")).toBe("foo");
    expect(lookup("arg_flag")).toBe(true);
    expect(lookup("arg_sp")).toBe("a b");
    expect(lookup("arg_missing")).toBeUndefined();
    expect(lookup("arg_X")).toBeUndefined();
  });

  test("http_* lower-case with - and _ equivalent", () => {
    expect(lookup("http_x_api_appkey")).toBe("k1");
    expect(lookup("http_x-api-appkey")).toBe("k1");
    expect(lookup("http_X-API-APPKEY")).toBe("k1");
    expect(lookup("http_x_env")).toBe("green");
    expect(lookup("http_host")).toBe("Example.COM:9080");
  });

  test("cookie_*", () => {
    expect(lookup("cookie_session")).toBe("abc");
    expect(lookup("cookie_a")).toBe("1");
    expect(lookup("cookie_none")).toBeUndefined();
  });

  test("post_arg_* for form bodies", () => {
    expect(lookup("post_arg_name")).toBe("jack");
    expect(lookup("post_arg_age")).toBe("18");
    const json = fakeRequest("POST", "/", ["Content-Type", "application/json"]);
    expect(createRequestVars(json, { remoteAddr: "1.1.1.1", body: Buffer.from("name=x") })("post_arg_name")).toBeUndefined();
  });

  test("plain variables", () => {
    expect(lookup("uri")).toBe("/a/b/d e");
    expect(lookup("request_uri")).toBe("/a//b/./c/../d%20e?x=1&x=2&x-api-name=foo&flag&sp=a+b");
    expect(lookup("host")).toBe("example.com");
    expect(lookup("remote_addr")).toBe("10.1.2.3");
    expect(lookup("request_method")).toBe("POST");
    expect(lookup("method")).toBe("POST");
    expect(lookup("scheme")).toBe("http");
    expect(lookup("args")).toBe("x=1&x=2&x-api-name=foo&flag&sp=a+b");
    expect(lookup("query_string")).toBe(lookup("args"));
    expect(lookup("is_args")).toBe("?");
    expect(lookup("unknown_var")).toBeUndefined();
  });

  test("route_id etc. come from the mutable context", () => {
    expect(lookup("route_id")).toBeUndefined();
    context.routeId = "r1";
    expect(lookup("route_id")).toBe("r1");
  });

  test("no query string", () => {
    const l = createRequestVars(fakeRequest("GET", "/p", []), { remoteAddr: "::1" });
    expect(l("args")).toBeUndefined();
    expect(l("is_args")).toBe("");
    expect(l("host")).toBeUndefined();
  });

  test("works with compiled vars (traffic-split3.t style)", () => {
    const c = compileVars([["http_x-api-appkey", "==", "k1"], ["arg_x", "in", ["1", "2"]], ["cookie_session", "~~", "^ab"]]);
    expect(evaluateVars(c, lookup)).toBe(true);
  });

  test("normalizeUri", () => {
    expect(normalizeUri("/")).toBe("/");
    expect(normalizeUri("/a/../../b")).toBe("/b");
    expect(normalizeUri("/a/b/..")).toBe("/a/");
    expect(normalizeUri("/a/%2e%2e/b")).toBe("/b");
  });
});
