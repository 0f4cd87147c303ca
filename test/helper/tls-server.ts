/**
 * A real HTTPS server on 127.0.0.1 with a fresh self-signed certificate (openssl), in its own temp folder: the CA file
 * a client must be told to trust.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SelfSignedServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** The temp folder, which holds `ca.pem` (the certificate, its own CA) and `key.pem`. */
  readonly dir: string;
  readonly caFile: string;
  close(): Promise<void>;
}

export async function startSelfSignedServer(handler: https.RequestListener): Promise<SelfSignedServer> {
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-tls-"));
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    { cwd: dir, stdio: "pipe" },
  );
  const caFile = join(dir, "ca.pem");
  const server = https.createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(caFile) }, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dir,
    caFile,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A handler that forwards every request to `target` over plain http: a TLS front, e.g. for the embedded gateway's Admin API. */
export function forwardTo(target: string): https.RequestListener {
  return (req, res) => {
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  };
}
