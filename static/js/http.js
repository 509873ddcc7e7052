// The low-level HTTP client: base URL, JSON in and out, and the error body {Code, Message} as ApiError.
import { API_BASE_URL } from "../config.js";

const FRIENDLY = {
  400: "The request was not accepted.",
  401: "Please log in again.",
  403: "You are not allowed to do that.",
  404: "Not found.",
  409: "That conflicts with the current state. Refresh and try again.",
  413: "That is too large to send.",
  422: "That request cannot be processed.",
  429: "Too many requests. Wait a moment and try again.",
  500: "The shop had a problem. Try again in a moment.",
  502: "The shop had a problem. Try again in a moment.",
  503: "The shop is busy right now. Try again in a moment.",
  504: "The shop took too long to answer. Try again in a moment.",
};

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || FRIENDLY[status] || `Request failed (${status}).`);
    this.name = "ApiError";
    this.status = status; // 0 means the network failed before an answer came back
    this.code = code || "";
    // What kind of 409 this is (idempotency_in_flight, out_of_stock, ...), when the API says so.
    this.reason = (body && typeof body.reason === "string" && body.reason) || "";
    this.body = body;
  }

  /** A sentence for the aria-live region. The API's Message names the field; keep it. */
  readable() {
    if (this.status === 0) return this.message;
    const base = this.message || FRIENDLY[this.status] || "Something went wrong.";
    const sentence = /[.!?]$/.test(base) ? base : `${base}.`;
    return sentence.charAt(0).toUpperCase() + sentence.slice(1);
  }
}

function url(path, query) {
  const base = API_BASE_URL.replace(/\/+$/, "");
  const u = new URL(base + path);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, String(v));
  }
  return u.toString();
}

/**
 * request("POST", "/auth/login", {body, query, headers, token, signal}) -> parsed JSON (or null for 204).
 * Throws ApiError for any non-2xx answer and for network failures (status 0).
 */
export async function request(method, path, { body, query, headers = {}, token, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;

  let response;
  try {
    response = await fetch(url(path, query), init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "NetworkError", "Could not reach the shop. Check your connection and try again.");
  }

  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) return data;
  // Chalice errors are {Code, Message}; API Gateway's own 401/403 are {message}.
  const code = data && (data.Code || data.code);
  const message = data && (data.Message || data.message);
  throw new ApiError(response.status, code, message, data);
}
