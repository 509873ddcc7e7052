// Admin: the product list (GET /products), with links to create and edit.
import { h, pageHeader } from "../dom.js";
import { formatMoney } from "../format.js";
import * as api from "../api.js";
import { navigate, withQuery } from "../router.js";
import { productImage, pagedList, dateTime } from "../components.js";
import { normalizeCategory } from "../categories.js";

const PAGE_SIZE = 20;

function row(p) {
  const edit = `#/admin/products/${encodeURIComponent(p.productId)}`;
  return h(
    "li",
    { class: "card order-row", testid: "admin-product-row", dataset: { productId: p.productId } },
    h("div", { class: "btn-row", style: "flex-wrap:nowrap" },
      h("div", { class: "admin-thumb" }, productImage(p)),
      h("div", {},
        h("a", { href: edit, testid: "admin-product-edit" }, h("strong", {}, p.name)),
        h("div", { class: "order-meta" }, "Updated ", dateTime(p.updatedAt || p.createdAt)))),
    h("div", {}, h("span", { class: "tag" }, p.category)),
    // With options the price is the lowest variant's and the stock the sum of theirs.
    h("div", {}, (p.options || []).length ? h("span", { class: "muted small" }, "from ") : null, h("strong", {}, formatMoney(p.priceCents, p.currency))),
    h("div", { class: "btn-row" },
      h("span", { class: p.stock > 0 ? "stock-ok" : "stock-out", testid: "admin-product-stock", dataset: { stock: p.stock } }, `Stock ${p.stock}`),
      h("a", { class: "btn btn-secondary btn-small", href: edit, "aria-label": `Edit ${p.name}` }, "Edit")),
  );
}

export async function render({ view, query, signal }) {
  const category = normalizeCategory(query.category);
  const input = h("input", { id: "admin-category", type: "search", name: "category", testid: "admin-category-filter", placeholder: "all categories" });
  input.value = category;
  const filter = h("form", { class: "toolbar", role: "search", "aria-label": "Filter products" },
    h("div", { class: "field" }, h("label", { for: "admin-category" }, "Category"), input),
    h("button", { type: "submit", class: "btn btn-secondary" }, "Filter"));
  filter.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(withQuery("/admin/products", { category: normalizeCategory(input.value) }));
  });

  const list = pagedList({
    signal,
    listClass: "order-list",
    listTestid: "admin-product-list",
    fetchPage: (cursor, opts) => api.listProducts({ category: category || undefined, limit: PAGE_SIZE, cursor, ...opts }),
    renderItem: row,
    empty: () => h("div", { class: "empty", testid: "empty-state" }, h("p", {}, "No active products."),
      h("a", { class: "btn", href: "#/admin/products/new" }, "Create the first product")),
  });

  view.append(
    pageHeader("Products", "Active products, newest first. Archived products are not listed.",
      h("a", { class: "btn", href: "#/admin/products/new", testid: "admin-product-new" }, "New product")),
    filter,
    list.element,
  );
  await list.load();
}
