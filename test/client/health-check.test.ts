/** The health probe against a real loopback server: status, Host header, timeouts. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { probeNodes } from "../../lib/client/health-check";

test("probes send the rewrite Host header when the target has one, and the node's address otherwise", async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.host ?? "");
    res.writeHead(req.headers.host === "green.shop.internal" ? 200 : 421);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const results = await probeNodes(
      [
        { color: "green", scheme: "http", host: "127.0.0.1", port, host_header: "green.shop.internal" },
        { color: "blue", scheme: "http", host: "127.0.0.1", port },
      ],
      { path: "/healthz", expectStatus: 200, timeoutMs: 2000 },
    );
    expect(results.map((r) => [r.probe.color, r.ok])).toEqual([
      ["green", true],
      ["blue", false],
    ]);
    expect(seen.sort()).toEqual([`127.0.0.1:${port}`, "green.shop.internal"]);
  } finally {
    server.close();
  }
});
