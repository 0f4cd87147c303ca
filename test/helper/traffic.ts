/** Sends real requests through the gateway's proxy and counts which backend answered. */
import { request } from "undici";

export type Landing = Record<string, number>;

/** Sends `n` sequential GETs to `url` and counts answers by the backend's `X-Backend` header (or `status <code>`). */
export async function countLandings(url: string, n: number, headers: Record<string, string> = {}): Promise<Landing> {
  const counts: Landing = {};
  for (let i = 0; i < n; i++) {
    const res = await request(url, { method: "GET", headers });
    await res.body.text();
    const backend = res.headers["x-backend"];
    const key = res.statusCode === 200 && typeof backend === "string" ? backend : `status ${res.statusCode}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Admin API GET returning the parsed JSON (status included), for assertions on what the gateway holds. */
export async function adminGet(adminUrl: string, path: string, key: string): Promise<{ status: number; body: any }> {
  const res = await request(adminUrl + path, { method: "GET", headers: { "x-api-key": key } });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

/** Admin API PUT of `body` (e.g. a hand-made object), returning the parsed JSON answer. */
export async function adminPut(adminUrl: string, path: string, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await request(adminUrl + path, {
    method: "PUT",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}
