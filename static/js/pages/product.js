// One product: GET /products/{productId}, with a quantity and "Add to cart".
import { h, field } from "../dom.js";
import { formatMoney } from "../format.js";
import * as api from "../api.js";
import { withQuery } from "../router.js";
import { productImage, addToCartButton, stockNote } from "../components.js";
import { MAX_QUANTITY } from "../limits.js";

export async function render({ view, params, signal }) {
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
          h("div", { class: "btn-row" }, h("span", { class: "tag" }, product.category), stockNote(product.stock))),
        h("p", { class: "price", testid: "product-detail-price", dataset: { cents: product.priceCents } },
          formatMoney(product.priceCents, product.currency)),
        product.description
          ? h("p", { class: "description", testid: "product-detail-description" }, product.description)
          : h("p", { class: "muted" }, "No description yet."),
        h(
          "div",
          { class: "buy-box" },
          soldOut ? null : qty.wrapper,
          addToCartButton(product, { quantity: () => qty.control.value, className: "btn" }),
          h("a", { class: "btn btn-secondary", href: "#/cart" }, "View cart"),
        ),
      ),
    ),
  );
}
