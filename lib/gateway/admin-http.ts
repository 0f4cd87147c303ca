/** HTTP helpers of the Admin API: JSON answers, a size-limited body reader, admin-key extraction and comparison. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** APISIX's maximum Admin API body: 1.5 MiB (admin/init.lua 50). */
export const MAX_BODY_BYTES = 1.5 * 1024 * 1024;

/** Sends a JSON answer with APISIX's `X-API-VERSION: v3` header. */
export function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-api-version": "v3",
    ...extraHeaders,
  });
  res.end(text);
}

/** Sends `{"error_msg": msg}` with `status`. */
export function sendAdminError(res: ServerResponse, status: number, msg: string, extraHeaders: Record<string, string> = {}): void {
  sendJson(res, status, { error_msg: msg }, extraHeaders);
}

/** Outcome of reading a request body. */
export type BodyResult = { ok: true; text: string } | { ok: false; tooLarge: number };

/** Reads the request body as UTF-8, stopping (and draining the rest) once it exceeds `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ ok: false, tooLarge: declared });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (over) return;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve({ ok: false, tooLarge: size });
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve({ ok: true, text: Buffer.concat(chunks).toString("utf8") });
    });
    req.on("error", reject);
  });
}

/** The admin key a request carries: query `api_key`, then header `X-API-KEY`, then cookie `x_api_key`. */
export function presentedKey(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const fromQuery = query.get("api_key");
  if (fromQuery !== null) return fromQuery;
  const header = req.headers["x-api-key"];
  if (typeof header === "string") return header;
  if (Array.isArray(header) && header[0] !== undefined) return header[0];
  const cookie = req.headers.cookie;
  if (typeof cookie === "string") {
    for (const part of cookie.split(";")) {
      const eq = part.indexOf("=");
      if (eq !== -1 && part.slice(0, eq).trim() === "x_api_key") return decodeCookie(part.slice(eq + 1).trim());
    }
  }
  return undefined;
}

function decodeCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Compares two keys in constant time (independent of where they differ and of their lengths). */
export function keysEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}
