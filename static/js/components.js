// Pieces several pages share: product images, status badges, dates, order rows, add-to-cart, load-more lists.
import { h } from "./dom.js";
import { statusLabel, formatDateTime, formatMoney, shortId, optionsText } from "./format.js";
import { isLoggedIn } from "./session.js";
import { addToCart } from "./cart-state.js";
import { MAX_QUANTITY } from "./limits.js";
import { notify, notifyError, flash } from "./messages.js";
import { navigate, withQuery, currentPath } from "./router.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function placeholderIcon() {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "1.5");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", "M4 5h16v14H4zM4 15l4.5-4.5 4 4L15 12l5 5M15.5 8.5h.01");
  path.setAttribute("stroke-linecap", "round");
  path.setAttribute("stroke-linejoin", "round");
  svg.append(path);
  return svg;
}

function placeholder(name) {
  const initial = (String(name || "").trim()[0] || "").toUpperCase();
  return h(
    "div",
    { class: "placeholder", testid: "product-image-placeholder", role: "img", "aria-label": `${name || "Product"}: no image yet` },
    initial ? h("span", { class: "placeholder-initial", "aria-hidden": "true" }, initial) : placeholderIcon(),
    h("span", { class: "placeholder-text", "aria-hidden": "true" }, "No image yet"),
  );
}

/** The product's image, or a neat placeholder when imageUrl is null or the image fails to load. */
export function productImage(product, { eager = false } = {}) {
  const box = h("div", { class: "media" });
  if (product.imageUrl) {
    const img = h("img", {
      src: product.imageUrl,
      alt: product.name || "Product image",
      loading: eager ? "eager" : "lazy",
      decoding: "async",
      testid: "product-image",
    });
    img.addEventListener("error", () => img.replaceWith(placeholder(product.name)), { once: true });
    box.append(img);
  } else {
    box.append(placeholder(product.name));
  }
  return box;
}

/**
 * A full id ("ord_9a16…") that may wrap only after its type prefix, never inside the token itself:
 * 320 px screens have room for the 32 characters after "ord_" but not for all 36.
 */
export function idText(id) {
  const s = String(id ?? "");
  const cut = s.indexOf("_") + 1;
  return cut > 0 ? [s.slice(0, cut), h("wbr"), s.slice(cut)] : [s];
}

/** A date and time as a <time> that never wraps inside itself ("Dec 2, 2026, 6:02 AM"). */
export function dateTime(iso, { className = "" } = {}) {
  return h("time", { datetime: iso, class: `nowrap ${className}`.trim() }, formatDateTime(iso));
}

/** One order as a row of My orders and of the admin's orders (extra = controls at the end). */
export function orderRow(order, extra = null) {
  const count = (order.items || []).reduce((n, l) => n + (l.quantity || 0), 0);
  return h(
    "li",
    { class: "card order-row", testid: "order-row", dataset: { orderId: order.orderId, status: order.status } },
    h("div", {},
      h("a", { href: `#/orders/${encodeURIComponent(order.orderId)}`, testid: "order-link" },
        h("strong", {}, `Order ${shortId(order.orderId)}`)),
      h("div", { class: "order-meta" }, dateTime(order.createdAt))),
    h("div", { class: "order-meta" }, `${count} ${count === 1 ? "item" : "items"}`),
    h("div", {}, h("strong", { testid: "order-row-total" }, formatMoney(order.totalCents, order.currency))),
    h("div", { class: "btn-row" }, statusBadge(order.status, { testid: "order-row-status" }), extra),
  );
}

export function statusBadge(status, { large = false, testid = "order-status" } = {}) {
  return h(
    "span",
    { class: `status status-${status}${large ? " status-large" : ""}`, testid, dataset: { status } },
    statusLabel(status),
  );
}

/**
 * "In stock", "Only 3 left" or "Out of stock". Over variants (`variants`: the stock is their sum) a few
 * units may all be of one size, so it never says how few.
 */
export function stockNote(stock, { variants = false } = {}) {
  if (typeof stock !== "number") return null;
  if (stock <= 0) return h("span", { class: "stock-out", testid: "product-stock", dataset: { stock: "0" } }, "Out of stock");
  if (stock <= 5 && !variants) return h("span", { class: "stock-low", testid: "product-stock", dataset: { stock } }, `Only ${stock} left`);
  return h("span", { class: "stock-ok", testid: "product-stock", dataset: { stock } }, "In stock");
}

/** A cart or order line's chosen options and SKU ("Size M · Colour Blue", "SKU TEE-BLU-M"), or null. */
export function lineVariant(item, testidPrefix) {
  const pairs = Object.entries(item.options || {});
  if (!pairs.length && !item.sku) return null;
  // Each "Size M" stays whole; a narrow cell wraps between options, never inside one.
  const options = pairs.flatMap(([name, value], i) => [i ? " · " : null, h("span", { class: "nowrap" }, `${name} ${value}`)]);
  return h("div", { class: "line-variant small" },
    pairs.length ? h("div", { testid: `${testidPrefix}-options` }, options) : null,
    item.sku ? h("div", { class: "muted" }, "SKU ", h("span", { class: "mono", testid: `${testidPrefix}-sku` }, item.sku)) : null);
}

/** A line's product name with its options, "Organic Cotton Tee (Size M · Colour Sand)", for labels. */
export function lineName(item) {
  const options = optionsText(item.options);
  return options ? `${item.name} (${options})` : item.name;
}

/** An "Add to cart" button; signed-out shoppers are sent to log in first. */
export function addToCartButton(product, { quantity = () => 1, className = "btn btn-block" } = {}) {
  const soldOut = typeof product.stock === "number" && product.stock <= 0;
  const button = h(
    "button",
    {
      type: "button",
      class: className,
      testid: "add-to-cart",
      dataset: { productId: product.productId },
      disabled: soldOut,
      // The name starts with the visible label (WCAG 2.5.3), then says which product.
      "aria-label": soldOut ? `Out of stock: ${product.name}` : `Add to cart: ${product.name}`,
    },
    soldOut ? "Out of stock" : "Add to cart",
  );
  // While the cart updates the button is aria-disabled, not disabled: a disabled button would drop
  // the keyboard focus to the page's body.
  let adding = false;
  button.addEventListener("click", async () => {
    if (adding) return;
    if (!isLoggedIn()) {
      flash("Log in to add items to your cart.", "info");
      navigate(withQuery("/login", { next: currentPath() }));
      return;
    }
    const qty = Math.max(1, Math.min(MAX_QUANTITY, Number(quantity()) || 1));
    adding = true;
    button.setAttribute("aria-disabled", "true");
    button.setAttribute("aria-busy", "true");
    try {
      await addToCart(product.productId, qty);
      notify(`Added ${qty > 1 ? `${qty} × ` : ""}${product.name} to your cart.`, "success");
    } catch (err) {
      notifyError(err);
    } finally {
      adding = false;
      button.removeAttribute("aria-disabled");
      button.removeAttribute("aria-busy");
    }
  });
  return button;
}

/**
 * A list that pages with nextCursor: fetchPage(cursor) -> {items, nextCursor}; renderItem(item) -> element.
 * Returns {element, reload}. The "Load more" button has data-testid="load-more".
 */
export function pagedList({ fetchPage, renderItem, listTag = "ul", listClass, listTestid, empty, signal }) {
  const list = h(listTag, { class: listClass, testid: listTestid, "aria-busy": "true" });
  const footer = h("div", { class: "list-footer" });
  const status = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  const element = h("div", {}, list, footer, status);
  let cursor = null;
  let count = 0;

  const more = h("button", { type: "button", class: "btn btn-secondary", testid: "load-more" }, "Load more");
  more.addEventListener("click", () => load());

  async function load(reset = false) {
    if (reset) {
      cursor = null;
      count = 0;
      list.replaceChildren();
    }
    footer.replaceChildren(h("p", { class: "loading", testid: "loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Loading…"));
    list.setAttribute("aria-busy", "true");
    try {
      const page = await fetchPage(cursor, { signal });
      const items = (page && page.items) || [];
      const firstNew = items.length ? count : -1;
      for (const item of items) list.append(renderItem(item));
      count += items.length;
      cursor = (page && page.nextCursor) || null;
      footer.replaceChildren();
      if (!count && empty) footer.append(empty());
      if (cursor) footer.append(more);
      if (!reset && firstNew > 0) {
        status.textContent = `${items.length} more loaded.`;
        // Move focus to the first new item so keyboard users continue where they were.
        const target = list.children[firstNew] && list.children[firstNew].querySelector("a, button");
        if (target) target.focus();
      }
    } catch (err) {
      if (err && err.name === "AbortError") return;
      footer.replaceChildren(
        h("button", { type: "button", class: "btn btn-secondary", testid: "load-more", onclick: () => load() }, "Try again"),
      );
      notifyError(err);
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }

  return { element, load: () => load(true), items: () => list.children.length };
}
