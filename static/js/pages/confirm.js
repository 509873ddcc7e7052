// Confirm an account with the e-mailed code: POST /auth/confirm (deployed stages only).
import { h, pageHeader } from "../dom.js";
import { notify } from "../messages.js";
import { confirmForm } from "../confirm-form.js";

export async function render({ view, query }) {
  view.append(
    h("section", { class: "card auth-card stack" },
      pageHeader("Confirm your account", "Enter the code from the e-mail we sent you."),
      confirmForm({ email: query.email || "" })),
  );
  if (query.email) notify("Check your e-mail for the confirmation code.", "info");
}
