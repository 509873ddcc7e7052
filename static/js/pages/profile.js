// The profile: GET /me and PATCH /me {name, phone, address}.
import { h, field, busy, pageHeader, loading } from "../dom.js";
import { formatDate } from "../format.js";
import * as api from "../api.js";
import { setMe } from "../me-state.js";
import { notify, notifyError } from "../messages.js";
import { addressFields } from "../address.js";

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function normalizeAddress(a) {
  if (!a) return null;
  const out = { line1: a.line1 || "", city: a.city || "", postalCode: a.postalCode || "", country: a.country || "" };
  if (a.line2) out.line2 = a.line2;
  return out;
}

export async function render({ view, signal }) {
  view.append(pageHeader("Your profile"), loading());
  let me = await api.getMe({ signal });
  setMe(me);
  view.querySelector("[data-testid=loading]").remove();

  const name = field({ label: "Name", name: "name", autocomplete: "name", required: true, maxlength: 200, testid: "profile-name", value: me.name || "" });
  const phone = field({ label: "Phone", name: "phone", type: "tel", autocomplete: "tel", maxlength: 32, pattern: "\\+?[0-9 \\(\\)\\-]{3,32}", testid: "profile-phone", value: me.phone || "", hint: "International format, for example +14155550123." });
  const address = addressFields(me.address, "profile-address", { required: false });
  const submit = h("button", { type: "submit", class: "btn", testid: "profile-submit" }, "Save profile");
  const form = h(
    "form",
    { class: "card stack", testid: "profile-form", "aria-labelledby": "profile-form-title" },
    h("h2", { id: "profile-form-title" }, "Details"),
    h("dl", { class: "details" },
      h("dt", {}, "E-mail"), h("dd", { testid: "profile-email" }, me.email || ""),
      h("dt", {}, "Member since"), h("dd", {}, formatDate(me.createdAt)),
      me.isAdmin ? [h("dt", {}, "Role"), h("dd", { testid: "profile-role" }, "Administrator")] : null),
    h("div", { class: "form-grid" }, name.wrapper, phone.wrapper),
    h("fieldset", {}, h("legend", {}, "Default shipping address"),
      h("p", { class: "small muted" }, "Used to fill in checkout. Leave every field empty to remove it."),
      h("div", { class: "form-grid two" }, address.wrappers)),
    h("div", { class: "form-actions" }, submit),
  );

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const patch = {};
    const newName = name.control.value.trim();
    if (newName !== (me.name || "")) patch.name = newName;
    const newPhone = phone.control.value.trim();
    if (newPhone !== (me.phone || "")) patch.phone = newPhone || null;
    if (address.isEmpty()) {
      if (me.address) patch.address = null;
    } else {
      const a = address.read();
      const missing = [["line1", "Address line 1"], ["city", "City"], ["postalCode", "Postal code"], ["country", "Country code"]]
        .filter(([k]) => !a[k]).map(([, label]) => label);
      if (missing.length) {
        notify(`To save an address, fill in: ${missing.join(", ")}.`, "error");
        return;
      }
      if (!/^[A-Z]{2}$/.test(a.country)) {
        notify("Country code must be two letters, for example US.", "error");
        address.fields.country.control.focus();
        return;
      }
      if (!same(a, normalizeAddress(me.address))) patch.address = a;
    }
    if (!Object.keys(patch).length) {
      notify("Nothing to save: the profile is unchanged.", "info");
      return;
    }
    await busy(submit, async () => {
      try {
        me = await api.updateMe(patch);
        setMe(me);
        notify("Your profile is saved.", "success");
      } catch (err) {
        notifyError(err);
      }
    }, "Saving…");
  });

  view.append(form);
}
