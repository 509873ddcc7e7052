// Returns as people read them: statuses, a return as a list row, shared by the returns pages.
import { h } from "./dom.js";
import { formatMoney, shortId } from "./format.js";
import { dateTime } from "./components.js";

export const RETURN_STATUSES = ["REQUESTED", "APPROVED", "REJECTED", "RECEIVED", "REFUNDED", "EXPIRED", "REFUND_FAILED"];

const RETURN_LABELS = {
  REQUESTED: "Waiting for approval",
  APPROVED: "Approved: send the parcel",
  REJECTED: "Rejected",
  RECEIVED: "Parcel received",
  REFUNDED: "Refunded",
  EXPIRED: "Expired: no parcel arrived",
  REFUND_FAILED: "Refund failed",
};

export function returnLabel(status) {
  return RETURN_LABELS[status] || String(status ?? "Unknown");
}

export function returnBadge(status) {
  return h("span", { class: `status status-return-${status}`, testid: "return-status", dataset: { status } }, returnLabel(status));
}

/** One return as a card of a list (extra = controls at the end, for admins). */
export function returnRow(ret, extra = null) {
  const units = (ret.items || []).map((l) => `${l.quantity} × ${l.name}`).join(", ");
  const last = (ret.history || [])[ret.history.length - 1] || {};
  return h(
    "li",
    { class: "card order-row", testid: "return-row", dataset: { returnId: ret.returnId, status: ret.status } },
    h("div", {},
      h("strong", {}, `Return ${shortId(ret.returnId)}`),
      h("div", { class: "order-meta" }, "Order ",
        h("a", { href: `#/orders/${encodeURIComponent(ret.orderId)}`, testid: "return-order-link" }, shortId(ret.orderId)),
        " · ", dateTime(ret.createdAt))),
    h("div", { class: "order-meta", testid: "return-items" }, units, ret.reason ? h("div", { class: "muted" }, `“${ret.reason}”`) : null),
    h("div", {}, h("strong", { testid: "return-refund", dataset: { cents: ret.refundCents } }, formatMoney(ret.refundCents, ret.currency)),
      last.note ? h("div", { class: "muted small", testid: "return-note" }, last.note) : null),
    h("div", { class: "btn-row" }, returnBadge(ret.status), extra),
  );
}
