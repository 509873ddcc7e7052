// Admin: the returns queue (GET /admin/returns?status=), approve, reject, receive, retry a refund.
import { h, pageHeader, confirmButton } from "../dom.js";
import { shortId } from "../format.js";
import * as api from "../api.js";
import { navigate, withQuery } from "../router.js";
import { pagedList } from "../components.js";
import { notify, notifyError } from "../messages.js";
import { RETURN_STATUSES, returnLabel, returnRow } from "../return-view.js";

const PAGE_SIZE = 20;

function action(ret, label, testid, run, done, onChange) {
  const button = h("button", { type: "button", class: "btn btn-small", testid, dataset: { returnId: ret.returnId },
    "aria-label": `${label}: return ${shortId(ret.returnId)}` }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      onChange(await run());
      notify(done, "success");
    } catch (err) {
      notifyError(err);
      button.disabled = false;
      button.focus();
    }
  });
  return button;
}

function controls(ret, onChange) {
  const id = ret.returnId;
  if (ret.status === "REQUESTED") {
    return [
      action(ret, "Approve", "return-approve", () => api.approveReturn(id), "The return is approved.", onChange),
      confirmButton({
        label: "Reject",
        confirmLabel: "Yes, reject",
        testid: "return-reject",
        className: "btn btn-secondary btn-small",
        onConfirm: async () => {
          try {
            onChange(await api.rejectReturn(id, "Rejected by the shop"));
            notify("The return is rejected.", "success");
          } catch (err) {
            notifyError(err);
          }
        },
      }),
    ];
  }
  if (ret.status === "APPROVED") {
    return action(ret, "Parcel received", "return-receive", () => api.receiveReturn(id), "The parcel is received; the refund follows.", onChange);
  }
  if (ret.status === "REFUND_FAILED") {
    return action(ret, "Retry the refund", "return-retry-refund", () => api.retryRefund(id), "The refund is tried again.", onChange);
  }
  return null;
}

function wrapRow(ret) {
  let current = null;
  const draw = (r) => {
    const next = returnRow(r, controls(r, draw));
    if (current && current.isConnected) {
      current.replaceWith(next);
      const target = next.querySelector("button, a");
      if (target) target.focus();
    }
    current = next;
    return next;
  };
  return draw(ret);
}

export async function render({ view, query, signal }) {
  const status = RETURN_STATUSES.includes(query.status) ? query.status : "REQUESTED";
  const select = h("select", { id: "admin-return-status", name: "status", testid: "admin-return-status-filter" },
    RETURN_STATUSES.map((s) => h("option", { value: s }, `${returnLabel(s)} (${s})`)));
  select.value = status;
  const form = h("form", { class: "toolbar", "aria-label": "Choose a status" },
    h("div", { class: "field" }, h("label", { for: "admin-return-status" }, "Status"), select),
    h("button", { type: "submit", class: "btn btn-secondary", testid: "admin-return-status-apply" }, "Show"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(withQuery("/admin/returns", { status: select.value }));
  });
  const list = pagedList({
    signal,
    listClass: "order-list",
    listTestid: "admin-return-list",
    fetchPage: (cursor, opts) => api.listReturnsByStatus({ status, limit: PAGE_SIZE, cursor, ...opts }),
    renderItem: wrapRow,
    empty: () => h("div", { class: "empty", testid: "admin-returns-empty" }, h("p", {}, `No returns: ${returnLabel(status).toLowerCase()}.`)),
  });
  view.append(pageHeader("Returns", "Every shopper's returns in one status, newest first."), form, list.element);
  await list.load();
}
