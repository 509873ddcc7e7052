// One order: GET /orders/{orderId}, polled every 1.5 s until a final status; Cancel while allowed.
import { h, replace, pageHeader, confirmButton, loading } from "../dom.js";
import { formatMoney, statusLabel, shortId, FINAL_STATUSES, CANCELLABLE_STATUSES } from "../format.js";
import * as api from "../api.js";
import { statusBadge, dateTime, idText, lineVariant } from "../components.js";
import { notify, notifyError } from "../messages.js";
import { getState } from "../store.js";

const POLL_MS = 1500;
const STEPS = ["PENDING", "CONFIRMED", "FULFILLED", "DELIVERED"];

function progress(status) {
  if (!STEPS.includes(status)) return null;
  const reached = STEPS.indexOf(status);
  return h("ol", { class: "progress", "aria-label": "Order progress", testid: "order-progress" },
    STEPS.map((s, i) => h("li", { dataset: { done: String(i <= reached) }, "aria-current": i === reached ? "step" : null }, statusLabel(s))));
}

function history(order) {
  const entries = [...(order.history || [])].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  if (!entries.length) return h("p", { class: "muted" }, "No history yet.");
  return h("ol", { class: "timeline", testid: "order-history" },
    entries.map((e) => h("li", { testid: "order-history-entry", dataset: { status: e.status } },
      h("strong", {}, statusLabel(e.status)),
      dateTime(e.at))));
}

function tracking(order) {
  if (order.trackingNumber) {
    return h("span", { class: "mono", testid: "order-tracking-number" }, order.trackingNumber);
  }
  return h("span", { class: "muted", testid: "order-tracking-pending" },
    FINAL_STATUSES.has(order.status) ? "None" : "Assigned when the order ships");
}

function address(a) {
  if (!a) return h("span", { class: "muted" }, "—");
  return h("address", { testid: "order-shipping-address", style: "font-style:normal" },
    [a.line1, a.line2, `${a.postalCode || ""} ${a.city || ""}`.trim(), a.country].filter(Boolean).map((l, i) => [i ? h("br") : null, l]));
}

/** The order's discount, shipping and tax above its total (only the ones it has). */
function moneyRows(order) {
  const currency = order.currency || "USD";
  const row = (label, cents, testid) =>
    h("tr", { testid, dataset: { cents } }, h("td", { colspan: "3" }, label), h("td", { class: "num" }, formatMoney(cents, currency)));
  const rows = [];
  if (order.discountCents || order.shippingCents || order.taxCents) rows.push(row("Subtotal", order.subtotalCents, "order-subtotal"));
  if (order.discountCents) rows.push(row(order.promotionCode ? `Discount (${order.promotionCode})` : "Discount", -order.discountCents, "order-discount"));
  if (order.shippingCents) rows.push(row("Shipping", order.shippingCents, "order-shipping"));
  if (order.taxCents) rows.push(row(order.taxInclusive ? "Tax included in the prices" : "Tax", order.taxCents, "order-tax"));
  return rows;
}

function itemsTable(order) {
  const currency = order.currency || "USD";
  return h("div", { class: "table-wrap" },
    h("table", { testid: "order-items" },
      h("caption", { class: "visually-hidden" }, "Items in this order"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col", class: "num" }, "Qty"),
        h("th", { scope: "col", class: "num" }, "Price"), h("th", { scope: "col", class: "num" }, "Total"))),
      h("tbody", {}, (order.items || []).map((item) =>
        h("tr", { testid: "order-item", dataset: { productId: item.productId } },
          h("td", {}, h("span", { testid: "order-item-name" }, item.name), lineVariant(item, "order-item")),
          h("td", { class: "num" }, String(item.quantity)),
          h("td", { class: "num" }, formatMoney(item.unitPriceCents, currency)),
          h("td", { class: "num" }, formatMoney(item.lineTotalCents, currency))))),
      h("tfoot", {}, moneyRows(order), h("tr", {}, h("td", { colspan: "3" }, "Total"),
        h("td", { class: "num", testid: "order-total", dataset: { cents: order.totalCents } }, formatMoney(order.totalCents, currency))))));
}

function refunded(order) {
  const cents = order.refundedCents || 0;
  return cents
    ? h("span", { dataset: { cents } }, formatMoney(cents, order.currency || "USD"), " · ", h("a", { href: "#/returns" }, "My returns"))
    : h("span", { class: "muted", dataset: { cents: 0 } }, "Nothing");
}

export async function render({ view, params, signal }) {
  view.append(pageHeader(`Order ${shortId(params.orderId)}`), loading());
  let order;
  try {
    order = await api.getOrder(params.orderId, { signal });
  } catch (err) {
    if (err.status !== 404) throw err;
    view.replaceChildren(
      h("h1", { tabindex: "-1", testid: "page-title" }, "Order not found"),
      h("div", { class: "empty", testid: "not-found" }, h("p", {}, "There is no such order in your account."), h("a", { class: "btn", href: "#/orders" }, "My orders")),
    );
    return;
  }

  const statusHolder = h("div", { class: "btn-row" });
  const progressHolder = h("div", {});
  const trackingHolder = h("dd", {});
  const updatedHolder = h("dd", {});
  const refundedHolder = h("dd", { testid: "order-refunded" });
  const historyHolder = h("div", {});
  const actionsHolder = h("div", { class: "btn-row", testid: "order-actions" });
  const live = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite", testid: "order-status-announcement" });
  let shownCancellable = null;

  function returnLink() {
    return h("a", { class: "btn btn-secondary", href: `#/orders/${encodeURIComponent(order.orderId)}/return`, testid: "order-return" }, "Return items");
  }

  function cancelControl() {
    return confirmButton({
      label: "Cancel order",
      confirmLabel: "Yes, cancel this order",
      testid: "order-cancel",
      onConfirm: async () => {
        try {
          const updated = await api.cancelOrder(order.orderId);
          notify("Your order is cancelled. Any payment will be refunded.", "success");
          show(updated);
        } catch (err) {
          notifyError(err);
          if (err.status === 409) refreshOnce();
        }
      },
    });
  }

  function show(next) {
    const changed = next.status !== order.status;
    order = next;
    replace(statusHolder,
      statusBadge(order.status, { large: true }),
      FINAL_STATUSES.has(order.status) ? null : h("span", { class: "live-indicator", testid: "order-polling" }, "Updating live"),
    );
    replace(progressHolder, progress(order.status));
    trackingHolder.replaceChildren(tracking(order));
    updatedHolder.replaceChildren(dateTime(order.updatedAt || order.createdAt));
    historyHolder.replaceChildren(history(order));
    const cancellable = CANCELLABLE_STATUSES.has(order.status);
    const action = cancellable ? "cancel" : order.status === "DELIVERED" ? "return" : null;
    if (action !== shownCancellable) {
      replace(actionsHolder, action === "cancel" ? cancelControl() : action === "return" ? returnLink() : null);
      shownCancellable = action;
    }
    refundedHolder.replaceChildren(refunded(order));
    if (changed) live.textContent = `Order status: ${statusLabel(order.status)}.`;
  }

  async function refreshOnce() {
    try {
      show(await api.getOrder(order.orderId, { signal }));
    } catch (err) {
      if (err.name !== "AbortError") notifyError(err);
    }
  }

  const isAdmin = getState().me && getState().me.isAdmin;
  view.replaceChildren(
    h("article", { testid: "order-detail", dataset: { orderId: order.orderId } },
      pageHeader(`Order ${shortId(order.orderId)}`, ["Placed ", dateTime(order.createdAt)],
        h("a", { class: "btn btn-secondary", href: isAdmin && order.userId !== (getState().me || {}).userId ? "#/admin/orders" : "#/orders" }, "All orders")),
      live,
      h("div", { class: "grid-2" },
        h("div", { class: "stack" },
          h("section", { class: "card stack", "aria-labelledby": "order-status-title" },
            h("h2", { id: "order-status-title" }, "Status"),
            statusHolder,
            progressHolder,
            h("dl", { class: "details" },
              h("dt", {}, "Order number"), h("dd", { testid: "order-number" }, h("strong", {}, shortId(order.orderId))),
              h("dt", {}, "Full order id"), h("dd", { class: "mono id-full", testid: "order-id" }, idText(order.orderId)),
              h("dt", {}, "Tracking number"), trackingHolder,
              h("dt", {}, "Last update"), updatedHolder,
              h("dt", {}, "Refunded"), refundedHolder),
            actionsHolder),
          h("section", { class: "card", "aria-labelledby": "order-items-title" },
            h("h2", { id: "order-items-title" }, "Items"),
            itemsTable(order))),
        h("div", { class: "stack" },
          h("section", { class: "card", "aria-labelledby": "order-history-title" },
            h("h2", { id: "order-history-title" }, "History"),
            historyHolder),
          h("section", { class: "card", "aria-labelledby": "order-ship-title" },
            h("h2", { id: "order-ship-title" }, "Shipping address"),
            address(order.shippingAddress))))),
  );
  show(order);

  // Poll until the order reaches a final status or the user leaves the page.
  (async () => {
    let failures = 0;
    while (!signal.aborted && !FINAL_STATUSES.has(order.status)) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * (failures ? Math.min(2 ** failures, 8) : 1)));
      if (signal.aborted) return;
      try {
        const next = await api.getOrder(order.orderId, { signal });
        failures = 0;
        if (next.status !== order.status || next.updatedAt !== order.updatedAt || (next.history || []).length !== (order.history || []).length || next.trackingNumber !== order.trackingNumber) {
          show(next);
        }
      } catch (err) {
        if (signal.aborted || err.name === "AbortError") return;
        failures += 1;
        if (failures === 1) notifyError(err);
        if (err.status === 401 || err.status === 404) return;
      }
    }
  })();
}
