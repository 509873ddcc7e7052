// The cart as the whole app sees it (the header count, the product pages, the cart page).
import * as api from "./api.js";
import { getState, setState } from "./store.js";
import { MAX_QUANTITY } from "./limits.js";

/** The cart, priced for a destination when `where` names one ({country, shippingMethod}). */
export async function loadCart(where = {}) {
  const cart = await api.getCart(where);
  setState({ cart });
  return cart;
}

/** Put a promotion code on the cart (a 400 or 409 says why it cannot apply). */
export async function applyCode(code) {
  const cart = await api.applyPromotion(code);
  setState({ cart });
  return cart;
}

export async function removeCode() {
  const cart = await api.removePromotion();
  setState({ cart });
  return cart;
}

function quantityInCart(productId) {
  const items = (getState().cart && getState().cart.items) || [];
  const line = items.find((l) => (l.variantId || l.productId) === productId);
  return line ? line.quantity : 0;
}

/** Add `quantity` more of a product (PUT sets the line's quantity, so add to what the cart holds). */
export async function addToCart(productId, quantity = 1) {
  if (!getState().cart) await loadCart();
  const next = Math.min(MAX_QUANTITY, quantityInCart(productId) + quantity);
  const cart = await api.setCartItem(productId, next);
  setState({ cart });
  return cart;
}

export async function setQuantity(productId, quantity) {
  const cart = await api.setCartItem(productId, quantity);
  setState({ cart });
  return cart;
}

export async function removeLine(productId) {
  const cart = await api.removeCartItem(productId);
  setState({ cart });
  return cart;
}

export async function emptyCart() {
  await api.clearCart();
  const current = getState().cart;
  setState({ cart: { items: [], totalCents: 0, currency: (current && current.currency) || "USD" } });
}

/** After a checkout of the cart the server empties it. */
export function forgetCart() {
  const current = getState().cart;
  setState({ cart: { items: [], totalCents: 0, currency: (current && current.currency) || "USD" } });
}
