// Admin: sales of a date range (GET /admin/reports/sales): revenue per day as a chart with its table,
// orders, units, refunds and net, and the top products.
import { h, pageHeader, loading } from "../dom.js";
import { formatMoney } from "../format.js";
import * as api from "../api.js";
import { navigate, withQuery } from "../router.js";
import { barChart } from "../chart.js";
import { notifyError } from "../messages.js";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function rangeForm(report) {
  const from = h("input", { type: "date", id: "sales-from", name: "from", required: true, testid: "sales-from" });
  const to = h("input", { type: "date", id: "sales-to", name: "to", required: true, testid: "sales-to" });
  const currency = h("input", {
    type: "text", id: "sales-currency", name: "currency", required: true, testid: "sales-currency",
    pattern: "[A-Z]{3}", maxlength: "3", size: "4", autocomplete: "off", "aria-describedby": "sales-currency-hint",
  });
  from.value = report.from;
  to.value = report.to;
  currency.value = report.currency;
  const form = h("form", { class: "toolbar", "aria-label": "Choose the dates" },
    h("div", { class: "field" }, h("label", { for: "sales-from" }, "From"), from),
    h("div", { class: "field" }, h("label", { for: "sales-to" }, "To (inclusive, UTC)"), to),
    h("div", { class: "field" }, h("label", { for: "sales-currency" }, "Currency"), currency,
      h("span", { class: "hint", id: "sales-currency-hint" }, "Three letters, such as USD")),
    h("button", { type: "submit", class: "btn btn-secondary", testid: "sales-apply" }, "Show"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    navigate(withQuery("/admin/sales", { from: from.value, to: to.value, currency: currency.value.toUpperCase() }));
  });
  return form;
}

function figure(label, value, testid) {
  return h("div", { class: "stat" }, h("dt", {}, label), h("dd", { testid }, value));
}

function totals(report) {
  const t = report.totals;
  const money = (cents) => formatMoney(cents, report.currency);
  return h("dl", { class: "stats", testid: "sales-totals" },
    figure("Revenue", money(t.revenueCents), "sales-revenue"),
    figure("Orders", String(t.orders), "sales-orders"),
    figure("Units", String(t.units), "sales-units"),
    figure("Refunds", money(t.refundsCents), "sales-refunds"),
    figure("Net", money(t.netCents), "sales-net"));
}

function best(report) {
  return report.days.reduce((top, day) => (day.revenueCents > top.revenueCents ? day : top), report.days[0]);
}

function chart(report) {
  const money = (cents) => formatMoney(cents, report.currency);
  const top = best(report);
  const description = top.revenueCents > 0
    ? `${money(report.totals.revenueCents)} over ${report.days.length} days; the best day was ${top.date} with ${money(top.revenueCents)}. The table below lists every day.`
    : `No revenue from ${report.from} to ${report.to}. The table below lists every day.`;
  return barChart({
    title: `Revenue per day, ${report.from} to ${report.to} (${report.currency})`,
    description,
    testid: "sales-chart",
    barTestid: "sales-bar",
    bars: report.days.map((day) => ({
      key: day.date, label: day.date.slice(5), value: day.revenueCents, text: money(day.revenueCents),
    })),
  });
}

function dayTable(report) {
  const money = (cents) => formatMoney(cents, report.currency);
  return h("div", { class: "table-wrap", role: "region", "aria-labelledby": "sales-days-caption", tabindex: "0" },
    h("table", { class: "report-table", testid: "sales-days" },
      h("caption", { id: "sales-days-caption", class: "caption" }, "Revenue per day (the chart's numbers)"),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Date"), h("th", { scope: "col", class: "num" }, "Orders"),
        h("th", { scope: "col", class: "num" }, "Units"), h("th", { scope: "col", class: "num" }, "Revenue"),
        h("th", { scope: "col", class: "num" }, "Refunds"))),
      h("tbody", {}, report.days.map((day) => h("tr", { testid: "sales-day", dataset: { date: day.date } },
        h("th", { scope: "row" }, day.date),
        h("td", { class: "num" }, String(day.orders)),
        h("td", { class: "num" }, String(day.units)),
        h("td", { class: "num", testid: "sales-day-revenue" }, money(day.revenueCents)),
        h("td", { class: "num" }, money(day.refundsCents)))))));
}

function topProducts(report) {
  if (!report.topProducts.length) {
    return h("p", { class: "muted", testid: "sales-top-empty" }, "No product sold in these dates.");
  }
  const money = (cents) => formatMoney(cents, report.currency);
  return h("div", { class: "table-wrap" },
    h("table", { class: "report-table", testid: "sales-top" },
      h("caption", { class: "caption" }, "Top products by revenue"),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Product"), h("th", { scope: "col", class: "num" }, "Units"),
        h("th", { scope: "col", class: "num" }, "Revenue"))),
      h("tbody", {}, report.topProducts.map((p) => h("tr", { testid: "sales-top-row", dataset: { productId: p.productId } },
        h("th", { scope: "row" }, p.name || p.productId),
        h("td", { class: "num" }, String(p.units)),
        h("td", { class: "num" }, money(p.revenueCents)))))));
}

export async function render({ view, query, signal }) {
  const asked = {
    from: DATE.test(query.from || "") ? query.from : undefined,
    to: DATE.test(query.to || "") ? query.to : undefined,
    currency: /^[A-Z]{3}$/.test(query.currency || "") ? query.currency : undefined,
  };
  const waiting = loading("Loading the report…");
  view.append(pageHeader("Sales", "Captured revenue, refunds and the best sellers, per UTC day."), waiting);
  let report;
  try {
    report = await api.getSalesReport({ ...asked, signal });
  } catch (err) {
    waiting.remove();
    if (signal.aborted) return;
    notifyError(err);
    view.append(h("p", { class: "muted", testid: "sales-error" }, "The report could not be loaded."));
    return;
  }
  waiting.remove();
  view.append(
    rangeForm(report),
    h("section", { class: "card", "aria-labelledby": "sales-totals-heading" },
      h("h2", { id: "sales-totals-heading" }, "Totals"), totals(report)),
    h("section", { class: "card", "aria-labelledby": "sales-chart-heading" },
      h("h2", { id: "sales-chart-heading" }, "Revenue per day"), chart(report), dayTable(report)),
    h("section", { class: "card", "aria-labelledby": "sales-top-heading" },
      h("h2", { id: "sales-top-heading" }, "Top products"), topProducts(report)),
  );
}
