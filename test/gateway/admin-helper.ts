/** Test helper for the Admin API tests: a started gateway plus a small JSON client. */
import { startGateway, type GatewayOptions, type RunningGateway } from "../../lib/gateway";

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export interface AdminClient {
  gw: RunningGateway;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

export const KEY = "test-admin-key-0123456789";

/** Starts a gateway on 127.0.0.1 port 0 with a known key. */
export async function startAdmin(options: GatewayOptions = {}): Promise<AdminClient> {
  const gw = await startGateway({ adminPort: 0, proxyPort: 0, adminKey: KEY, ...options });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = {
      method,
      headers: { "x-api-key": gw.adminKey, "content-type": "application/json", ...headers },
    };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    const res = await fetch(gw.adminUrl + path, init);
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return { gw, call };
}
