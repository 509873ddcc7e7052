// Admin: orders by status (GET /admin/orders?status=), mark FULFILLED orders delivered and cancel
// PENDING/CONFIRMED ones (PATCH /admin/orders/{orderId} {status}).
import { h, pageHeader, confirmButton } from "../dom.js";
import { ORDER_STATUSES, statusLabel, shortId } from "../format.js";
import * as api from "../api.js";
import { navigate, withQuery } from "../router.js";
import { orderRow, pagedList } from "../components.js";
import { notify, notifyError } from "../messages.js";

const PAGE_SIZE = 20;

function controls(order, onChange) {
  if (order.status === "FULFILLED") {
    const button = h("button", {
      type: "button",
      class: "btn btn-small",
      testid: "mark-delivered",
      dataset: { orderId: order.orderId },
      "aria-label": `Mark delivered: order ${shortId(order.orderId)}`,
    }, "Mark delivered");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        onChange(await api.setOrderStatus(order.orderId, "DELIVERED"));
        notify("The order is marked delivered.", "success");
      } catch (err) {
        notifyError(err);
        button.disabled = false;
        button.focus();
      }
    });
    return button;
  }
  if (order.status === "PENDING" || order.status === "CONFIRMED") {
    return confirmButton({
      label: "Cancel",
      confirmLabel: "Yes, cancel",
      testid: "admin-order-cancel",
      className: "btn btn-secondary btn-small",
      onConfirm: async () => {
        try {
          onChange(await api.setOrderStatus(order.orderId, "CANCELLED"));
          notify("The order is cancelled; stock is released and any payment refunded.", "success");
        } catch (err) {
          notifyError(err);
        }
      },
    });
  }
  return null;
}

// A row that redraws itself in place after a status change (it stays visible with its new status).
function wrapRow(order) {
  let current = null;
  const draw = (o) => {
    const next = orderRow(o, controls(o, draw));
    if (current && current.isConnected) {
      current.replaceWith(next);
      const link = next.querySelector("a");
      if (link) link.focus();
    }
    current = next;
    return next;
  };
  return draw(order);
}

export async function render({ view, query, signal }) {
  const status = ORDER_STATUSES.includes(query.status) ? query.status : "FULFILLED";
  const select = h("select", { id: "admin-status", name: "status", testid: "admin-order-status-filter" },
    ORDER_STATUSES.map((s) => h("option", { value: s }, `${statusLabel(s)} (${s})`)));
  select.value = status;
  const form = h("form", { class: "toolbar", "aria-label": "Choose a status" },
    h("div", { class: "field" }, h("label", { for: "admin-status" }, "Status"), select),
    h("button", { type: "submit", class: "btn btn-secondary", testid: "admin-order-status-apply" }, "Show"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(withQuery("/admin/orders", { status: select.value }));
  });

  const list = pagedList({
    signal,
    listClass: "order-list",
    listTestid: "admin-order-list",
    fetchPage: (cursor, opts) => api.listOrdersByStatus({ status, limit: PAGE_SIZE, cursor, ...opts }),
    renderItem: wrapRow,
    empty: () => h("div", { class: "empty", testid: "admin-orders-empty" }, h("p", {}, `No orders are ${statusLabel(status).toLowerCase()}.`)),
  });

  view.append(pageHeader("All orders", "Every shopper's orders in one status, newest first."), form, list.element);
  await list.load();
}
