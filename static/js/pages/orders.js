// My orders: GET /orders?limit=&cursor=, newest first, with "Load more".
import { h, pageHeader } from "../dom.js";
import * as api from "../api.js";
import { orderRow, pagedList } from "../components.js";

const PAGE_SIZE = 10;

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
