// Notifications (optional extension): GET /me/notifications -> {items: [{type, subject, body, orderId, sentAt}], nextCursor}.
import { h, pageHeader } from "../dom.js";
import { shortId } from "../format.js";
import * as api from "../api.js";
import { pagedList, dateTime } from "../components.js";
import { setState } from "../store.js";

const PAGE_SIZE = 20;

function notice(n) {
  return h(
    "li",
    { class: "card stack", testid: "notification-item", dataset: { type: n.type || "", orderId: n.orderId || "" } },
    h("div", { class: "page-header", style: "margin:0" },
      h("h2", { style: "margin:0" }, n.subject || n.type || "Notification"),
      dateTime(n.sentAt, { className: "small muted" })),
    n.body ? h("p", { class: "description" }, n.body) : null,
    n.orderId ? h("a", { href: `#/orders/${encodeURIComponent(n.orderId)}`, testid: "notification-order-link" }, `View order ${shortId(n.orderId)}`) : null,
  );
}

export async function render({ view, signal }) {
  let unavailable = false;
  const list = pagedList({
    signal,
    listClass: "notice-list",
    listTestid: "notification-list",
    fetchPage: async (cursor, opts) => {
      try {
        return await api.listNotifications({ limit: PAGE_SIZE, cursor, ...opts });
      } catch (err) {
        if (err.status === 404 || err.status === 403 || err.status === 405 || err.status === 0) {
          unavailable = true;
          setState({ notifications: "missing" });
          return { items: [], nextCursor: null };
        }
        throw err;
      }
    },
    renderItem: notice,
    empty: () =>
      h("div", { class: "empty", testid: "notifications-empty" },
        h("p", {}, unavailable ? "Notifications are not available in this shop." : "No notifications yet. We will tell you here when your orders move on.")),
  });
  view.append(pageHeader("Notifications", "The messages we sent you about your orders."), list.element);
  await list.load();
}
