// Admin: shipping zones (PUT/GET/DELETE /admin/shipping/zones) and tax rates per country
// (PUT/GET/DELETE /admin/tax/rates). A country is served by the zone that lists it, else by "*".
import { h, field, pageHeader, busy, confirmButton, loading } from "../dom.js";
import { formatMoney, parseMoneyInput } from "../format.js";
import * as api from "../api.js";
import { notify, notifyError } from "../messages.js";

function methodText(m) {
  const rate = m.rateCents ? formatMoney(m.rateCents, m.currency) : "free";
  const over = m.freeOverCents ? `, free over ${formatMoney(m.freeOverCents, m.currency)}` : "";
  return `${m.name} (${m.methodId}): ${rate}${over}`;
}

function zoneRow(zone, reload) {
  return h("li", { class: "card", testid: "zone-row", dataset: { zoneId: zone.zoneId } },
    h("div", { class: "summary-row" }, h("strong", {}, zone.name), h("span", { class: "small" }, zone.zoneId)),
    h("p", { class: "small", testid: "zone-row-countries" }, `Countries: ${zone.countries.join(", ")}`),
    h("ul", { class: "small" }, zone.methods.map((m) => h("li", {}, methodText(m)))),
    confirmButton({
      label: "Delete zone",
      confirmLabel: `Yes, delete ${zone.name}`,
      testid: "zone-delete",
      className: "btn btn-secondary btn-small",
      onConfirm: async () => {
        try {
          await api.deleteZone(zone.zoneId);
          notify(`Zone ${zone.name} deleted.`, "success");
          await reload();
        } catch (err) {
          notifyError(err);
        }
      },
    }));
}

function methodFields(n) {
  const id = field({ label: `Method ${n} id`, name: `method${n}Id`, required: n === 1, pattern: "[A-Za-z0-9_\\-]{1,64}", testid: `zone-method${n}-id`, value: n === 1 ? "standard" : "" });
  const name = field({ label: `Method ${n} name`, name: `method${n}Name`, required: n === 1, maxlength: 100, testid: `zone-method${n}-name` });
  const rate = field({ label: `Method ${n} rate`, name: `method${n}Rate`, required: n === 1, inputmode: "decimal", testid: `zone-method${n}-rate`, hint: "0 for free" });
  const over = field({ label: `Method ${n} free over`, name: `method${n}Over`, inputmode: "decimal", testid: `zone-method${n}-over` });
  const read = (currency) => {
    if (!id.control.value.trim()) return null;
    const m = { methodId: id.control.value.trim(), name: name.control.value.trim(), rateCents: parseMoneyInput(rate.control.value || "0", currency), currency };
    if (over.control.value.trim()) m.freeOverCents = parseMoneyInput(over.control.value, currency);
    return m;
  };
  return { wrappers: [id.wrapper, name.wrapper, rate.wrapper, over.wrapper], read };
}

function zoneForm(reload) {
  const zoneId = field({ label: "Zone id", name: "zoneId", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}", testid: "zone-new-id", hint: "Letters, digits, dashes or underscores; an existing id replaces that zone." });
  const name = field({ label: "Zone name", name: "name", required: true, maxlength: 100, testid: "zone-new-name" });
  const countries = field({ label: "Countries", name: "countries", required: true, testid: "zone-new-countries", hint: "Two-letter codes separated by commas, or * for the rest of the world." });
  const currency = field({ label: "Currency", name: "currency", value: "USD", required: true, minlength: 3, maxlength: 3, testid: "zone-new-currency" });
  const first = methodFields(1);
  const second = methodFields(2);
  const submit = h("button", { type: "submit", class: "btn", testid: "zone-new-submit" }, "Save the zone");
  const form = h("form", { class: "card stack", testid: "zone-new", "aria-labelledby": "zone-new-title" },
    h("h2", { id: "zone-new-title" }, "Add or replace a zone"),
    h("div", { class: "form-grid two" }, zoneId.wrapper, name.wrapper, countries.wrapper, currency.wrapper, first.wrappers, second.wrappers),
    submit);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const cur = currency.control.value.trim().toUpperCase();
    const body = {
      name: name.control.value.trim(),
      countries: countries.control.value.split(",").map((c) => c.trim().toUpperCase()).filter(Boolean),
      methods: [first.read(cur), second.read(cur)].filter(Boolean),
    };
    busy(submit, async () => {
      try {
        const zone = await api.putZone(zoneId.control.value.trim(), body);
        notify(`Zone ${zone.name} saved.`, "success");
        form.reset();
        await reload();
      } catch (err) {
        notifyError(err);
      }
    });
  });
  return form;
}

function rateRow(rate, reload) {
  const percent = (rate.rateBasisPoints / 100).toFixed(2).replace(/\.?0+$/, "");
  return h("tr", { testid: "rate-row", dataset: { country: rate.country } },
    h("td", {}, rate.country),
    h("td", {}, `${percent}%`),
    h("td", {}, rate.inclusive ? "Included in prices" : "Added at checkout"),
    h("td", {}, confirmButton({
      label: "Delete",
      confirmLabel: `Yes, delete ${rate.country}`,
      testid: "rate-delete",
      className: "btn btn-secondary btn-small",
      onConfirm: async () => {
        try {
          await api.deleteTaxRate(rate.country);
          notify(`The ${rate.country} rate is deleted.`, "success");
          await reload();
        } catch (err) {
          notifyError(err);
        }
      },
    })));
}

function rateForm(reload) {
  const country = field({ label: "Country", name: "country", required: true, minlength: 2, maxlength: 2, pattern: "[A-Za-z]{2}", testid: "rate-new-country", style: "text-transform:uppercase" });
  const percent = field({ label: "Rate (%)", name: "rate", required: true, inputmode: "decimal", testid: "rate-new-percent", hint: "For example 20 or 7.25." });
  const inclusive = h("input", { type: "checkbox", id: "rate-inclusive", name: "inclusive", testid: "rate-new-inclusive" });
  const submit = h("button", { type: "submit", class: "btn", testid: "rate-new-submit" }, "Save the rate");
  const form = h("form", { class: "card stack", testid: "rate-new", "aria-labelledby": "rate-new-title" },
    h("h2", { id: "rate-new-title" }, "Set a country's tax rate"),
    h("div", { class: "form-grid two" }, country.wrapper, percent.wrapper),
    h("div", { class: "field" }, h("label", { for: "rate-inclusive" }, inclusive, " Included in prices (VAT)")),
    submit);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const points = Math.round(Number.parseFloat(percent.control.value) * 100);
    busy(submit, async () => {
      try {
        const rate = await api.putTaxRate(country.control.value.trim().toUpperCase(), { rateBasisPoints: points, inclusive: inclusive.checked });
        notify(`The ${rate.country} rate is saved.`, "success");
        form.reset();
        await reload();
      } catch (err) {
        notifyError(err);
      }
    });
  });
  return form;
}

export async function render({ view, signal }) {
  const zones = h("ul", { class: "stack plain-list", testid: "zone-list" }, loading());
  const rates = h("tbody", { testid: "rate-list" });
  const reloadZones = async () => {
    const answer = await api.listZones({ signal });
    zones.replaceChildren(...(answer.items.length
      ? answer.items.map((zone) => zoneRow(zone, reloadZones))
      : [h("li", { class: "empty", testid: "zones-empty" }, "No zones: shipping is free everywhere.")]));
  };
  const reloadRates = async () => {
    const answer = await api.listTaxRates({ signal });
    rates.replaceChildren(...(answer.items.length
      ? answer.items.map((rate) => rateRow(rate, reloadRates))
      : [h("tr", {}, h("td", { colspan: 4, testid: "rates-empty" }, "No tax rates: no tax is charged."))]));
  };
  view.append(
    pageHeader("Shipping and tax", "Where the shop ships, at what rates, and the tax of each country."),
    h("div", { class: "grid-2" },
      h("section", { "aria-labelledby": "zones-title" }, h("h2", { id: "zones-title" }, "Shipping zones"), zones),
      zoneForm(reloadZones)),
    h("div", { class: "grid-2" },
      h("section", { "aria-labelledby": "rates-title" }, h("h2", { id: "rates-title" }, "Tax rates"),
        h("div", { class: "table-wrap" }, h("table", { class: "admin-table" },
          h("caption", { class: "visually-hidden" }, "Tax rates by country"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Country"), h("th", { scope: "col" }, "Rate"), h("th", { scope: "col" }, "Tax"), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
          rates))),
      rateForm(reloadRates)),
  );
  await Promise.all([reloadZones(), reloadRates()]);
}
