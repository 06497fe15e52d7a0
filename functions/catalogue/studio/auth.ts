import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The studio's login: the one editor login (ESTRENA_EDITOR_USER / ESTRENA_EDITOR_PASSWORD), as a cookie session for
 * browsers and HTTP Basic for scripts. Sessions are stateless tokens signed with a key derived from the login, so
 * every catalogue replica accepts them without shared state, and changing the password ends every session.
 */
export interface EditorLogin {
  readonly user: string;
  readonly password: string;
}

export interface Session {
  readonly user: string;
  readonly expires: number;
  /** Random per session; the CSRF token is derived from it, so a token from one session fails in another. */
  readonly nonce: string;
}

export const SESSION_COOKIE = "estrena_studio";
export const SESSION_SECONDS = 12 * 3600;

const b64 = (b: Buffer | string) => Buffer.from(b).toString("base64url");

function keyOf(login: EditorLogin): Buffer {
  return createHmac("sha256", login.password).update(`estrena studio session v1\0${login.user}`).digest();
}

function mac(login: EditorLogin, what: string): Buffer {
  return createHmac("sha256", keyOf(login)).update(what).digest();
}

/** Constant-time equality of two strings of any length (compared as digests, so lengths leak nothing). */
export function sameSecret(a: string, b: string): boolean {
  const k = randomBytes(16);
  return timingSafeEqual(createHmac("sha256", k).update(a).digest(), createHmac("sha256", k).update(b).digest());
}

/** True when user and password are the editor login. Both are always compared, so timing says nothing about which one failed. */
export function checkLogin(login: EditorLogin, user: string, password: string): boolean {
  const userOk = sameSecret(login.user, user);
  const passwordOk = sameSecret(login.password, password);
  return login.user !== "" && login.password !== "" && userOk && passwordOk;
}

export function issueSession(login: EditorLogin, now = Date.now()): { token: string; session: Session } {
  const session: Session = { user: login.user, expires: now + SESSION_SECONDS * 1000, nonce: b64(randomBytes(16)) };
  const payload = b64(JSON.stringify({ u: session.user, e: session.expires, n: session.nonce }));
  return { token: `${payload}.${b64(mac(login, `session\0${payload}`))}`, session };
}

/** The session a cookie token stands for, or null when it is forged, expired or from another login. */
export function verifySession(login: EditorLogin, token: string | undefined, now = Date.now()): Session | null {
  if (!token || !login.password) return null;
  const [payload, sig, extra] = token.split(".");
  if (!payload || !sig || extra !== undefined) return null;
  if (!sameSecret(sig, b64(mac(login, `session\0${payload}`)))) return null;
  let parsed: { u?: unknown; e?: unknown; n?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    return null;
  }
  if (parsed.u !== login.user || typeof parsed.e !== "number" || typeof parsed.n !== "string" || parsed.e <= now) return null;
  return { user: parsed.u, expires: parsed.e, nonce: parsed.n };
}

/** The CSRF token of a session: sent to the page in a JSON body, echoed back in the X-CSRF-Token header. */
export function csrfToken(login: EditorLogin, session: Session): string {
  return b64(mac(login, `csrf\0${session.nonce}`));
}

export function checkCsrf(login: EditorLogin, session: Session, header: string | undefined): boolean {
  return typeof header === "string" && sameSecret(header, csrfToken(login, session));
}

/** `Authorization: Basic ...` decoded, or null when the header is something else. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!m) return null;
  const text = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The cookie value of `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a session (or, with `token` null, for ending it). HttpOnly and SameSite=Strict always; Secure over https. */
export function sessionCookie(token: string | null, secure: boolean): string {
  const attrs = ["Path=/api/studio", "HttpOnly", "SameSite=Strict", `Max-Age=${token ? SESSION_SECONDS : 0}`];
  if (secure) attrs.push("Secure");
  return [`${SESSION_COOKIE}=${token ?? ""}`, ...attrs].join("; ");
}

/**
 * Failed logins per client address and in all, per minute. Fixed one-minute windows: enough to make guessing a
 * generated password hopeless, and simple enough to hold in memory (each replica counts its own).
 */
export function loginLimiter(opts: { perClient: number; total: number } = { perClient: 5, total: 50 }) {
  let window = 0;
  let total = 0;
  const byClient = new Map<string, number>();
  const roll = (now: number) => {
    const w = Math.floor(now / 60_000);
    if (w !== window) {
      window = w;
      total = 0;
      byClient.clear();
    }
  };
  return {
    /** Seconds until the client may try again, or 0 when it may try now. */
    retryAfter(client: string, now = Date.now()): number {
      roll(now);
      const blocked = (byClient.get(client) ?? 0) >= opts.perClient || total >= opts.total;
      return blocked ? Math.max(1, 60 - Math.floor((now % 60_000) / 1000)) : 0;
    },
    failed(client: string, now = Date.now()): void {
      roll(now);
      total++;
      byClient.set(client, (byClient.get(client) ?? 0) + 1);
    },
    succeeded(client: string): void {
      byClient.delete(client);
    },
  };
}
export type LoginLimiter = ReturnType<typeof loginLimiter>;
