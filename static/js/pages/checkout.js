// Checkout: the shipping address, a shipping method (GET /cart?country= lists them with the totals)
// and a test payment token, then POST /orders with an Idempotency-Key.
import { h, field, pageHeader, loading, nextId } from "../dom.js";
import { addressFields } from "../address.js";
import { lineName } from "../components.js";
import { formatMoney } from "../format.js";
import * as api from "../api.js";
import { loadCart, forgetCart } from "../cart-state.js";
import { ensureMe } from "../me-state.js";
import { navigate } from "../router.js";
import { notify, notifyError, flash } from "../messages.js";
import { totalRows } from "../totals.js";

const PAYMENT_TOKENS = [
  { value: "tok_visa", label: "Test card: approved (tok_visa)" },
  { value: "tok_decline", label: "Test card: declined (tok_decline)" },
  { value: "tok_error", label: "Test card: provider error (tok_error)" },
];

/** A random UUID; crypto.randomUUID needs a secure context (an S3 website is plain http). */
function newIdempotencyKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Worth retrying with the same key: no answer, throttled, unavailable, or the same key still in flight.
 * A 409 names its kind in `reason` (idempotency_in_flight, out_of_stock, cart_changed, ...); an API
 * that does not send it yet is read the old way, from the words of its message.
 */
function retryable(err) {
  if (!err || err.name !== "ApiError") return false;
  if (err.status === 0 || err.status === 429 || err.status >= 500) return true;
  if (err.status !== 409) return false;
  if (err.reason) return err.reason === "idempotency_in_flight";
  return /idempotency|in flight|in progress|still running/i.test(err.message || "");
}

/** Out of stock: name the cart's products the API listed by id, so the shopper knows what to change. */
function outOfStockText(err, cart) {
  const short = cart.items.filter((item) => (err.message || "").includes(item.productId)).map((item) => item.name);
  const which = short.length ? `: ${short.join(", ")}` : "";
  return `Not enough stock${which}. Lower the quantity in your cart or remove the item, then try again.`;
}

function summary(cart) {
  const currency = cart.currency || "USD";
  return h(
    "aside",
    { class: "card", "aria-labelledby": "checkout-summary-title", testid: "checkout-summary" },
    h("h2", { id: "checkout-summary-title" }, "Order summary"),
    h("ul", { class: "cart-lines" },
      cart.items.map((item) =>
        h("li", { class: "summary-row", testid: "checkout-item", dataset: { productId: item.productId } },
          h("span", {}, `${item.quantity} × ${lineName(item)}`),
          h("span", {}, formatMoney(item.lineTotalCents, currency))))),
    totalRows(cart, { totalTestid: "checkout-total" }),
    cart.promotionError ? h("p", { class: "small error-text", testid: "promotion-error" }, cart.promotionError) : null,
    h("p", { class: "small muted" }, "The final price is set by the shop when the order is placed."),
  );
}

/** The destination's shipping methods as radio buttons; `chosen` is the method priced now. */
function shippingChoices(cart, chosen, onPick) {
  const options = cart.shippingOptions;
  if (!options) return h("p", { class: "small muted", testid: "shipping-options-hint" }, "Enter the country to see the shipping options.");
  if (!options.length) return h("p", { class: "small error-text", testid: "shipping-options-none" }, "We do not ship to this country.");
  const currency = cart.currency || "USD";
  const name = nextId("ship");
  const picked = chosen || options.reduce((a, b) => (b.rateCents < a.rateCents ? b : a)).methodId;
  return h("fieldset", { class: "shipping-options", testid: "shipping-options" },
    h("legend", {}, "Shipping method"),
    options.map((option) => {
      const id = nextId("ship-opt");
      const radio = h("input", { type: "radio", id, name, value: option.methodId, checked: option.methodId === picked,
        testid: "shipping-option", dataset: { methodId: option.methodId } });
      radio.addEventListener("change", () => onPick(option.methodId));
      return h("div", { class: "shipping-option" }, radio,
        h("label", { for: id }, `${option.name} · ${option.rateCents ? formatMoney(option.rateCents, currency) : "Free"}`));
    }));
}

export async function render({ view }) {
  view.append(pageHeader("Checkout"), loading());
  const [cart, me] = await Promise.all([loadCart(), ensureMe().catch(() => null)]);
  view.querySelector("[data-testid=loading]").remove();

  if (!cart.items || !cart.items.length) {
    view.append(h("div", { class: "empty", testid: "cart-empty" }, h("p", {}, "Your cart is empty, so there is nothing to check out."), h("a", { class: "btn", href: "#/" }, "Browse the catalog")));
    return;
  }

  const address = addressFields(me && me.address, "shipping");
  let where = { country: address.read().country || undefined, shippingMethod: undefined };
  let priced = cart;
  const payment = field({ label: "Test payment token", name: "paymentToken", type: "select", options: PAYMENT_TOKENS, required: true, testid: "payment-token", value: "tok_visa", hint: "Payments are simulated with test tokens." });
  const submit = h("button", { type: "submit", class: "btn btn-block", testid: "checkout-submit" }, `Place order · ${formatMoney(cart.totalCents, cart.currency)}`);
  const form = h(
    "form",
    { class: "card stack", testid: "checkout-form", "aria-labelledby": "checkout-form-title" },
    h("h2", { id: "checkout-form-title" }, "Shipping and payment"),
    h("fieldset", { testid: "shipping-address" }, h("legend", {}, "Shipping address"), h("div", { class: "form-grid two" }, address.wrappers)),
    h("div", { testid: "shipping-method" }),
    h("fieldset", {}, h("legend", {}, "Payment"), payment.wrapper),
    // On phones the button stays at the bottom of the screen (styles.css, .action-bar).
    h("div", { class: "action-bar" }, submit),
  );

  // One key per distinct submit: a retry of the same body reuses it, so the order is placed once.
  let attempt = null; // {key, body}

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { shippingAddress: address.read(), paymentToken: payment.control.value };
    if (where.shippingMethod && where.country === body.shippingAddress.country) body.shippingMethod = where.shippingMethod;
    const text = JSON.stringify(body);
    if (!attempt || attempt.body !== text) attempt = { key: newIdempotencyKey(), body: text };
    const { key } = attempt;
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    const label = submit.textContent;
    submit.textContent = "Placing your order…";
    try {
      let order;
      for (let tries = 0; ; tries += 1) {
        try {
          order = await api.placeOrder(body, key);
          break;
        } catch (err) {
          if (!retryable(err) || tries >= 3) throw err;
          notify("The shop is busy; retrying your order…", "warning", { timeout: 3000 });
          await sleep(1000 * 2 ** tries);
        }
      }
      attempt = null;
      forgetCart();
      flash("Thank you! Your order is placed. We will update its status here.", "success");
      navigate(`/orders/${encodeURIComponent(order.orderId)}`);
    } catch (err) {
      // A definite answer (400, 409 out of stock, 422): the next submit is a new request with a new key.
      if (!retryable(err)) attempt = null;
      if (err.reason === "out_of_stock") notify(outOfStockText(err, cart), "error");
      else notifyError(err);
      if (err.status === 409) loadCart().catch(() => {});
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
      submit.textContent = label;
      submit.focus(); // a disabled button dropped the focus: give it back where the shopper was
    }
  });

  const grid = h("div", { class: "grid-2" }, form, summary(cart));
  view.append(grid);

  // The shipping options and totals follow the country typed (and the method picked).
  const methodHolder = form.querySelector("[data-testid=shipping-method]");
  const show = (next) => {
    priced = next;
    methodHolder.replaceChildren(shippingChoices(next, where.shippingMethod, (methodId) => {
      where = { ...where, shippingMethod: methodId };
      reprice();
    }));
    grid.lastChild.replaceWith(summary(next));
    submit.textContent = `Place order · ${formatMoney(next.totalCents, next.currency)}`;
  };
  let pending = 0;
  async function reprice() {
    const mine = ++pending;
    try {
      const next = await loadCart(where);
      if (mine === pending) show(next);
    } catch (err) {
      if (mine === pending) notifyError(err);
    }
  }
  address.fields.country.control.addEventListener("change", () => {
    const country = address.read().country;
    if (!/^[A-Z]{2}$/.test(country) || country === where.country) return;
    where = { country, shippingMethod: undefined };
    reprice();
  });
  if (where.country && /^[A-Z]{2}$/.test(where.country)) await reprice();
  else show(priced);
}
