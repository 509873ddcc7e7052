// The confirmation-code form (POST /auth/confirm): its own page, and the register page after sign-up.
import { h, field, busy } from "./dom.js";
import * as session from "./session.js";
import { navigate, withQuery } from "./router.js";
import { notifyError, flash } from "./messages.js";

/**
 * The confirmation-code form. With a password (right after registering) it logs in too;
 * otherwise it sends the shopper to the login page.
 */
export function confirmForm({ email: knownEmail = "", password = null, next = "/" }) {
  const email = field({ label: "E-mail", name: "email", type: "email", autocomplete: "email", required: true, testid: "confirm-email", value: knownEmail });
  const code = field({
    label: "Confirmation code",
    name: "code",
    required: true,
    autocomplete: "one-time-code",
    inputmode: "numeric",
    testid: "confirm-code",
    hint: "We sent it to your e-mail address.",
  });
  const submit = h("button", { type: "submit", class: "btn btn-block", testid: "confirm-submit" }, "Confirm account");
  const form = h("form", { class: "form-grid", testid: "confirm-form", "aria-label": "Confirm your account" }, email.wrapper, code.wrapper, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const address = email.control.value.trim();
    await busy(submit, async () => {
      try {
        await session.confirm({ email: address, code: code.control.value.trim() });
      } catch (err) {
        notifyError(err);
        code.control.focus();
        return;
      }
      if (password) {
        try {
          await session.login({ email: address, password });
          flash("Your account is confirmed and you are logged in.", "success");
          navigate(next);
          return;
        } catch (err) {
          notifyError(err);
        }
      }
      flash("Your account is confirmed. Please log in.", "success");
      navigate(withQuery("/login", { email: address, next: next === "/" ? undefined : next }));
    }, "Confirming…");
  });
  return form;
}
