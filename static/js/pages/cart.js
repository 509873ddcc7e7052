// The cart: GET /cart, PUT/DELETE /cart/items/{productId}, DELETE /cart, PUT/DELETE /cart/promotion.
import { h, pageHeader, nextId, confirmButton, loading, busy } from "../dom.js";
import { formatMoney } from "../format.js";
import { loadCart, setQuantity, removeLine, emptyCart, applyCode, removeCode } from "../cart-state.js";
import { totalRows } from "../totals.js";
import { MAX_QUANTITY } from "../limits.js";
import { subscribe, getState } from "../store.js";
import { notify, notifyError } from "../messages.js";
import { lineVariant, lineName } from "../components.js";
import { withQuery } from "../router.js";

// The control to focus after the cart re-renders (disabled buttons lose focus while a request runs).
let focusAfter = null;

function line(item, currency) {
  // Two variants of one product are two lines: their controls name the options too.
  const label = lineName(item);
  const qtyId = nextId("qty");
  const qty = h("input", {
    id: qtyId,
    type: "number",
    min: 1,
    max: MAX_QUANTITY,
    step: 1,
    inputmode: "numeric",
    class: "qty-input",
    testid: "cart-item-quantity",
    value: item.quantity,
  });
  const update = h("button", {
    type: "submit",
    class: "btn btn-secondary btn-small",
    testid: "cart-item-update",
    "aria-label": `Update ${label}`,
  }, "Update");
  const remove = h("button", {
    type: "button",
    class: "btn btn-ghost btn-small",
    testid: "cart-item-remove",
    "aria-label": `Remove ${label} from the cart`,
  }, "Remove");
  const form = h(
    "form",
    { class: "line-controls", "aria-label": `Quantity of ${label}` },
    h("label", { for: qtyId, class: "small" }, "Quantity", h("span", { class: "visually-hidden" }, ` of ${label}`)),
    qty,
    update,
    remove,
  );
  const setBusy = (on) => {
    if (on) focusAfter = { variantId: item.variantId || item.productId, testid: document.activeElement && document.activeElement.dataset.testid };
    [qty, update, remove].forEach((el) => (el.disabled = on));
    if (!on && focusAfter) {
      const again = [qty, update, remove].find((el) => el.dataset.testid === focusAfter.testid);
      focusAfter = null;
      if (again) again.focus();
    }
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const n = Number(qty.value);
    if (!Number.isInteger(n) || n < 0 || n > MAX_QUANTITY) {
      notify(`Quantity must be a whole number from 1 to ${MAX_QUANTITY}.`, "error");
      qty.focus();
      return;
    }
    setBusy(true);
    try {
      if (n === 0) await removeLine(item.variantId || item.productId);
      else await setQuantity(item.variantId || item.productId, n);
      notify(n === 0 ? `Removed ${label}.` : `Updated ${label}.`, "success");
    } catch (err) {
      notifyError(err);
      qty.value = item.quantity;
      setBusy(false);
    }
  });
  remove.addEventListener("click", async () => {
    setBusy(true);
    try {
      await removeLine(item.variantId || item.productId);
      notify(`Removed ${label} from your cart.`, "success");
    } catch (err) {
      notifyError(err);
      setBusy(false);
    }
  });

  return h(
    "li",
    { class: "cart-line", testid: "cart-item", dataset: { productId: item.productId, variantId: item.variantId || item.productId } },
    h("div", {},
      h("a", { href: `#${withQuery(`/products/${encodeURIComponent(item.productId)}`, { variant: item.sku ? item.variantId : "" })}`, testid: "cart-item-name" }, item.name),
      lineVariant(item, "cart-item"),
      h("div", { class: "small muted" }, `${formatMoney(item.unitPriceCents, currency)} each`)),
    form,
    h("div", { class: "line-total", testid: "cart-item-total", dataset: { cents: item.lineTotalCents } }, formatMoney(item.lineTotalCents, currency)),
  );
}

/** The promotion code: a field to apply one, or the applied code with its discount and a remove. */
function promotionForm(cart) {
  const currency = cart.currency || "USD";
  if (cart.promotion) {
    const remove = h("button", { type: "button", class: "btn btn-ghost btn-small", testid: "promotion-remove",
      "aria-label": `Remove the code ${cart.promotion.code}` }, "Remove");
    remove.addEventListener("click", () => busy(remove, async () => {
      try {
        await removeCode();
        notify("The code is removed.", "success");
      } catch (err) {
        notifyError(err);
      }
    }));
    return h("div", { class: "stack", testid: "promotion" },
      h("div", { class: "summary-row" },
        h("span", {}, "Code ", h("strong", { testid: "promotion-code" }, cart.promotion.code)),
        remove),
      cart.promotionError
        ? h("p", { class: "small error-text", role: "status", testid: "promotion-error" }, cart.promotionError)
        : h("p", { class: "small muted" }, `You save ${formatMoney(cart.promotion.discountCents, currency)}.`));
  }
  const id = nextId("promo");
  const input = h("input", { id, name: "code", autocomplete: "off", maxlength: 32, pattern: "[A-Za-z0-9\-]{3,32}",
    required: true, testid: "promotion-input", style: "text-transform:uppercase" });
  const apply = h("button", { type: "submit", class: "btn btn-secondary", testid: "promotion-apply" }, "Apply");
  const form = h("form", { class: "promo-form", testid: "promotion-form", "aria-label": "Promotion code" },
    h("div", { class: "field" }, h("label", { for: id }, "Promotion code"), input),
    apply);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(apply, async () => {
      try {
        const next = await applyCode(input.value.trim());
        notify(`Code ${next.promotion.code} applied.`, "success");
      } catch (err) {
        notifyError(err);
        input.focus();
      }
    });
  });
  return form;
}

function renderCart(holder, cart) {
  const items = (cart && cart.items) || [];
  const currency = (cart && cart.currency) || "USD";
  if (!items.length) {
    holder.replaceChildren(
      h("div", { class: "empty", testid: "cart-empty" }, h("p", {}, "Your cart is empty."), h("a", { class: "btn", href: "#/" }, "Browse the catalog")),
    );
    return;
  }
  holder.replaceChildren(
    h("div", { class: "grid-2" },
      h("section", { class: "card", "aria-labelledby": "cart-lines-title" },
        h("h2", { id: "cart-lines-title" }, "Items"),
        h("ul", { class: "cart-lines", testid: "cart-items" }, items.map((item) => line(item, currency)))),
      h("aside", { class: "card", "aria-labelledby": "cart-summary-title" },
        h("h2", { id: "cart-summary-title" }, "Summary"),
        h("div", { class: "summary-row" }, h("span", {}, "Items"), h("span", {}, String(items.reduce((n, l) => n + l.quantity, 0)))),
        totalRows(cart, { totalTestid: "cart-total" }),
        promotionForm(cart),
        h("p", { class: "small muted" }, "Prices come from the catalog and are checked again at checkout. Shipping and tax are for your profile's address; checkout shows them for the address you give."),
        h("div", { class: "stack" },
          // On phones the link stays at the bottom of the screen (styles.css, .action-bar).
          h("div", { class: "action-bar" },
            h("a", { class: "btn btn-block", href: "#/checkout", testid: "checkout-link" },
              `Go to checkout · ${formatMoney(cart.totalCents, currency)}`)),
          confirmButton({
            label: "Empty cart",
            confirmLabel: "Yes, empty it",
            testid: "cart-clear",
            className: "btn btn-secondary btn-block",
            onConfirm: async () => {
              try {
                await emptyCart();
                notify("Your cart is empty now.", "success");
              } catch (err) {
                notifyError(err);
              }
            },
          }))),
    ),
  );
}

export async function render({ view, signal }) {
  const holder = h("div", { testid: "cart" }, loading());
  view.append(pageHeader("Your cart"), holder);
  await loadCart();
  renderCart(holder, getState().cart);
  // Any change of the cart (update, remove, empty) re-renders the page until we leave it.
  let last = getState().cart;
  const stop = subscribe(() => {
    const cart = getState().cart;
    if (cart === last || !cart) return;
    last = cart;
    // Keep focus on the same control of the same line when it is still there.
    const active = document.activeElement;
    const row = active && active.closest ? active.closest("[data-variant-id]") : null;
    const target = focusAfter || { variantId: row && row.dataset.variantId, testid: active && active.dataset && active.dataset.testid };
    focusAfter = null;
    const { testid } = target;
    renderCart(holder, cart);
    const scope = target.variantId ? holder.querySelector(`[data-variant-id="${CSS.escape(target.variantId)}"]`) : holder;
    const again = scope && testid ? scope.querySelector(`[data-testid="${testid}"]`) : null;
    (again || view.querySelector("h1")).focus();
  });
  signal.addEventListener("abort", stop, { once: true });
}
