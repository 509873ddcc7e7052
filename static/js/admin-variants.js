// Admin: a product's options and variants (POST/DELETE /products/{id}/variants, variant stock), as a
// card the product edit page shows. Options are typed as "Size=M, Colour=Red".
import { h, field, busy } from "./dom.js";
import { formatMoney, parseMoneyInput } from "./format.js";
import * as api from "./api.js";
import { notify, notifyError } from "./messages.js";
import { MAX_STOCK } from "./limits.js";

function parseOptions(text) {
  const pairs = text.split(",").map((part) => part.split("=").map((s) => s.trim()));
  if (!pairs.length || pairs.some((p) => p.length !== 2 || !p[0] || !p[1])) return null;
  return Object.fromEntries(pairs);
}

function variantRow(product, variant, refresh) {
  const label = Object.entries(variant.options).map(([k, v]) => `${k}: ${v}`).join(", ");
  const delta = field({ label: `Change stock of ${variant.sku}`, name: "variant-delta", type: "number", step: 1,
    min: -MAX_STOCK, max: MAX_STOCK, required: true, inputmode: "numeric", testid: "variant-stock-delta" });
  const save = h("button", { type: "submit", class: "btn btn-secondary" }, "Adjust");
  const form = h("form", { class: "inline-form" }, delta.wrapper, save);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Number(delta.control.value);
    if (!Number.isInteger(d) || d === 0) {
      notify("Enter a whole number other than 0.", "error");
      delta.control.focus();
      return;
    }
    await busy(save, async () => {
      try {
        const next = await api.adjustVariantStock(product.productId, variant.variantId, d);
        notify(`Stock of ${next.sku} is now ${next.stock}.`, "success");
        await refresh();
      } catch (err) {
        notifyError(err);
      }
    }, "Saving…");
  });
  const archive = h("button", { type: "button", class: "btn btn-secondary", testid: "variant-archive" }, `Archive ${variant.sku}`);
  archive.addEventListener("click", async () => {
    try {
      await api.archiveVariant(product.productId, variant.variantId);
      notify(`Archived ${variant.sku}.`, "success");
      await refresh();
    } catch (err) {
      notifyError(err);
    }
  });
  return h("li", { class: "stack", testid: "admin-variant", dataset: { variantId: variant.variantId } },
    h("p", {}, h("strong", {}, variant.sku), ` · ${label} · ${formatMoney(variant.priceCents, product.currency)} · `,
      h("span", { testid: "admin-variant-stock" }, `${variant.stock} in stock`)),
    form, archive);
}

/** The variants card of a product being edited; `reload()` answers the product read again. */
export function variantsCard(product, reload) {
  const list = h("ul", { class: "stack plain-list", testid: "admin-variants" });
  const sku = field({ label: "SKU", name: "sku", required: true, maxlength: 64, testid: "variant-sku" });
  const options = field({ label: "Options", name: "options", required: true, testid: "variant-options",
    hint: "Such as Size=M, Colour=Red (every variant names the same options)." });
  const price = field({ label: `Price (${product.currency})`, name: "variant-price", required: true, inputmode: "decimal", testid: "variant-price" });
  const stock = field({ label: "Stock", name: "variant-stock", type: "number", min: 0, max: MAX_STOCK, step: 1, value: 0, required: true, testid: "variant-stock" });
  const add = h("button", { type: "submit", class: "btn", testid: "variant-add" }, "Add variant");
  const form = h("form", { class: "stack", testid: "variant-form" }, sku.wrapper, options.wrapper, price.wrapper, stock.wrapper, add);
  const show = (current) => {
    list.replaceChildren(...(current.options.length ? current.variants.map((v) => variantRow(current, v, refresh)) :
      [h("li", { class: "muted" }, "No options: the product sells as one variant.")]));
  };
  const refresh = async () => show(await reload());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const parsed = parseOptions(options.control.value);
    const cents = parseMoneyInput(price.control.value, product.currency);
    if (!parsed) {
      notify("Options: write Name=Value pairs separated by commas.", "error");
      options.control.focus();
      return;
    }
    if (cents === null || cents === undefined || Number.isNaN(cents)) {
      notify("Enter a price.", "error");
      price.control.focus();
      return;
    }
    await busy(add, async () => {
      try {
        const made = await api.addVariant(product.productId, { sku: sku.control.value.trim(), options: parsed, priceCents: cents, stock: Number(stock.control.value) || 0 });
        notify(`Added ${made.sku}.`, "success");
        sku.control.value = "";
        await refresh();
      } catch (err) {
        notifyError(err);
      }
    }, "Adding…");
  });
  show(product);
  return h("section", { class: "card stack", testid: "variants-card", "aria-labelledby": "variants-title" },
    h("h2", { id: "variants-title" }, "Options and variants"), list, h("h3", {}, "New variant"), form);
}
