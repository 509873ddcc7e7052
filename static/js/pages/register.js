// Register: POST /auth/register, then log in at once (confirmed) or ask for the e-mailed code.
import { h, field, busy, pageHeader } from "../dom.js";
import * as session from "../session.js";
import { navigate, withQuery, safeNext } from "../router.js";
import { notify, notifyError, flash } from "../messages.js";
import { confirmForm } from "../confirm-form.js";

export async function render({ view, query }) {
  const next = safeNext(query.next);
  const name = field({ label: "Name", name: "name", autocomplete: "name", required: true, maxlength: 200, testid: "register-name" });
  const email = field({ label: "E-mail", name: "email", type: "email", autocomplete: "email", required: true, testid: "register-email" });
  const password = field({
    label: "Password",
    name: "password",
    type: "password",
    autocomplete: "new-password",
    required: true,
    minlength: 8,
    testid: "register-password",
    hint: "At least 8 characters with upper- and lowercase letters, a number and a symbol.",
  });
  const submit = h("button", { type: "submit", class: "btn btn-block", testid: "register-submit" }, "Create account");
  const form = h("form", { class: "form-grid", testid: "register-form", "aria-label": "Create an account" }, name.wrapper, email.wrapper, password.wrapper, submit);
  const card = h("section", { class: "card auth-card stack" },
    pageHeader("Create an account"),
    form,
    h("p", { class: "small muted" }, "Already have an account? ", h("a", { href: `#${withQuery("/login", { next: query.next })}` }, "Log in"), "."));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const address = email.control.value.trim();
    const secret = password.control.value;
    await busy(submit, async () => {
      let result;
      try {
        result = await session.register({ email: address, password: secret, name: name.control.value.trim() });
      } catch (err) {
        if (err.status === 409) notify("An account with this e-mail already exists. Log in instead.", "error");
        else notifyError(err);
        return;
      }
      if (result && result.confirmed === false) {
        card.replaceChildren(
          pageHeader("Confirm your account", `We sent a code to ${address}.`),
          confirmForm({ email: address, password: secret, next }),
        );
        notify("Account created. Enter the code from your e-mail to finish.", "success");
        card.querySelector("[data-testid=confirm-code]").focus();
        return;
      }
      try {
        await session.login({ email: address, password: secret });
        flash("Welcome! Your account is ready and you are logged in.", "success");
        navigate(next);
      } catch (err) {
        flash("Your account is ready. Please log in.", "success");
        navigate(withQuery("/login", { email: address }));
      }
    }, "Creating account…");
  });

  view.append(card);
}
