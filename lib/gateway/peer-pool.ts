/**
 * An undici `Pool` that remembers which address each request was sent to: the `node` label of APISIX's metrics is
 * the IP the gateway connected to (`ctx.balancer_ip`), also when the node is a host name. Each pooled `Client` keeps
 * the remote address of its current socket (pipelining 1: one request per socket at a time), and each request's
 * options object is mapped to the client that took it. Only public undici options are used (`factory`, `connect`).
 */
import type { Socket } from "node:net";
import { Client, Pool, type Dispatcher, type buildConnector } from "undici";

class PeerClient extends Client {
  peer: string | undefined;

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    clientOfRequest.set(options, this);
    return super.dispatch(options, handler);
  }
}

const clientOfRequest = new WeakMap<object, PeerClient>();

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** A Pool whose requests' peer addresses `peerAddress(options)` can tell. */
export function createPeerPool(origin: string, options: Pool.Options): Pool {
  return new Pool(origin, {
    ...options,
    factory: (url, clientOptions) => {
      const connect = (clientOptions as Client.Options).connect as buildConnector.connector;
      const client: PeerClient = new PeerClient(url, {
        ...(clientOptions as Client.Options),
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
