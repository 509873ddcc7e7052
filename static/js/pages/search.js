// Search: GET /products?q=&category=&sort=, the category facet as filters, sort, "Load more".
import { h, pageHeader } from "../dom.js";
import * as api from "../api.js";
import { navigate, withQuery } from "../router.js";
import { pagedList } from "../components.js";
import { productCard } from "../product-card.js";
import { searchForm, SORTS } from "../search-box.js";
import { normalizeCategory } from "../categories.js";

const PAGE_SIZE = 12;

function facetChips(facets, total, active, pick) {
  const values = (facets && facets.category) || [];
  if (!values.length) return h("div", { class: "chips-holder" });
  const chip = (value, label, count) =>
    h("li", {}, h("button", {
      type: "button",
      class: "chip",
      testid: "search-facet",
      dataset: { category: value },
      "aria-pressed": String(active === value),
      onclick: () => pick(value),
    }, `${label} (${count})`));
  return h(
    "div",
    { class: "chips-holder" },
    h("ul", { class: "chips", "aria-label": "Filter results by category" },
      chip("", "All", total),
      values.map((f) => chip(f.value, f.value, f.count))),
  );
}

export async function render({ view, query, signal }) {
  const q = String(query.q || "").trim().slice(0, 100);
  const category = normalizeCategory(query.category);
  const sort = SORTS.some(([v]) => v === query.sort) ? query.sort : "";
  const pick = (value) => navigate(withQuery("/search", { q, sort, category: value }));

  const status = h("p", { class: "hint", role: "status", testid: "search-summary" });
  let chips = h("div", { class: "chips-holder" });
  const list = pagedList({
    signal,
    listClass: "product-grid",
    listTestid: "search-results",
    fetchPage: async (cursor, opts) => {
      const page = await api.searchProducts({ q, category: category || undefined, sort: sort || undefined, limit: PAGE_SIZE, cursor, ...opts });
      if (!cursor) {
        const facets = (page.facets && page.facets.category) || [];
        const total = facets.reduce((sum, f) => sum + f.count, 0);
        const shown = category ? (facets.find((f) => f.value === category) || { count: 0 }).count : total;
        status.textContent = `${shown} ${shown === 1 ? "product matches" : "products match"} “${q}”${category ? ` in ${category}` : ""}.`;
        const fresh = facetChips(page.facets, total, category, pick);
        chips.replaceWith(fresh);
        chips = fresh;
      }
      return page;
    },
    renderItem: productCard,
    empty: () =>
      h(
        "div",
        { class: "empty", testid: "empty-state" },
        h("p", {}, `No products match “${q}”${category ? ` in ${category}` : ""}.`),
        h("a", { class: "btn btn-secondary", href: "#/" }, "Browse the catalog"),
      ),
  });

  view.append(
    h(
      "section",
      { testid: "search", "aria-labelledby": "search-title" },
      pageHeader(q ? `Search: ${q}` : "Search", "Typos, plurals and accents are forgiven."),
      searchForm({ q, sort }),
      q ? status : null,
      q ? chips : null,
      q ? list.element : h("p", { class: "hint" }, "Type a few words above to find products."),
    ),
  );
  view.querySelector("h1").id = "search-title";
  if (q) await list.load();
}
