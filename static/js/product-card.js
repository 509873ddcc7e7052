// A product's card in a grid: the catalog's and search's results.
import { h } from "./dom.js";
import { formatMoney } from "./format.js";
import { withQuery } from "./router.js";
import { productImage, addToCartButton, stockNote } from "./components.js";

/**
 * A product's card in a grid (the catalog's and search's). A product with options cannot be bought
 * bare (the API answers 400 "choose a variant"): its card shows its lowest price as "From ..." and the
 * stock over its variants, and links to its page, where the shopper picks a variant.
 */
export function productCard(product) {
  const href = `#/products/${encodeURIComponent(product.productId)}`;
  const variants = (product.options || []).length > 0;
  const price = formatMoney(product.priceCents, product.currency);
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
        stockNote(product.stock, { variants }),
      ),
      variants
        ? h("p", { class: "small muted card-options", testid: "product-options" },
          product.options.map((o) => `${o.values.length} ${o.values.length === 1 ? o.name.toLowerCase() : plural(o.name)}`).join(" · "))
        : null,
      // Price and button sit together at the card's foot, so prices line up across a row.
      h("div", { class: "card-actions" },
        h("p", { class: "price", testid: "product-price", dataset: { cents: product.priceCents, from: String(variants) } },
          variants ? [h("span", { class: "price-from" }, "From "), price] : price),
        variants
          ? h("a", { class: "btn btn-block", href, testid: "choose-options", "aria-label": `Choose options: ${product.name}` }, "Choose options")
          : addToCartButton(product)),
    ),
  );
}

/** "Size" -> "sizes", "Colour" -> "colours": the option's name as a count's noun. */
function plural(name) {
  const word = name.toLowerCase();
  return /(s|x|ch|sh)$/.test(word) ? `${word}es` : `${word}s`;
}
