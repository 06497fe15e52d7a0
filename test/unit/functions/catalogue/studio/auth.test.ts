import { describe, expect, it } from "vitest";
import {
  checkCsrf,
  checkLogin,
  csrfToken,
  issueSession,
  loginLimiter,
  parseBasic,
  readCookie,
  sessionCookie,
  verifySession,
} from "../../../../../functions/catalogue/studio/auth.js";

const login = { user: "editor", password: "correct horse battery staple" };

describe("studio login", () => {
  it("accepts the login and refuses anything else", () => {
    expect(checkLogin(login, "editor", login.password)).toBe(true);
    expect(checkLogin(login, "editor", "wrong")).toBe(false);
    expect(checkLogin(login, "root", login.password)).toBe(false);
    expect(checkLogin({ user: "", password: "" }, "", "")).toBe(false);
  });

  it("issues sessions that verify until they expire, and only for the same login", () => {
    const now = 1_000_000;
    const { token, session } = issueSession(login, now);
    expect(verifySession(login, token, now + 1000)).toEqual(session);
    expect(verifySession(login, token, session.expires)).toBeNull();
    expect(verifySession({ ...login, password: "changed password" }, token, now)).toBeNull();
    expect(
      verifySession(
        login,
        token.replace(/^./, (c) => (c === "e" ? "f" : "e")),
        now,
      ),
    ).toBeNull();
    expect(verifySession(login, `${token}.x`, now)).toBeNull();
    expect(verifySession(login, undefined, now)).toBeNull();
  });

  it("binds the CSRF token to its session", () => {
    const a = issueSession(login).session;
    const b = issueSession(login).session;
    expect(checkCsrf(login, a, csrfToken(login, a))).toBe(true);
    expect(checkCsrf(login, a, csrfToken(login, b))).toBe(false);
    expect(checkCsrf(login, a, undefined)).toBe(false);
  });

  it("reads Basic credentials and cookies", () => {
    expect(parseBasic(`Basic ${Buffer.from("editor:pa:ss").toString("base64")}`)).toEqual({ user: "editor", password: "pa:ss" });
    expect(parseBasic("Bearer abc")).toBeNull();
    expect(readCookie("a=1; estrena_studio=tok.sig; b=2", "estrena_studio")).toBe("tok.sig");
    expect(readCookie(undefined, "estrena_studio")).toBeUndefined();
  });

  it("sets an HttpOnly, SameSite=Strict cookie, Secure over https", () => {
    expect(sessionCookie("t", false)).toBe("estrena_studio=t; Path=/api/studio; HttpOnly; SameSite=Strict; Max-Age=43200");
    expect(sessionCookie(null, true)).toBe("estrena_studio=; Path=/api/studio; HttpOnly; SameSite=Strict; Max-Age=0; Secure");
  });

  it("rate-limits failed logins per client and in all", () => {
    const limiter = loginLimiter({ perClient: 3, total: 5 });
    const t = 60_000 * 100;
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter("a", t)).toBe(0);
      limiter.failed("a", t);
    }
    expect(limiter.retryAfter("a", t)).toBe(60);
    expect(limiter.retryAfter("b", t)).toBe(0);
    limiter.failed("b", t);
    limiter.failed("c", t);
    expect(limiter.retryAfter("d", t)).toBeGreaterThan(0);
    expect(limiter.retryAfter("a", t + 60_000)).toBe(0);
  });
});
