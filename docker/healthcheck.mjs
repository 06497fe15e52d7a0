// Container health checks that prove traffic flows, not only that a process is up (compose runs them).
//   node /app/docker/healthcheck.mjs self [PATH]   the service answers on its network address, where its peers
//                                                  reach it (a server bound to 127.0.0.1 fails here)
//   node /app/docker/healthcheck.mjs sink          a probe CloudEvent reaches K_SINK (the router) and is accepted
// Several checks may follow each other: `self sink`. Exit 0 when all pass.
import { hostname, networkInterfaces } from "node:os";

const port = process.env.ROUTER_PORT ?? process.env.PORT ?? "8080";
const timeout = () => AbortSignal.timeout(2500);

function networkAddress() {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("no network address besides loopback");
}

const checks = {
  async self(path = "/") {
    const res = await fetch(`http://${networkAddress()}:${port}${path}`, { signal: timeout() });
    await res.body?.cancel();
    // /healthz means "usable"; any other path only has to be answered.
    if (path === "/healthz" && res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  },
  async sink() {
    const sink = process.env.K_SINK;
    if (!sink) throw new Error("K_SINK is not set");
    const res = await fetch(sink, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": `probe-${hostname()}-${Date.now()}`,
        "ce-source": `/healthcheck/${process.env.K_SERVICE ?? hostname()}`,
        // No Trigger subscribes to it: the router accepts it and delivers it nowhere.
        "ce-type": "dev.estrena.probe",
      },
      body: "{}",
      signal: timeout(),
    });
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) throw new Error(`${sink} answered ${res.status} to a probe event`);
  },
};

const args = process.argv.slice(2);
try {
  for (let i = 0; i < args.length; i++) {
    const name = args[i];
    if (!(name in checks)) throw new Error(`unknown check ${name}`);
    const path = args[i + 1]?.startsWith("/") ? args[++i] : undefined;
    await checks[name](path);
  }
} catch (err) {
  process.stderr.write(`healthcheck: ${err.message}\n`);
  process.exit(1);
}
