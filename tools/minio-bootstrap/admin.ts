/**
 * The three MinIO admin calls the bootstrap needs (canned policy, user, attach), by hand: no admin client for
 * Node exists on npm, and `mc` would be a second 5-minute Go build in every image. MinIO-specific by nature,
 * like the notification adapter in setup.ts; the rest of the code speaks plain S3.
 * API: cmd/admin-router.go of the pinned MinIO; body encryption: madmin-go EncryptData (pbkdf2 + AES-256-GCM,
 * the FIPS variant the server always accepts) over sio-go's stream format.
 */
import { createCipheriv, createHash, pbkdf2Sync, randomBytes } from "node:crypto";
import { signV4 } from "minio/dist/esm/signing.mjs";
import type { Policy } from "../../lib/runtime/identities.js";

export interface AdminTarget {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
}

const PBKDF2_AES_GCM = 0x02;
const PBKDF2_COST = 8192;

function gcm(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const c = createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(aad);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

/**
 * madmin.EncryptData for bodies under one sio fragment (16 KiB): salt | id | nonce | sealed fragment.
 * sio-go derives the associated data from an empty seal under sequence number 0, and seals the final fragment
 * with sequence number 1 and the flag 0x80.
 */
export function encryptAdminBody(password: string, data: Buffer): Buffer {
  if (data.length >= 1 << 14) throw new Error("admin request body too large for one fragment");
  const salt = randomBytes(32);
  const nonce = randomBytes(8);
  const key = pbkdf2Sync(Buffer.from(password), salt, PBKDF2_COST, 32, "sha256");
  const seq = (n: number) => {
    const b = Buffer.alloc(12);
    nonce.copy(b);
    b.writeUInt32LE(n, 8);
    return b;
  };
  const aadTag = gcm(key, seq(0), Buffer.alloc(0), Buffer.alloc(0));
  const sealed = gcm(key, seq(1), data, Buffer.concat([Buffer.from([0x80]), aadTag]));
  return Buffer.concat([salt, Buffer.from([PBKDF2_AES_GCM]), nonce, sealed]);
}

/** One signed admin call; throws with MinIO's own message on a non-2xx answer. */
async function call(t: AdminTarget, method: string, api: string, query: Record<string, string>, body: Buffer): Promise<void> {
  const u = new URL(t.endpoint);
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  const path = `/minio/admin/v3/${api}?${qs}`;
  const date = new Date();
  const sha = createHash("sha256").update(body).digest("hex");
  const headers: Record<string, string> = {
    host: u.host,
    "x-amz-date": date.toISOString().replace(/[:-]|\.\d{3}/g, ""),
    "x-amz-content-sha256": sha,
    "content-length": String(body.length),
  };
  headers.authorization = signV4({ method, path, headers, protocol: u.protocol }, t.accessKey, t.secretKey, t.region, date, sha);
  const res = await fetch(new URL(path, u), { method, headers, body: new Uint8Array(body), signal: AbortSignal.timeout(15_000) });
  if (!res.ok) {
    const text = await res.text();
    const message = /"Message":"([^"]*)"/.exec(text)?.[1] ?? /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
    throw new Error(`MinIO admin ${api} answered ${res.status}: ${message}`);
  }
}

/** Creates or replaces a canned policy. */
export function putPolicy(t: AdminTarget, name: string, policy: Policy): Promise<void> {
  return call(t, "PUT", "add-canned-policy", { name }, Buffer.from(JSON.stringify(policy)));
}

/** Creates the user, or sets its secret and enables it when it exists. */
export function putUser(t: AdminTarget, accessKey: string, secretKey: string): Promise<void> {
  const body = encryptAdminBody(t.secretKey, Buffer.from(JSON.stringify({ secretKey, status: "enabled" })));
  return call(t, "PUT", "add-user", { accessKey }, body);
}

/** Makes `policy` the user's only policy (replacing any other). */
export function setUserPolicy(t: AdminTarget, user: string, policy: string): Promise<void> {
  return call(t, "PUT", "set-user-or-group-policy", { policyName: policy, userOrGroup: user, isGroup: "false" }, Buffer.alloc(0));
}
