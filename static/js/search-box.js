// The search form (words, and sort on the search page): submitting goes to #/search?q=&sort=.
import { h, nextId } from "./dom.js";
import { navigate, withQuery } from "./router.js";

export const SORTS = [
  ["relevance", "Best match"],
  ["newest", "Newest"],
  ["price_asc", "Price: low to high"],
  ["price_desc", "Price: high to low"],
];

/** The search form: words and (withSort) sort; submitting goes to #/search?q=...&sort=... */
export function searchForm({ q = "", sort = "", withSort = true, compact = false } = {}) {
  const inputId = nextId("search");
  const sortId = nextId("sort");
  const input = h("input", {
    id: inputId,
    name: "q",
    type: "search",
    maxlength: "100",
    placeholder: compact ? "Search products, e.g. wireless earbuds" : "e.g. wireless earbuds",
    autocomplete: "off",
    testid: "search-input",
  });
  input.value = q;
  const select = withSort
    ? h("select", { id: sortId, name: "sort", testid: "search-sort" }, SORTS.map(([value, label]) => h("option", { value }, label)))
    : null;
  if (select) select.value = SORTS.some(([v]) => v === sort) ? sort : "relevance";
  const form = h(
    "form",
    { class: "filter-form field search-form", role: "search", testid: "search-form", "aria-label": "Search products" },
    // Compact (the catalog's): one row, the label kept for screen readers only.
    h("label", { for: inputId, class: compact ? "visually-hidden" : null }, "Search products"),
    h(
      "div",
      { class: "input-row" },
      input,
      h("button", { type: "submit", class: "btn", testid: "search-submit" }, "Search"),
    ),
    select ? h("div", { class: "sort-row" }, h("label", { for: sortId }, "Sort by"), select) : null,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const words = input.value.trim().slice(0, 100);
    if (!words) {
      input.focus();
      return;
    }
    navigate(withQuery("/search", { q: words, sort: select && select.value !== "relevance" ? select.value : "" }));
  });
  return form;
}
