/**
 * The package's HTTP client for `http://` origins (lib/client/plain-http.ts, through NodeHttpPool): real servers on
 * 127.0.0.1, Node's `http` server where it frames answers the usual ways, a raw TCP server where the test needs bytes
 * Node's server would not send (informational answers, answers framed by the connection's end, cut-off or malformed
 * answers).
 */
import { execFile } from "node:child_process";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { resolve } from "node:path";
import { NodeHttpPool, type NodeHttpRequest } from "../../lib/client/node-http";

interface Served {
  readonly origin: string;
  /** Connections the server accepted. */
  readonly connections: Socket[];
  /** Requests as the server read them. */
  readonly requests: { method: string; url: string; headers: IncomingMessage["headers"]; raw: string[]; body: string }[];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(server: Server | ReturnType<typeof createTcpServer>, connections: Socket[]): Promise<string> {
  server.on("connection", (socket: Socket) => connections.push(socket));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  closers.push(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise<void>((done) => server.close(() => done()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Node's HTTP server, answering with `handle` after reading each request whole. */
async function httpServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Served> {
  const requests: Served["requests"] = [];
  const connections: Socket[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, raw: req.rawHeaders, body });
      handle(req, res, body);
    });
  });
  const origin = await listen(server, connections);
  return { origin, connections, requests };
}

/** A TCP server that answers each request's head (up to the empty line) with `answer(n)`, n counting from 0. */
async function rawServer(answer: (n: number, socket: Socket) => void): Promise<Served> {
  const connections: Socket[] = [];
  let n = 0;
  const server = createTcpServer((socket) => {
    let seen = "";
    socket.on("error", () => undefined);
    socket.on("data", (chunk) => {
      seen += chunk.toString("latin1");
      while (seen.includes("\r\n\r\n")) {
        seen = seen.slice(seen.indexOf("\r\n\r\n") + 4);
        answer(n++, socket);
      }
    });
  });
  const origin = await listen(server, connections);
  return { origin, connections, requests: [] };
}

function send(pool: NodeHttpPool, origin: string, over: Partial<NodeHttpRequest> = {}) {
  return pool.request({ origin, method: "GET", path: "/x", headers: {}, signal: new AbortController().signal, ...over });
}

function usePool(): NodeHttpPool {
  const pool = new NodeHttpPool();
  closers.push(async () => pool.close());
  return pool;
}

const closed = (socket: Socket) => new Promise<void>((done) => (socket.destroyed ? done() : socket.once("close", () => done())));

test("sends method, path, headers and a UTF-8 body with its byte length; keeps one connection for the next requests", async () => {
  const server = await httpServer((_req, res, body) => res.end(`got ${body}`));
  const pool = usePool();
  const a = await send(pool, server.origin, {
    method: "PUT",
    path: "/apisix/admin/routes/r1?x=1",
    headers: { "x-api-key": "k", "content-type": "application/json", "x-latin": "café" },
    body: '{"name":"grün"}',
  });
  expect(a).toEqual({ status: 200, headers: expect.objectContaining({ "content-length": "20" }), text: 'got {"name":"grün"}' });
  const b = await send(pool, server.origin, { method: "DELETE" });
  const c = await send(pool, server.origin, { method: "PUT" });
  expect([b.status, c.status]).toEqual([200, 200]);
  expect(server.requests.map((r) => [r.method, r.url, r.headers["content-length"], r.body])).toEqual([
    ["PUT", "/apisix/admin/routes/r1?x=1", "16", '{"name":"grün"}'],
    ["DELETE", "/x", undefined, ""],
    // an empty PUT says so, as Node's http does
    ["PUT", "/x", "0", ""],
  ]);
  // header values go out in Latin-1, as Node's http sends them
  expect(server.requests[0].headers).toMatchObject({ host: server.origin.slice("http://".length), "x-api-key": "k", connection: "keep-alive", "x-latin": "café" });
  expect(server.connections).toHaveLength(1);
  // a Host of the caller's replaces the origin's (a health probe's host rewrite), and is sent once
  await send(pool, server.origin, { headers: { Host: "green.shop.internal" } });
  expect(server.requests[3].raw.filter((_v, i, raw) => i % 2 === 1 && raw[i - 1].toLowerCase() === "host")).toEqual(["green.shop.internal"]);
  expect(server.connections).toHaveLength(1);
});

test("reads chunked answers and answers framed by the connection's end; skips informational answers", async () => {
  const chunked = await httpServer((_req, res) => {
    res.write("part one, ");
    setImmediate(() => res.end("part two"));
  });
  const pool = usePool();
  const a = await send(pool, chunked.origin);
  expect(a.headers["transfer-encoding"]).toBe("chunked");
  expect(a.text).toBe("part one, part two");

  const raw = await rawServer((n, socket) => {
    if (n === 0) socket.end("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
  });
  const b = await send(pool, raw.origin);
  expect(b).toEqual({ status: 200, headers: { "content-type": "text/plain" }, text: "until the end" });

  const early = await rawServer((_n, socket) => {
    socket.write("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
    setImmediate(() => socket.write("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"));
  });
  expect(await send(pool, early.origin)).toEqual({ status: 201, headers: { "content-length": "2" }, text: "ok" });
});

test("a repeated header's values are joined (set-cookie: a list), names lower-cased, as Node's http gives them", async () => {
  const raw = await rawServer((_n, socket) =>
    socket.write("HTTP/1.1 200 OK\r\nX-Seen: a\r\nx-seen: b\r\nSet-Cookie: c=1\r\nSet-Cookie: d=2\r\nContent-Length: 0\r\n\r\n"),
  );
  const a = await send(usePool(), raw.origin);
  expect(a.headers).toEqual({ "x-seen": "a, b", "set-cookie": ["c=1", "d=2"], "content-length": "0" });
});

test("Connection: close and answers framed by the end are not reused; an idle connection the server closed is replaced", async () => {
  const server = await httpServer((req, res) => {
    if (req.url === "/close") res.setHeader("connection", "close");
    res.end("x");
  });
  const pool = usePool();
  await send(pool, server.origin, { path: "/close" });
  await send(pool, server.origin);
  expect(server.connections).toHaveLength(2);
  // the server closes the idle connection; the pool notices and opens another
  server.connections[1].destroy();
  await closed(server.connections[1]);
  await new Promise((done) => setTimeout(done, 20));
  expect((await send(pool, server.origin)).text).toBe("x");
  expect(server.connections).toHaveLength(3);
});

test("readBody false: resolves at the headers, drains a short body for reuse, closes the connection of a long one", async () => {
  const server = await httpServer((req, res) => res.end(req.url === "/long" ? "x".repeat(200_000) : "short body"));
  const pool = usePool();
  expect(await send(pool, server.origin, { readBody: false })).toEqual({ status: 200, headers: expect.any(Object), text: "" });
  await new Promise((done) => setTimeout(done, 20));
  expect((await send(pool, server.origin)).text).toBe("short body");
  expect(server.connections).toHaveLength(1);
  expect((await send(pool, server.origin, { path: "/long", readBody: false })).status).toBe(200);
  await closed(server.connections[0]);
  expect((await send(pool, server.origin)).text).toBe("short body");
  expect(server.connections).toHaveLength(2);
});

test("a connection that closes early or answers garbage rejects with a message that says so", async () => {
  const pool = usePool();
  const hangUp = await rawServer((_n, socket) => socket.destroy());
  await expect(send(pool, hangUp.origin)).rejects.toThrow("socket hang up");
  const cut = await rawServer((_n, socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."));
  await expect(send(pool, cut.origin)).rejects.toThrow("the connection closed before the whole answer arrived");
  const garbage = await rawServer((_n, socket) => socket.write("SSH-2.0-OpenSSH_9.6\r\n\r\n"));
  await expect(send(pool, garbage.origin)).rejects.toThrow(/^the answer is not valid HTTP\/1\.1: /);
  // a port that was just free: nothing listens there
  const probe = createTcpServer();
  await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((done) => probe.close(() => done()));
  await expect(send(pool, `http://127.0.0.1:${port}`)).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${port}`);
});

test("a header that would inject another is refused before anything is sent, without its value in the message", async () => {
  const server = await httpServer((_req, res) => res.end());
  const pool = usePool();
  const sent = send(pool, server.origin, { headers: { "x-api-key": "secret-value\r\nx-injected: 1" } });
  await expect(sent).rejects.toThrow('invalid character in the value of header "x-api-key"');
  await expect(sent).rejects.not.toThrow("secret-value");
  await expect(send(pool, server.origin, { headers: { "bad name": "v" } })).rejects.toThrow('invalid header name "bad name"');
  await expect(send(pool, server.origin, { path: "/a b" })).rejects.toThrow("unescaped characters");
  expect(server.requests).toHaveLength(0);
});

test("the signal aborts a request that waits for its answer, with the signal's reason", async () => {
  const server = await rawServer(() => undefined); // never answers
  const pool = usePool();
  const controller = new AbortController();
  const sent = send(pool, server.origin, { signal: controller.signal });
  await new Promise((done) => setTimeout(done, 20));
  controller.abort(new Error("no answer within 20 ms"));
  await expect(sent).rejects.toThrow("no answer within 20 ms");
  await closed(server.connections[0]);
});

test("an idle connection does not keep the process alive", async () => {
  // a server that never closes an idle connection
  const server = await rawServer((_n, socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbye"));
  const client = resolve(__dirname, "../../dist/lib/client/node-http.js");
  // the child sends one request and never closes its pool: it must still exit by itself
  const script =
    `new (require(${JSON.stringify(client)}).NodeHttpPool)().request({ origin: ${JSON.stringify(server.origin)}, method: "GET", ` +
    `path: "/", headers: {}, signal: new AbortController().signal }).then((a) => process.stdout.write(a.text))`;
  const out = await new Promise<string>((done, fail) =>
    execFile(process.execPath, ["-e", script], { timeout: 10_000 }, (error, stdout) => (error ? fail(error) : done(stdout))),
  );
  expect(out).toBe("bye");
});
