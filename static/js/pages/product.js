// One product: GET /products/{productId}, with a quantity and "Add to cart".
import { h, field } from "../dom.js";
import { formatMoney } from "../format.js";
import * as api from "../api.js";
import { withQuery } from "../router.js";
import { productImage, addToCartButton, stockNote, lineName } from "../components.js";
import { MAX_QUANTITY } from "../limits.js";

export async function render({ view, params, query, signal }) {
  view.append(h("h1", { tabindex: "-1", class: "visually-hidden" }, "Product"), h("p", { class: "loading" }, "Loading…"));
  let product;
  try {
    product = await api.getProduct(params.productId, { signal });
  } catch (err) {
    if (err.status !== 404) throw err;
    view.replaceChildren(
      h("h1", { tabindex: "-1", testid: "page-title" }, "Product not available"),
      h("div", { class: "empty", testid: "not-found" },
        h("p", {}, "This product does not exist or is no longer sold."),
        h("a", { class: "btn", href: "#/" }, "Back to the catalog")),
    );
    return;
  }

  const maxQty = Math.max(1, Math.min(MAX_QUANTITY, typeof product.stock === "number" ? product.stock : MAX_QUANTITY));
  const qty = field({
    label: "Quantity",
    name: "quantity",
    type: "number",
    min: 1,
    max: maxQty,
    step: 1,
    value: 1,
    required: true,
    inputmode: "numeric",
    testid: "quantity-input",
    className: "qty",
  });
  const soldOut = typeof product.stock === "number" && product.stock <= 0;
  const picker = optionPicker(product, qty, query.variant);

  view.replaceChildren(
    h(
      "nav",
      { class: "breadcrumbs", "aria-label": "Breadcrumb" },
      h("ol", {},
        h("li", {}, h("a", { href: "#/" }, "Catalog")),
        h("li", {}, h("a", { href: `#${withQuery("/", { category: product.category })}` }, product.category)),
        h("li", {}, h("span", { "aria-current": "page" }, product.name))),
    ),
    h(
      "article",
      { class: "product-detail", testid: "product-detail", dataset: { productId: product.productId } },
      productImage(product, { eager: true }),
      h(
        "div",
        { class: "stack" },
        h("div", {},
          h("h1", { tabindex: "-1", testid: "page-title" }, h("span", { testid: "product-detail-name" }, product.name)),
          // With options the chosen variant's stock shows beside the pickers, not the sum of all.
          h("div", { class: "btn-row" }, h("span", { class: "tag" }, product.category), picker ? null : stockNote(product.stock))),
        picker ? picker.price : h("p", { class: "price", testid: "product-detail-price", dataset: { cents: product.priceCents } },
          formatMoney(product.priceCents, product.currency)),
        product.description
          ? h("p", { class: "description", testid: "product-detail-description" }, product.description)
          : h("p", { class: "muted" }, "No description yet."),
        picker ? picker.fields : null,
        h(
          "div",
          { class: "buy-box" },
          soldOut ? null : qty.wrapper,
          picker ? picker.button : addToCartButton(product, { quantity: () => qty.control.value, className: "btn" }),
          h("a", { class: "btn btn-secondary", href: "#/cart" }, "View cart"),
        ),
      ),
    ),
  );
}

/**
 * Pickers for a product with options (Size, Colour...): one select per option; the chosen variant's
 * price and stock show beside them, and "Add to cart" adds that variant (PUT /cart/items/{variantId}).
 * `?variant=<variantId>` in the page's address picks that variant first.
 * Null for a product without options, which is its own single variant.
 */
function optionPicker(product, qty, variantId) {
  const options = product.options || [];
  const variants = product.variants || [];
  if (!options.length || !variants.length) return null;
  // The variant a link names (a cart line's), else the first in stock.
  const first = variants.find((v) => v.variantId === variantId) || variants.find((v) => v.stock > 0) || variants[0];
  const selects = options.map((option) =>
    field({
      label: option.name,
      name: `option-${option.name}`,
      type: "select",
      required: true,
      value: first.options[option.name],
      testid: "option-select",
      options: option.values.map((value) => ({ value, label: value })),
    }));
  selects.forEach((s, i) => { s.control.dataset.option = options[i].name; });
  const price = h("p", { class: "price", testid: "product-detail-price" });
  const status = h("div", { class: "btn-row", "aria-live": "polite", testid: "variant-status" });
  const button = h("div", { class: "variant-buy" });
  const chosen = () => variants.find((v) => options.every((o, i) => v.options[o.name] === selects[i].control.value));
  // Each value says when, with the other choices as they are, it is not sold or sold out.
  const markValues = () => selects.forEach((s, i) => {
    [...s.control.options].forEach((opt) => {
      const match = variants.find((v) => options.every((o, j) => v.options[o.name] === (j === i ? opt.value : selects[j].control.value)));
      opt.textContent = opt.value + (!match ? " (not available)" : match.stock <= 0 ? " (sold out)" : "");
    });
  });
  const show = () => {
    markValues();
    const variant = chosen();
    if (!variant) {
      price.replaceChildren("Not available");
      status.replaceChildren(h("span", { class: "stock-out", testid: "product-stock" }, "This combination is not sold"));
      button.replaceChildren();
      return;
    }
    price.dataset.cents = variant.priceCents;
    price.replaceChildren(formatMoney(variant.priceCents, product.currency));
    status.replaceChildren(stockNote(variant.stock) || "", variant.sku ? h("span", { class: "muted small" }, ` SKU ${variant.sku}`) : "");
    qty.control.max = String(Math.max(1, Math.min(MAX_QUANTITY, variant.stock)));
    const sellable = { productId: variant.variantId, name: lineName({ name: product.name, options: variant.options }), stock: variant.stock };
    button.replaceChildren(addToCartButton(sellable, { quantity: () => qty.control.value, className: "btn" }));
  };
  selects.forEach((s) => s.control.addEventListener("change", show));
  show();
  const fields = h("fieldset", { class: "options", testid: "option-pickers" },
    h("legend", {}, "Choose your options"), h("div", { class: "option-selects" }, ...selects.map((s) => s.wrapper)), status);
  return { price, fields, button };
}
