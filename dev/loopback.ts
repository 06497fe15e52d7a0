/**
 * Preloaded (`node --import`) into each function that `npm start` runs: a function listens on every interface, as
 * in its container (lib/runtime/server.ts), but natively only the gateway may face the network. A listen() given a
 * port and no host gets 127.0.0.1, so the router and the gateway, both local, still reach the function.
 */
import { Server } from "node:net";

const listen = Server.prototype.listen;
Server.prototype.listen = function (this: Server, ...args: unknown[]) {
  const port = args[0];
  const portOnly = typeof port === "number" || (typeof port === "string" && /^\d+$/.test(port));
  if (portOnly && typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  return listen.apply(this, args as Parameters<typeof listen>);
} as typeof listen;
