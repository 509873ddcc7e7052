// My returns: GET /returns, newest first; each shows its status and its refund.
import { h, pageHeader } from "../dom.js";
import * as api from "../api.js";
import { pagedList } from "../components.js";
import { returnRow } from "../return-view.js";

const PAGE_SIZE = 10;

export async function render({ view, signal }) {
  const list = pagedList({
    signal,
    listClass: "order-list",
    listTestid: "return-list",
    fetchPage: (cursor, opts) => api.listReturns({ limit: PAGE_SIZE, cursor, ...opts }),
    renderItem: (ret) => returnRow(ret),
    empty: () => h("div", { class: "empty", testid: "returns-empty" }, h("p", {}, "You have no returns."), h("a", { class: "btn", href: "#/orders" }, "My orders")),
  });
  view.append(pageHeader("My returns", "Newest first. A refund goes back to the card you paid with."), list.element);
  await list.load();
}
