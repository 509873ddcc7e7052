// Money, dates and statuses for display. Money is integer minor units beside an ISO 4217 currency.

const moneyFormats = new Map();

function moneyFormat(currency) {
  const code = (currency || "USD").toUpperCase();
  if (!moneyFormats.has(code)) {
    let fmt;
    try {
      fmt = new Intl.NumberFormat(undefined, { style: "currency", currency: code });
    } catch {
      fmt = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" });
    }
    moneyFormats.set(code, fmt);
  }
  return moneyFormats.get(code);
}

/** How many minor units digits a currency has (USD 2, JPY 0). */
export function minorDigits(currency) {
  return moneyFormat(currency).resolvedOptions().maximumFractionDigits;
}

/** formatMoney(1234, "USD") -> "$12.34" */
export function formatMoney(cents, currency = "USD") {
  if (typeof cents !== "number" || !Number.isFinite(cents)) return "—";
  return moneyFormat(currency).format(cents / 10 ** minorDigits(currency));
}

/** "12.34" typed by an admin -> 1234 (integer minor units), or null when it is not a valid amount. */
export function parseMoneyInput(text, currency = "USD") {
  const cleaned = String(text).trim().replace(/[\s,$€£]/g, "");
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(cleaned)) return null;
  const value = Math.round(Number.parseFloat(cleaned) * 10 ** minorDigits(currency));
  return Number.isSafeInteger(value) ? value : null;
}

/** 1234 -> "12.34" for an input's value. */
export function centsToInput(cents, currency = "USD") {
  if (typeof cents !== "number") return "";
  const digits = minorDigits(currency);
  return (cents / 10 ** digits).toFixed(digits);
}

/** A variant's options as shoppers read them: {"Size": "M", "Colour": "Blue"} -> "Size M · Colour Blue". */
export function optionsText(options) {
  return Object.entries(options || {}).map(([name, value]) => `${name} ${value}`).join(" · ");
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function formatDateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? "") : dateFormat.format(d);
}

export function formatDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? "") : dayFormat.format(d);
}

export const ORDER_STATUSES = ["PENDING", "CONFIRMED", "FULFILLING", "FULFILLED", "DELIVERED", "CANCELLED", "PAYMENT_FAILED"];
export const FINAL_STATUSES = new Set(["FULFILLED", "DELIVERED", "CANCELLED", "PAYMENT_FAILED"]);
export const CANCELLABLE_STATUSES = new Set(["PENDING", "CONFIRMED"]);

const STATUS_LABELS = {
  PENDING: "Pending payment",
  CONFIRMED: "Confirmed",
  FULFILLING: "Being shipped",
  FULFILLED: "Shipped",
  DELIVERED: "Delivered",
  CANCELLED: "Cancelled",
  PAYMENT_FAILED: "Payment failed",
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || String(status ?? "Unknown");
}

/**
 * A short id for display ("ord_a1b2c3d4e5..." -> "A1B2C3D4"). A type prefix such as "ord_" is the same
 * for every order, so it is dropped first. The full id stays in data attributes and links.
 */
export function shortId(id) {
  const s = String(id ?? "").replace(/^[a-z]{2,5}_(?=[0-9a-z])/i, "");
  return s.length > 10 ? s.slice(0, 8).toUpperCase() : s.toUpperCase();
}
