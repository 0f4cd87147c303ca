/**
 * Loads only the parts of undici the client needs (the `Agent` and the `request` API), about 20 ms instead of
 * the ~65 ms of `require("undici")`: the hook's cold start is benchmarked. Falls back to the full package if the
 * internal layout ever changes.
 */
import type { Agent as AgentType, Dispatcher } from "undici";

export interface UndiciLite {
  readonly Agent: typeof AgentType;
  /** `undici.request` bound to an explicit dispatcher. */
  request(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
}

type RequestFn = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

let loaded: UndiciLite | undefined;

/** Returns the (memoised) undici subset. */
export function loadUndici(): UndiciLite {
  if (loaded) return loaded;
  let Agent: typeof AgentType;
  let requestFn: RequestFn;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    Agent = require("undici/lib/dispatcher/agent") as typeof AgentType;
    requestFn = require("undici/lib/api/api-request") as RequestFn;
    if (typeof Agent !== "function" || typeof requestFn !== "function") throw new Error("unexpected undici layout");
  } catch {
    const full = require("undici") as typeof import("undici");
    /* eslint-enable @typescript-eslint/no-require-imports */
    Agent = full.Agent;
    requestFn = function (this: Dispatcher, options: Dispatcher.RequestOptions) {
      return this.request(options);
    };
  }
  loaded = { Agent, request: (dispatcher, options) => requestFn.call(dispatcher, options) };
  return loaded;
}
