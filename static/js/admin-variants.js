// Admin: a product's price and stock, variant by variant, and its new variants: the one place the
// admin edits what is sold. A product without options is its own single variant (its id is the
// product's), so the same rows and routes serve it: PATCH /products/{id}/variants/{variantId} for SKU
// and price, POST .../stock for stock (docs/api-extensions.md), DELETE to archive a variant. Options
// are typed as "Size=M, Colour=Red".
import { h, field, busy, confirmButton } from "./dom.js";
import { formatMoney, parseMoneyInput, centsToInput, optionsText } from "./format.js";
import * as api from "./api.js";
import { notify, notifyError } from "./messages.js";
import { MAX_PRICE_CENTS, MAX_STOCK } from "./limits.js";

/** An admin's typed price in minor units, or null when it is not an amount within the limits. */
export function readPrice(control, currency) {
  const cents = parseMoneyInput(control.value.replace(",", "."), currency);
  return cents === null || cents < 0 || cents > MAX_PRICE_CENTS ? null : cents;
}

function parseOptions(text) {
  const pairs = text.split(",").map((part) => part.split("=").map((s) => s.trim()));
  if (!pairs.length || pairs.some((p) => p.length !== 2 || !p[0] || !p[1])) return null;
  return Object.fromEntries(pairs);
}

/** Say what is wrong with a field and put the focus on it. */
function refuse(control, message) {
  notify(message, "error");
  control.focus();
}

function stockText(stock) {
  return h("span", { class: stock > 0 ? "stock-ok" : "stock-out", testid: "admin-stock-value", dataset: { stock } }, `${stock} in stock`);
}

/** One variant: its SKU and price (one form), its stock (another), and archive. */
function variantRow(product, variant, changed) {
  const own = variant.variantId === product.productId;
  const name = own ? product.name : variant.sku;
  const currency = product.currency || "USD";
  const sku = own ? null : field({ label: "SKU", name: "sku", required: true, maxlength: 64, value: variant.sku, testid: "variant-sku-input", className: "field-sku" });
  const price = field({ label: `Price (${currency})`, name: "price", required: true, inputmode: "decimal", autocomplete: "off",
    value: centsToInput(variant.priceCents, currency), testid: "variant-price-input", className: "field-price" });
  const save = h("button", { type: "submit", class: "btn btn-secondary", testid: "variant-save", "aria-label": `Save the price of ${name}` }, "Save");
  const priceForm = h("form", { class: "inline-form", testid: "variant-price-form", "aria-label": `Price of ${name}` },
    sku ? sku.wrapper : null, price.wrapper, save);
  priceForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const cents = readPrice(price.control, currency);
    if (cents === null) return refuse(price.control, "Price must be an amount such as 12.34.");
    const patch = {};
    if (cents !== variant.priceCents) patch.priceCents = cents;
    if (sku && sku.control.value.trim() !== variant.sku) patch.sku = sku.control.value.trim();
    if (sku && !sku.control.value.trim()) return refuse(sku.control, "SKU is required.");
    if (!Object.keys(patch).length) return notify(`Nothing to save: ${name} is unchanged.`, "info");
    await busy(save, async () => {
      try {
        const next = await api.updateVariant(product.productId, variant.variantId, patch);
        notify(`Saved ${next.sku || product.name}: ${formatMoney(next.priceCents, currency)}.`, "success");
        await changed(`[data-variant-id="${CSS.escape(variant.variantId)}"] [data-testid="variant-save"]`);
      } catch (err) {
        notifyError(err);
      }
    }, "Saving…");
  });

  const delta = field({ label: "Change stock by", name: "delta", type: "number", step: 1, min: -MAX_STOCK, max: MAX_STOCK,
    required: true, inputmode: "numeric", testid: "variant-stock-delta", className: "field-delta" });
  const adjust = h("button", { type: "submit", class: "btn btn-secondary", testid: "variant-stock-submit", "aria-label": `Adjust the stock of ${name}` }, "Adjust");
  const stockForm = h("form", { class: "inline-form", testid: "variant-stock-form", "aria-label": `Stock of ${name}` }, delta.wrapper, adjust);
  stockForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Number(delta.control.value);
    if (!Number.isInteger(d) || d === 0) return refuse(delta.control, "Enter a whole number other than 0.");
    await busy(adjust, async () => {
      try {
        const next = await api.adjustVariantStock(product.productId, variant.variantId, d);
        notify(`Stock of ${next.sku || product.name} is now ${next.stock}.`, "success");
        await changed(`[data-variant-id="${CSS.escape(variant.variantId)}"] [data-testid="variant-stock-delta"]`);
      } catch (err) {
        if (err.status === 409) refuse(delta.control, `Stock must stay from 0 to ${MAX_STOCK} (on hand: ${variant.stock}).`);
        else notifyError(err);
      }
    }, "Saving…");
  });

  const archive = own ? null : confirmButton({
    label: "Archive",
    confirmLabel: `Yes, archive ${variant.sku}`,
    testid: "variant-archive",
    className: "btn btn-ghost btn-small",
    onConfirm: async () => {
      try {
        await api.archiveVariant(product.productId, variant.variantId);
        notify(`Archived ${variant.sku}: no longer sold. Past orders keep it.`, "success");
        await changed("#variants-title");
      } catch (err) {
        notifyError(err);
      }
    },
  });

  return h("li", { class: "variant-row", testid: "admin-variant", dataset: { variantId: variant.variantId } },
    h("div", { class: "variant-title" },
      h("strong", { class: own ? null : "mono" }, own ? "The product itself" : variant.sku),
      own ? h("span", { class: "muted small" }, "No options: one price and one stock.")
        : h("span", { class: "small", testid: "admin-variant-options" }, optionsText(variant.options)),
      stockText(variant.stock),
      archive),
    priceForm, stockForm);
}

/** The form that adds a variant (the first one with options replaces the product's own). */
function newVariantForm(product, changed) {
  const currency = product.currency || "USD";
  const sku = field({ label: "SKU", name: "sku", required: true, maxlength: 64, autocomplete: "off", testid: "variant-sku" });
  const options = field({ label: "Options", name: "options", required: true, autocomplete: "off", testid: "variant-options",
    hint: "Such as Size=M, Colour=Red (every variant names the same options)." });
  const price = field({ label: `Price (${currency})`, name: "variant-price", required: true, inputmode: "decimal", autocomplete: "off", testid: "variant-price" });
  const stock = field({ label: "Stock", name: "variant-stock", type: "number", min: 0, max: MAX_STOCK, step: 1, value: 0, required: true, inputmode: "numeric", testid: "variant-stock" });
  const add = h("button", { type: "submit", class: "btn", testid: "variant-add" }, "Add variant");
  const first = !(product.options || []).length;
  const form = h("form", { class: "stack", testid: "variant-form", "aria-labelledby": "variant-new-title" },
    h("h3", { id: "variant-new-title" }, "Add a variant"),
    first ? h("p", { class: "small muted", testid: "variant-first-note" },
      "The first variant with options replaces the product itself: its stock is not carried over, and each variant then has its own price and stock.") : null,
    h("div", { class: "form-grid variant-grid" }, sku.wrapper, options.wrapper, price.wrapper, stock.wrapper),
    h("div", { class: "form-actions" }, add));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const parsed = parseOptions(options.control.value);
    const cents = readPrice(price.control, currency);
    const units = Number(stock.control.value);
    if (!sku.control.value.trim()) return refuse(sku.control, "SKU is required.");
    if (!parsed) return refuse(options.control, "Options: write Name=Value pairs separated by commas.");
    if (cents === null) return refuse(price.control, "Price must be an amount such as 12.34.");
    if (!Number.isInteger(units) || units < 0 || units > MAX_STOCK) return refuse(stock.control, `Stock must be a whole number from 0 to ${MAX_STOCK}.`);
    await busy(add, async () => {
      try {
        const made = await api.addVariant(product.productId, { sku: sku.control.value.trim(), options: parsed, priceCents: cents, stock: units });
        notify(`Added ${made.sku} (${optionsText(made.options)}).`, "success");
        await changed('[data-testid="variant-sku"]');
      } catch (err) {
        notifyError(err);
      }
    }, "Adding…");
  });
  return form;
}

/**
 * The "Price and stock" card of a product being edited: a row a variant, then a form for a new one.
 * `reload()` answers the product read again; `onChange(product)` hears of every change.
 */
export function variantsCard(product, { reload, onChange }) {
  const body = h("div", { class: "stack" });
  // The card is drawn anew after a change; `focus` (a selector) is where the keyboard goes on: the
  // control just used, in its row, else the card's heading.
  const show = (current, focus) => {
    body.replaceChildren(
      (current.variants || []).length
        ? h("ul", { class: "variant-rows", testid: "admin-variants" }, current.variants.map((v) => variantRow(current, v, changed)))
        : h("p", { class: "muted", testid: "admin-variants-none" }, "No variant is on sale: add one below."),
      newVariantForm(current, changed));
    if (focus) (body.querySelector(focus) || title).focus();
  };
  const changed = async (focus) => {
    const next = await reload();
    onChange(next);
    show(next, focus);
  };
  const title = h("h2", { id: "variants-title", tabindex: "-1" }, "Price and stock");
  show(product);
  return h("section", { class: "card stack", testid: "variants-card", "aria-labelledby": "variants-title" },
    title,
    h("p", { class: "small muted" }, "Each variant has its own SKU, price and stock. Stock changes are atomic and safe beside checkouts."),
    body);
}
