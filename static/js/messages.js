// The aria-live message region: API errors and confirmations as readable text.
import { h } from "./dom.js";

function region() {
  return document.getElementById("messages");
}

/** Show a message. kind: "info" | "success" | "warning" | "error". Returns a function that removes it. */
export function notify(text, kind = "info", { timeout } = {}) {
  const box = region();
  if (!box) return () => {};
  // One message of a given text at a time.
  for (const old of box.querySelectorAll(".message")) {
    if (old.dataset.text === text) old.remove();
  }
  const close = h("button", { type: "button", class: "message-close", "aria-label": "Dismiss message" }, "×");
  const msg = h(
    "div",
    { class: "message", testid: kind === "error" ? "error-message" : "message", dataset: { kind, text } },
    h("p", { class: "message-text" }, text),
    close,
  );
  const remove = () => msg.remove();
  close.addEventListener("click", remove);
  box.append(msg);
  // Keep the region short: at most three messages, the newest last.
  const all = box.querySelectorAll(".message");
  for (let i = 0; i < all.length - 3; i += 1) all[i].remove();
  const ms = timeout ?? (kind === "error" ? 0 : 6000);
  if (ms > 0) setTimeout(remove, ms);
  return remove;
}

export function notifyError(error) {
  return notify(errorText(error), "error");
}

export function clearMessages() {
  const box = region();
  if (box) box.replaceChildren();
}

/** A readable sentence for any error (ApiError, network failure, or a plain Error). */
export function errorText(error) {
  if (!error) return "Something went wrong.";
  if (error.name === "ApiError") return error.readable();
  if (error.name === "AbortError") return "The request was cancelled.";
  return error.message || "Something went wrong.";
}

const pending = [];

/** A message for the next page: shown after the navigation that follows (which clears old messages). */
export function flash(text, kind = "info") {
  pending.push([text, kind]);
}

/** Called on every navigation: drop the old page's messages, show the flashed ones. */
export function showFlashes() {
  clearMessages();
  while (pending.length) {
    const [text, kind] = pending.shift();
    notify(text, kind);
  }
}
