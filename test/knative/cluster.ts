// A Knative control plane on loopback: etcd, kube-apiserver and Knative Serving's controller, built from the Go
// module proxy by test/knative/build.sh into .estrena/knative/bin. Only this suite uses it.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

export const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, ".estrena", "knative", "bin");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
};

async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Where the consumer module resolved a Go module: its CRDs and ConfigMaps are applied from there. */
export function moduleDir(consumer: string, mod: string): string {
  const out = execFileSync("go", ["list", "-m", "-json", mod], {
    cwd: join(ROOT, "test", "knative", "build", consumer),
    env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` },
    encoding: "utf8",
  });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

export class Cluster {
  readonly procs: ChildProcess[] = [];
  private ca = "";
  private cert = "";
  private key = "";
  private api = "";
  private discovery = new Map<string, { plural: string; namespaced: boolean }>();

  constructor(readonly dir: string) {}

  private start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    const bin = join(BIN, name);
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run bash test/knative/build.sh`);
    const log = createWriteStream(join(this.dir, `${name}.log`));
    const p = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    p.stdout?.pipe(log);
    p.stderr?.pipe(log);
    this.procs.push(p);
    return p;
  }

  log(name: string): string {
    return readFileSync(join(this.dir, `${name}.log`), "utf8");
  }

  /** etcd and kube-apiserver on free loopback ports; resolves when /readyz answers ok. */
  async startApiServer(): Promise<void> {
    const [client, peer, secure] = [await freePort(), await freePort(), await freePort()];
    const d = this.dir;
    const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: d, stdio: "ignore" });
    ssl([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=estrena-test-ca",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
    ]);
    ssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver", "-keyout", "api.key", "-out", "api.csr"]);
    writeFileSync(join(d, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ssl([
      "x509",
      "-req",
      "-in",
      "api.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      "san.ext",
      "-out",
      "api.crt",
    ]);
    // The test's own identity: a client certificate in system:masters (anonymous requests are refused).
    ssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/O=system:masters/CN=estrena-test",
      "-keyout",
      "admin.key",
      "-out",
      "admin.csr",
    ]);
    ssl(["x509", "-req", "-in", "admin.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-out", "admin.crt"]);
    ssl(["genrsa", "-out", "sa.key", "2048"]);
    ssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
    this.ca = readFileSync(join(d, "ca.crt"), "utf8");
    this.cert = readFileSync(join(d, "admin.crt"), "utf8");
    this.key = readFileSync(join(d, "admin.key"), "utf8");
    this.api = `https://127.0.0.1:${secure}`;
    this.start("etcd", [
      `--data-dir=${join(d, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${client}`,
      `--advertise-client-urls=http://127.0.0.1:${client}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=default=http://127.0.0.1:${peer}`,
    ]);
    this.start("kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${client}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${secure}`,
      // It refuses a loopback advertise address; this documentation-only address (RFC 5737) is never contacted:
      // nothing here reaches the apiserver through the in-cluster `kubernetes` Service.
      "--advertise-address=192.0.2.10",
      `--tls-cert-file=${join(d, "api.crt")}`,
      `--tls-private-key-file=${join(d, "api.key")}`,
      `--service-account-key-file=${join(d, "sa.pub")}`,
      `--service-account-signing-key-file=${join(d, "sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/16",
      // A throwaway single-user control plane on loopback: one client certificate, allowed everything.
      `--client-ca-file=${join(d, "ca.crt")}`,
      "--authorization-mode=AlwaysAllow",
    ]);
    writeFileSync(
      join(d, "kubeconfig"),
      `apiVersion: v1\nkind: Config\nclusters: [{name: local, cluster: {server: "${this.api}", certificate-authority: "${join(d, "ca.crt")}"}}]\n` +
        `users: [{name: test, user: {client-certificate: "${join(d, "admin.crt")}", client-key: "${join(d, "admin.key")}"}}]\ncontexts: [{name: local, context: {cluster: local, user: test}}]\ncurrent-context: local\n`,
    );
    await this.until("kube-apiserver /readyz", async () => (await this.call("GET", "/readyz")).status === 200, 120_000);
  }

  /** Knative Serving's controller, with the kubeconfig above and Knative's own environment. */
  startController(): ChildProcess {
    return this.start("controller", [`--kubeconfig=${join(this.dir, "kubeconfig")}`], {
      SYSTEM_NAMESPACE: "knative-serving",
      POD_NAME: "controller-test",
      CONFIG_LOGGING_NAME: "config-logging",
      CONFIG_OBSERVABILITY_NAME: "config-observability",
    });
  }

  call(
    method: string,
    path: string,
    body?: string,
    type = "application/json",
  ): Promise<{ status: number; json: () => unknown; text: string }> {
    return new Promise((ok, fail) => {
      const req = request(
        `${this.api}${path}`,
        { method, ca: this.ca, cert: this.cert, key: this.key, headers: body ? { "content-type": type } : {} },
        (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => ok({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) }));
        },
      );
      req.on("error", fail);
      req.end(body);
    });
  }

  async until(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await fn().catch(() => false)) return;
      await sleep(250);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  private async resource(apiVersion: string, kind: string): Promise<{ plural: string; namespaced: boolean }> {
    const key = `${apiVersion}/${kind}`;
    if (!this.discovery.has(key)) {
      const url = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      // A CRD just established can take a moment to appear in discovery.
      let res = await this.call("GET", url);
      for (let i = 0; i < 40 && res.status === 404; i++) {
        await sleep(250);
        res = await this.call("GET", url);
      }
      if (res.status !== 200) throw new Error(`${apiVersion} is not served (${res.status}): is its CRD applied?`);
      for (const r of (res.json() as { resources: { name: string; kind: string; namespaced: boolean }[] }).resources) {
        if (!r.name.includes("/")) this.discovery.set(`${apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
      }
    }
    const r = this.discovery.get(key);
    if (!r) throw new Error(`${apiVersion} has no kind ${kind}`);
    return r;
  }

  path(apiVersion: string, plural: string, namespace?: string, name?: string): string {
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return `${base}${namespace ? `/namespaces/${namespace}` : ""}/${plural}${name ? `/${name}` : ""}`;
  }

  /** Server-side apply, as `kubectl apply --server-side` does. Throws with the apiserver's message. */
  async apply(obj: Obj): Promise<void> {
    const r = await this.resource(obj.apiVersion, obj.kind);
    const ns = r.namespaced ? (obj.metadata.namespace ?? "default") : undefined;
    const path = `${this.path(obj.apiVersion, r.plural, ns, obj.metadata.name)}?fieldManager=estrena-test&force=true`;
    const res = await this.call("PATCH", path, JSON.stringify(obj), "application/apply-patch+yaml");
    if (res.status >= 300) throw new Error(`${obj.kind} ${obj.metadata.name}: ${res.status} ${res.text.slice(0, 300)}`);
    if (obj.kind === "CustomResourceDefinition") {
      await this.until(`CRD ${obj.metadata.name} established`, async () => {
        const crd = (await this.call("GET", this.path(obj.apiVersion, r.plural, undefined, obj.metadata.name))).json() as {
          status?: { conditions?: { type: string; status: string }[] };
        };
        return !!crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
      });
      this.discovery.clear();
    }
  }

  async list(apiVersion: string, plural: string, namespace: string, selector: string): Promise<Obj[]> {
    const res = await this.call("GET", `${this.path(apiVersion, plural, namespace)}?labelSelector=${encodeURIComponent(selector)}`);
    return res.status === 200 ? (res.json() as { items: Obj[] }).items : [];
  }

  /** Ends every process it started and waits for each to exit. */
  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once("exit", r));
        p.kill("SIGTERM");
        const t = setTimeout(() => p.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(t);
      }),
    );
  }
}

/** Every YAML document of the files given, skipping empty ones. */
export function readManifests(files: string[]): Obj[] {
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, "utf8"))
      .map((d) => d.toJSON() as Obj | null)
      .filter((o): o is Obj => !!o?.kind),
  );
}

export function mkdirp(d: string): string {
  mkdirSync(d, { recursive: true });
  return d;
}
