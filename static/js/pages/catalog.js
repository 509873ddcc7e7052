// The catalog: GET /products?category=&limit=&cursor=, a category filter and "Load more".
import { h, pageHeader, nextId } from "../dom.js";
import * as api from "../api.js";
import { navigate, withQuery } from "../router.js";
import { pagedList } from "../components.js";
import { normalizeCategory, knownCategories, rememberCategories } from "../categories.js";
import { searchForm } from "../search-box.js";
import { productCard } from "../product-card.js";

const PAGE_SIZE = 12;

function chipRow(active, onPick) {
  const cats = knownCategories();
  if (!cats.length) return h("div", { class: "chips-holder" });
  const chip = (value, label) =>
    h("li", {}, h("button", {
      type: "button",
      class: "chip",
      testid: "category-chip",
      dataset: { category: value },
      "aria-pressed": String(active === value),
      onclick: () => onPick(value),
    }, label));
  return h(
    "div",
    { class: "chips-holder" },
    h("ul", { class: "chips", "aria-label": "Categories" }, chip("", "All"), cats.map((c) => chip(c, c))),
  );
}

export async function render({ view, query, signal }) {
  const category = normalizeCategory(query.category);
  const pick = (value) => navigate(withQuery("/", { category: value }));

  const inputId = nextId("category");
  const listId = `${inputId}-list`;
  const input = h("input", {
    id: inputId,
    name: "category",
    type: "search",
    list: listId,
    placeholder: "e.g. books",
    autocomplete: "off",
    testid: "category-filter",
    "aria-describedby": `${inputId}-hint`,
  });
  input.value = category;
  const datalist = h("datalist", { id: listId }, knownCategories().map((c) => h("option", { value: c })));
  const form = h(
    "form",
    { class: "filter-form field", role: "search", testid: "category-filter-form", "aria-label": "Filter products" },
    h("label", { for: inputId }, "Category"),
    h(
      "div",
      { class: "input-row" },
      input,
      datalist,
      h("button", { type: "submit", class: "btn", testid: "category-filter-apply" }, "Filter"),
      category ? h("button", { type: "button", class: "btn btn-secondary", testid: "category-filter-clear", onclick: () => pick("") }, "Show all") : null,
    ),
    h("span", { class: "hint", id: `${inputId}-hint` }, "Lowercase letters, digits and dashes, for example home-garden."),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    pick(normalizeCategory(input.value));
  });

  let chips = chipRow(category, pick);
  const list = pagedList({
    signal,
    listClass: "product-grid",
    listTestid: "product-list",
    fetchPage: async (cursor, opts) => {
      const page = await api.listProducts({ category: category || undefined, limit: PAGE_SIZE, cursor, ...opts });
      if (rememberCategories(page.items || []) && chips.isConnected) {
        const fresh = chipRow(category, pick);
        chips.replaceWith(fresh);
        chips = fresh;
        datalist.replaceChildren(...knownCategories().map((c) => h("option", { value: c })));
      }
      return page;
    },
    renderItem: productCard,
    empty: () =>
      h(
        "div",
        { class: "empty", testid: "empty-state" },
        h("p", {}, category ? `No products in “${category}” yet.` : "No products yet."),
        category ? h("a", { class: "btn btn-secondary", href: "#/" }, "Show all products") : null,
      ),
  });

  view.append(
    h(
      "section",
      { testid: "catalog", "aria-labelledby": "catalog-title" },
      pageHeader(category ? `Catalog: ${category}` : "Catalog", "Fresh arrivals first."),
      searchForm({ withSort: false, compact: true }),
      form,
      chips,
      list.element,
    ),
  );
  view.querySelector("h1").id = "catalog-title";
  await list.load();
}
