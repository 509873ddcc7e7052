// The signed-in session: Cognito tokens in localStorage, login/register/logout and token refresh.
import { request, ApiError } from "./http.js";

const KEY = "shop.session";
const REFRESH_MARGIN_MS = 60 * 1000; // refresh the ID token when it expires within a minute
const events = new EventTarget();

function read() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || "null");
    return s && typeof s.idToken === "string" ? s : null;
  } catch {
    return null;
  }
}

function write(session, reason) {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  events.dispatchEvent(new CustomEvent("change", { detail: { session, reason } }));
}

/** The claims of a JWT, or {} when it cannot be decoded (opaque local tokens). */
export function jwtClaims(token) {
  try {
    const part = token.split(".")[1];
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const json = decodeURIComponent(
      Array.from(atob(b64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""),
    );
    return JSON.parse(json) || {};
  } catch {
    return {};
  }
}

function expiryOf(idToken, expiresIn) {
  const times = [];
  if (typeof expiresIn === "number" && expiresIn > 0) times.push(Date.now() + expiresIn * 1000);
  const { exp } = jwtClaims(idToken);
  if (typeof exp === "number") times.push(exp * 1000);
  return times.length ? Math.min(...times) : null;
}

export function getSession() {
  return read();
}

export function isLoggedIn() {
  return read() !== null;
}

/** The e-mail of the signed-in user, from the login form or the ID token. */
export function sessionEmail() {
  const s = read();
  return s ? s.email || jwtClaims(s.idToken).email || "" : "";
}

/** Subscribe to login, logout, refresh and expiry: fn({session, reason}). Returns an unsubscribe. */
export function onSessionChange(fn) {
  const handler = (e) => fn(e.detail);
  events.addEventListener("change", handler);
  return () => events.removeEventListener("change", handler);
}

// Another tab logged in or out: follow it.
window.addEventListener("storage", (e) => {
  if (e.key === KEY) events.dispatchEvent(new CustomEvent("change", { detail: { session: read(), reason: "other-tab" } }));
});

export async function register({ email, password, name }) {
  return request("POST", "/auth/register", { body: { email, password, name } });
}

export async function confirm({ email, code }) {
  return request("POST", "/auth/confirm", { body: { email, code } });
}

export async function login({ email, password }) {
  const t = await request("POST", "/auth/login", { body: { email, password } });
  const session = {
    idToken: t.idToken,
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    expiresAt: expiryOf(t.idToken, t.expiresIn),
    email,
  };
  write(session, "login");
  return session;
}

export function logout(reason = "logout") {
  refreshing = null;
  write(null, reason);
}

let refreshing = null;

/** Trade the refresh token for a new ID token. Concurrent callers share one request. */
export function refresh() {
  if (!refreshing) {
    refreshing = doRefresh().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh() {
  const s = read();
  if (!s || !s.refreshToken) {
    if (s) logout("expired");
    throw new ApiError(401, "UnauthorizedError", "Your session has ended. Please log in again.");
  }
  let t;
  try {
    t = await request("POST", "/auth/refresh", { body: { refreshToken: s.refreshToken } });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 400)) {
      logout("expired");
      throw new ApiError(401, "UnauthorizedError", "Your session has ended. Please log in again.");
    }
    throw err; // network trouble or a 503: keep the session, the caller may retry
  }
  const current = read();
  if (!current || current.refreshToken !== s.refreshToken) return current ? current.idToken : null; // logged out meanwhile
  const next = {
    ...current,
    idToken: t.idToken,
    accessToken: t.accessToken || current.accessToken,
    refreshToken: t.refreshToken || current.refreshToken,
    expiresAt: expiryOf(t.idToken, t.expiresIn),
  };
  write(next, "refresh");
  return next.idToken;
}

/** An ID token good for at least a minute, refreshed first when needed. Throws a 401 ApiError when signed out. */
export async function validIdToken() {
  const s = read();
  if (!s) throw new ApiError(401, "UnauthorizedError", "Please log in to continue.");
  if (s.expiresAt && s.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
    return (await refresh()) || Promise.reject(new ApiError(401, "UnauthorizedError", "Please log in to continue."));
  }
  return s.idToken;
}
