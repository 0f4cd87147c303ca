/**
 * One bounded `GET` for the analysis (a metrics endpoint, Prometheus' HTTP API): the status and the body as text, or
 * an error `cannot read <what>: <network error or time limit>`; callers name the URL with `shownUrl` (credentials
 * hidden).
 */
import { NodeHttpPool } from "../client/node-http";
import { describeError } from "../client/transport";

/** How long one GET may take, connect to last byte. */
export const ANALYSIS_HTTP_TIMEOUT_MS = 10_000;

/** `url` with any `user:password@` replaced by `***@`, for messages. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === "" && u.password === "") return url;
    u.username = "***";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//***@");
  }
}

/** GETs `url`; `what` says what was read and where, for errors (e.g. `the metrics from http://...`). */
export async function httpGet(url: string, what: string, timeoutMs = ANALYSIS_HTTP_TIMEOUT_MS): Promise<{ status: number; text: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`cannot read ${what}: not a URL (expected http://host:port/path)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`cannot read ${what}: only http and https URLs are supported`);
  }
  const pool = new NodeHttpPool();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const headers: Record<string, string> = { accept: "text/plain, application/json" };
  if (parsed.username !== "" || parsed.password !== "") {
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }
  try {
    const { status, text } = await pool.request({
      origin: parsed.origin,
      path: parsed.pathname + parsed.search,
      method: "GET",
      headers,
      signal: controller.signal,
    });
    return { status, text };
  } catch (error) {
    const why = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : describeError(error);
    throw new Error(`cannot read ${what}: ${why}`);
  } finally {
    clearTimeout(timer);
    pool.close();
  }
}
