// A cart's or an order's money, line by line: subtotal, discount, shipping, tax and the total.
import { h } from "./dom.js";
import { formatMoney } from "./format.js";

/** Whether the tax is inside the prices (VAT): the total is the goods less discount plus shipping. */
export function taxIncluded(money) {
  if (typeof money.taxInclusive === "boolean") return money.taxInclusive;
  if (!money.taxCents || money.shippingCents === null || money.shippingCents === undefined) return false;
  const base = (money.subtotalCents ?? 0) - (money.discountCents ?? 0) + money.shippingCents;
  return money.totalCents === base;
}

function row(label, cents, currency, testid, extra = {}) {
  return h("div", { class: "summary-row", testid, dataset: { cents } },
    h("span", {}, label), h("span", {}, formatMoney(cents, currency)), extra.after || null);
}

/**
 * The summary rows of a cart or order. Shipping and tax show only when they are known (a cart
 * without a destination has them as null); a discount only when there is one.
 */
export function totalRows(money, { totalTestid }) {
  const currency = money.currency || "USD";
  const rows = [];
  if (typeof money.subtotalCents === "number") rows.push(row("Subtotal", money.subtotalCents, currency, "summary-subtotal"));
  if (money.discountCents) {
    const code = money.promotion ? money.promotion.code : money.promotionCode;
    rows.push(row(code ? `Discount (${code})` : "Discount", -money.discountCents, currency, "summary-discount"));
  }
  if (typeof money.shippingCents === "number") {
    rows.push(money.shippingCents === 0
      ? h("div", { class: "summary-row", testid: "summary-shipping", dataset: { cents: 0 } }, h("span", {}, "Shipping"), h("span", {}, "Free"))
      : row("Shipping", money.shippingCents, currency, "summary-shipping"));
  }
  const included = taxIncluded(money);
  if (typeof money.taxCents === "number" && (money.taxCents > 0 || !included)) {
    rows.push(row(included ? "Tax included in the prices" : "Tax", money.taxCents, currency, "summary-tax"));
  }
  rows.push(h("div", { class: "summary-row summary-total" }, h("span", {}, "Total"),
    h("span", { testid: totalTestid, dataset: { cents: money.totalCents } }, formatMoney(money.totalCents, currency))));
  return rows;
}
