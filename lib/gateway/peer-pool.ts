/**
 * An undici `Pool` that remembers which address each request was sent to: the `node` label of APISIX's metrics is
 * the IP the gateway connected to (`ctx.balancer_ip`), also when the node is a host name. Each pooled `Client` keeps
 * the remote address of its current socket (pipelining 1: one request per socket at a time), and each request's
 * options object is mapped to the client that took it. Only public undici options are used (`factory`, `connect`).
 */
import type { Socket } from "node:net";
import type { Client as ClientType, Dispatcher, Pool, buildConnector } from "undici";

type PeerClient = ClientType & { peer: string | undefined };

let undici: { readonly Pool: typeof Pool; readonly PeerClient: new (url: URL, options: ClientType.Options) => PeerClient } | undefined;

/**
 * undici's `Pool` and a `Client` that records its requests, loaded at the first proxied request: a gateway that only
 * serves the Admin API (the hooks' tests, a demo before traffic) starts without undici (~40 ms).
 */
function loadPool(): NonNullable<typeof undici> {
  if (undici) return undici;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client, Pool } = require("undici") as typeof import("undici");
  class RecordingClient extends Client {
    peer: string | undefined;

    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      clientOfRequest.set(options, this);
      return super.dispatch(options, handler);
    }
  }
  undici = { Pool, PeerClient: RecordingClient };
  return undici;
}

const clientOfRequest = new WeakMap<object, PeerClient>();

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** A Pool whose requests' peer addresses `peerAddress(options)` can tell. */
export function createPeerPool(origin: string, options: Pool.Options): Pool {
  const { Pool, PeerClient } = loadPool();
  return new Pool(origin, {
    ...options,
    factory: (url, clientOptions) => {
      const connect = (clientOptions as ClientType.Options).connect as buildConnector.connector;
      const client: PeerClient = new PeerClient(url, {
        ...(clientOptions as ClientType.Options),
        connect: (connectOptions, callback) =>
          connect(connectOptions, (...args) => {
            const socket = args[1] as Socket | null;
            client.peer = socket?.remoteAddress === undefined ? undefined : plainAddress(socket.remoteAddress);
            callback(...args);
          }),
      });
      return client;
    },
  });
}

/** The remote address of the connection that carried the request made with `options` (undefined if unknown). */
export function peerAddress(options: object): string | undefined {
  return clientOfRequest.get(options)?.peer;
}
