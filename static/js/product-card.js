// A product's card in a grid: the catalog's and search's results.
import { h } from "./dom.js";
import { formatMoney } from "./format.js";
import { withQuery } from "./router.js";
import { productImage, addToCartButton, stockNote } from "./components.js";

/** A product's card in a grid (the catalog's and search's). */
export function productCard(product) {
  const href = `#/products/${encodeURIComponent(product.productId)}`;
  return h(
    "li",
    { class: "product-card", testid: "product-card", dataset: { productId: product.productId, category: product.category } },
    h("a", { href, tabindex: "-1", "aria-hidden": "true", class: "media-link" }, productImage(product)),
    h(
      "div",
      { class: "card-body" },
      h("h2", {}, h("a", { href, testid: "product-link" }, h("span", { testid: "product-name" }, product.name))),
      h(
        "div",
        { class: "btn-row" },
        h("a", { class: "tag", href: `#${withQuery("/", { category: product.category })}`, testid: "product-category" }, product.category),
        stockNote(product.stock),
      ),
      // Price and button sit together at the card's foot, so prices line up across a row.
      h("div", { class: "card-actions" },
        h("p", { class: "price", testid: "product-price", dataset: { cents: product.priceCents } }, formatMoney(product.priceCents, product.currency)),
        addToCartButton(product)),
    ),
  );
}
