// Shared app state: the signed-in profile, the cart and whether optional features exist.
const state = {
  me: null, // the GET /me profile, or null when signed out / not loaded yet
  cart: null, // the last cart the API answered
  notifications: "unknown", // "unknown" | "available" | "missing"
};
const events = new EventTarget();

export function getState() {
  return state;
}

export function setState(patch) {
  Object.assign(state, patch);
  events.dispatchEvent(new Event("change"));
}

export function subscribe(fn) {
  events.addEventListener("change", fn);
  return () => events.removeEventListener("change", fn);
}

export function cartCount() {
  const items = (state.cart && state.cart.items) || [];
  return items.reduce((n, line) => n + (Number(line.quantity) || 0), 0);
}
