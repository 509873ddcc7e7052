// My orders: GET /orders?limit=&cursor=, newest first, with "Load more".
import { h, pageHeader } from "../dom.js";
import { formatMoney, formatDateTime, shortId } from "../format.js";
import * as api from "../api.js";
import { statusBadge, pagedList } from "../components.js";

const PAGE_SIZE = 10;

/** One order as a row; shared with the admin orders page (extra = controls at the end). */
export function orderRow(order, extra = null) {
  const count = (order.items || []).reduce((n, l) => n + (l.quantity || 0), 0);
  return h(
    "li",
    { class: "card order-row", testid: "order-row", dataset: { orderId: order.orderId, status: order.status } },
    h("div", {},
      h("a", { href: `#/orders/${encodeURIComponent(order.orderId)}`, testid: "order-link" },
        h("strong", {}, `Order ${shortId(order.orderId)}`)),
      h("div", { class: "order-meta" }, formatDateTime(order.createdAt))),
    h("div", { class: "order-meta" }, `${count} ${count === 1 ? "item" : "items"}`),
    h("div", {}, h("strong", { testid: "order-row-total" }, formatMoney(order.totalCents, order.currency))),
    h("div", { class: "btn-row" }, statusBadge(order.status, { testid: "order-row-status" }), extra),
  );
}

export async function render({ view, signal }) {
  const list = pagedList({
    signal,
    listClass: "order-list",
    listTestid: "order-list",
    fetchPage: (cursor, opts) => api.listOrders({ limit: PAGE_SIZE, cursor, ...opts }),
    renderItem: (order) => orderRow(order),
    empty: () => h("div", { class: "empty", testid: "orders-empty" }, h("p", {}, "You have no orders yet."), h("a", { class: "btn", href: "#/" }, "Start shopping")),
  });
  view.append(pageHeader("My orders", "Newest first. Open an order to follow it live."), list.element);
  await list.load();
}
