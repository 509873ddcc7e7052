// Return items of a delivered order: POST /orders/{orderId}/returns {items, reason}.
import { h, pageHeader, field, busy, loading } from "../dom.js";
import { shortId, statusLabel } from "../format.js";
import * as api from "../api.js";
import { navigate } from "../router.js";
import { notify, notifyError } from "../messages.js";
import { newIdempotencyKey } from "../keys.js";
import { lineName } from "../components.js";

function lineField(line) {
  const options = [{ value: "0", label: "None" }];
  for (let n = 1; n <= line.quantity; n += 1) options.push({ value: String(n), label: String(n) });
  return field({
    label: `${lineName(line)} (bought ${line.quantity})`, // two variants of a product: two lines
    type: "select",
    name: `qty-${line.variantId}`,
    options,
    value: "0",
    testid: "return-quantity",
    dataset: { variantId: line.variantId },
    required: true,
  });
}

export async function render({ view, params, signal }) {
  view.append(pageHeader(`Return items of order ${shortId(params.orderId)}`), loading());
  const order = await api.getOrder(params.orderId, { signal });
  const title = `Return items of order ${shortId(order.orderId)}`;
  const back = h("a", { class: "btn btn-secondary", href: `#/orders/${encodeURIComponent(order.orderId)}` }, "Back to the order");
  if (order.status !== "DELIVERED") {
    view.replaceChildren(pageHeader(title, null, back),
      h("div", { class: "empty", testid: "return-not-allowed" },
        h("p", {}, `Only a delivered order can be returned; this one is ${statusLabel(order.status).toLowerCase()}.`)));
    return;
  }
  const lines = (order.items || []).map((line) => ({ line, ...lineField(line) }));
  const reason = field({ label: "Why are you returning them?", type: "textarea", name: "reason", required: true, maxlength: "1000", rows: "3", testid: "return-reason" });
  const submit = h("button", { type: "submit", class: "btn", testid: "return-submit" }, "Ask for the return");
  const form = h("form", { class: "card stack", testid: "return-form", novalidate: true },
    h("fieldset", { class: "stack" }, h("legend", {}, "How many of each?"), lines.map((l) => l.wrapper)),
    reason.wrapper,
    h("p", { class: "muted small" }, "Returns are accepted within 30 days of delivery. Shipping is not refunded."),
    h("div", { class: "btn-row" }, submit));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const items = lines
      .map(({ line, control }) => ({ variantId: line.variantId, quantity: Number(control.value) }))
      .filter((item) => item.quantity > 0);
    if (!items.length) {
      notify("Choose at least one item to return.", "warning");
      lines[0].control.focus();
      return;
    }
    if (!reason.control.value.trim()) {
      notify("Say why you are returning them.", "warning");
      reason.control.focus();
      return;
    }
    busy(submit, async () => {
      try {
        await api.openReturn(order.orderId, { items, reason: reason.control.value.trim() }, newIdempotencyKey());
        notify("Your return is asked for. We will tell you when it is approved.", "success");
        navigate("/returns");
      } catch (err) {
        notifyError(err);
      }
    }, "Sending…");
  });
  view.replaceChildren(pageHeader(title, "Pick the items to send back.", back), form);
}
