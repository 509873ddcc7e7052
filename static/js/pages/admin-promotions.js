// Admin: promotion codes (GET/POST /admin/promotions, PATCH /admin/promotions/{code} to retire or
// bring back one). Codes are never deleted.
import { h, field, pageHeader, busy } from "../dom.js";
import { formatMoney, parseMoneyInput } from "../format.js";
import * as api from "../api.js";
import { pagedList } from "../components.js";
import { notify, notifyError } from "../messages.js";

const PAGE_SIZE = 20;

function describe(p) {
  const off = p.kind === "percent" ? `${p.percentOff}% off` : `${formatMoney(p.amountOffCents, p.currency)} off`;
  const parts = [off];
  if (p.minSubtotalCents) parts.push(`from ${formatMoney(p.minSubtotalCents, p.currency)}`);
  if (p.oncePerCustomer) parts.push("once per customer");
  return parts.join(", ");
}

function promotionRow(promotion) {
  let current = promotion;
  const item = h("li", { class: "card", testid: "promotion-row", dataset: { code: promotion.code } });
  const draw = () => {
    const p = current;
    const used = p.maxRedemptions ? `${p.redemptions} of ${p.maxRedemptions} used` : `${p.redemptions} used`;
    const toggle = h("button", { type: "button", class: "btn btn-secondary btn-small", testid: "promotion-toggle",
      "aria-label": `${p.active ? "Retire" : "Reactivate"} ${p.code}` }, p.active ? "Retire" : "Reactivate");
    toggle.addEventListener("click", () => busy(toggle, async () => {
      try {
        current = await api.updatePromotion(p.code, { active: !p.active });
        notify(`${current.code} is ${current.active ? "active" : "retired"}.`, "success");
        draw();
        item.querySelector("button").focus();
      } catch (err) {
        notifyError(err);
      }
    }));
    item.replaceChildren(
      h("div", { class: "summary-row" },
        h("strong", { testid: "promotion-row-code" }, p.code),
        h("span", { class: "small", testid: "promotion-row-state" }, p.active ? "Active" : "Retired")),
      h("p", { class: "small" }, describe(p), " · ", used),
      toggle);
  };
  draw();
  return item;
}

function createForm(onCreated) {
  const code = field({ label: "Code", name: "code", required: true, minlength: 3, maxlength: 32, pattern: "[A-Za-z0-9\\-]{3,32}", testid: "promotion-new-code", hint: "3-32 letters, digits or dashes; matched in any case." });
  const kind = field({ label: "Kind", name: "kind", type: "select", required: true, testid: "promotion-new-kind", value: "percent",
    options: [{ value: "percent", label: "Percent off" }, { value: "fixed", label: "Fixed amount off" }] });
  const amount = field({ label: "Percent or amount off", name: "amount", required: true, inputmode: "decimal", testid: "promotion-new-amount", hint: "1-100 for a percent; an amount such as 5.00 for a fixed code." });
  const currency = field({ label: "Currency", name: "currency", value: "USD", minlength: 3, maxlength: 3, testid: "promotion-new-currency", hint: "For a fixed amount or a minimum subtotal." });
  const minimum = field({ label: "Minimum subtotal", name: "minSubtotal", inputmode: "decimal", testid: "promotion-new-minimum" });
  const limit = field({ label: "Most redemptions", name: "maxRedemptions", type: "number", min: 1, step: 1, testid: "promotion-new-limit" });
  const once = h("input", { type: "checkbox", id: "promotion-once", name: "oncePerCustomer", testid: "promotion-new-once" });
  const submit = h("button", { type: "submit", class: "btn", testid: "promotion-new-submit" }, "Add the code");
  const form = h("form", { class: "card stack", testid: "promotion-new", "aria-labelledby": "promotion-new-title" },
    h("h2", { id: "promotion-new-title" }, "New promotion code"),
    h("div", { class: "form-grid two" }, code.wrapper, kind.wrapper, amount.wrapper, currency.wrapper, minimum.wrapper, limit.wrapper),
    h("div", { class: "field" }, h("label", { for: "promotion-once" }, once, " Once per customer")),
    submit);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const cur = currency.control.value.trim().toUpperCase() || "USD";
    const body = { code: code.control.value.trim(), kind: kind.control.value };
    if (body.kind === "percent") body.percentOff = Number(amount.control.value);
    else {
      body.amountOffCents = parseMoneyInput(amount.control.value, cur);
      body.currency = cur;
    }
    if (minimum.control.value.trim()) {
      body.minSubtotalCents = parseMoneyInput(minimum.control.value, cur);
      body.currency = cur;
    }
    if (limit.control.value) body.maxRedemptions = Number(limit.control.value);
    if (once.checked) body.oncePerCustomer = true;
    busy(submit, async () => {
      try {
        const created = await api.createPromotion(body);
        notify(`Code ${created.code} added.`, "success");
        form.reset();
        onCreated();
      } catch (err) {
        notifyError(err);
      }
    });
  });
  return form;
}

export async function render({ view, signal }) {
  const list = pagedList({
    signal,
    listClass: "stack plain-list",
    listTestid: "promotion-list",
    fetchPage: (cursor, opts) => api.listPromotions({ limit: PAGE_SIZE, cursor, ...opts }),
    renderItem: promotionRow,
    empty: () => h("div", { class: "empty", testid: "promotions-empty" }, h("p", {}, "No promotion codes yet.")),
  });
  view.append(
    pageHeader("Promotions", "Codes shoppers apply in the cart. Retire a code to stop it; codes are never deleted."),
    h("div", { class: "grid-2" },
      h("section", { "aria-labelledby": "promotion-list-title" }, h("h2", { id: "promotion-list-title" }, "Codes"), list.element),
      createForm(() => list.load())),
  );
  await list.load();
}
