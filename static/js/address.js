// The shipping address fields: the checkout form and the profile's default address use the same ones.
import { field } from "./dom.js";

/** The address fields and how to read them. prefix names the data-testids ("shipping" / "profile-address"). */
export function addressFields(address, prefix, { required = true } = {}) {
  const a = address || {};
  const f = {
    line1: field({ label: "Address line 1", name: "line1", autocomplete: "address-line1", required, maxlength: 200, testid: `${prefix}-line1`, value: a.line1 || "", className: "span-2" }),
    line2: field({ label: "Address line 2", name: "line2", autocomplete: "address-line2", maxlength: 200, testid: `${prefix}-line2`, value: a.line2 || "", className: "span-2" }),
    city: field({ label: "City", name: "city", autocomplete: "address-level2", required, maxlength: 100, testid: `${prefix}-city`, value: a.city || "" }),
    postalCode: field({ label: "Postal code", name: "postalCode", autocomplete: "postal-code", required, maxlength: 20, testid: `${prefix}-postal-code`, value: a.postalCode || "" }),
    country: field({
      label: "Country code",
      name: "country",
      autocomplete: "country",
      required,
      minlength: 2,
      maxlength: 2,
      pattern: "[A-Za-z]{2}",
      testid: `${prefix}-country`,
      value: a.country || "",
      hint: "Two letters, for example US, GB or DE.",
      style: "text-transform:uppercase",
    }),
  };
  const read = () => {
    const out = {
      line1: f.line1.control.value.trim(),
      city: f.city.control.value.trim(),
      postalCode: f.postalCode.control.value.trim(),
      country: f.country.control.value.trim().toUpperCase(),
    };
    const line2 = f.line2.control.value.trim();
    if (line2) out.line2 = line2;
    return out;
  };
  const isEmpty = () => Object.values(f).every((x) => !x.control.value.trim());
  return { fields: f, wrappers: Object.values(f).map((x) => x.wrapper), read, isEmpty };
}
