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

/** A running load: `workers` loops sending GETs to one URL until stopped. */
export interface Load {
  /** Stops the loops, waits for the requests in flight and resolves to every answer counted like `countLandings`. */
  stop(): Promise<Landing>;
}

/**
 * Starts `workers` loops that each send sequential GETs to `url` until `stop()`; answers are counted by `X-Backend`
 * (or `status <code>`, or `error <code>` when the request itself failed), so a test can say where live traffic
 * landed while something else (a `terraform apply`) ran.
 */
export function startLoad(url: string, workers = 2): Load {
  const counts: Landing = {};
  let running = true;
  const add = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  const loop = async () => {
    while (running) {
      try {
        const res = await request(url, { method: "GET" });
        await res.body.text();
        const backend = res.headers["x-backend"];
        add(res.statusCode === 200 && typeof backend === "string" ? backend : `status ${res.statusCode}`);
      } catch (error) {
        add(`error ${(error as { code?: string }).code ?? String(error)}`);
      }
    }
  };
  const loops = Array.from({ length: workers }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return counts;
    },
  };
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
