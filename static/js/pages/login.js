// Log in: POST /auth/login, then back to where the shopper was going (?next=).
import { h, field, busy, pageHeader } from "../dom.js";
import { login } from "../session.js";
import { navigate, withQuery, safeNext } from "../router.js";
import { notify, notifyError, flash } from "../messages.js";

export async function render({ view, query }) {
  const next = safeNext(query.next);
  const email = field({ label: "E-mail", name: "email", type: "email", autocomplete: "email", required: true, testid: "login-email", value: query.email || "" });
  const password = field({ label: "Password", name: "password", type: "password", autocomplete: "current-password", required: true, testid: "login-password" });
  const submit = h("button", { type: "submit", class: "btn btn-block", testid: "login-submit" }, "Log in");
  const form = h("form", { class: "form-grid", testid: "login-form", "aria-label": "Log in", novalidate: false }, email.wrapper, password.wrapper, submit);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    await busy(submit, async () => {
      try {
        await login({ email: email.control.value.trim(), password: password.control.value });
        flash("Welcome back! You are logged in.", "success");
        navigate(next);
      } catch (err) {
        if (err.status === 401) {
          notify("Wrong e-mail or password.", "error");
          password.control.value = "";
          password.control.focus();
        } else {
          notifyError(err);
        }
      }
    }, "Logging in…");
  });

  view.append(
    h("section", { class: "card auth-card stack", "aria-labelledby": "login-title" },
      pageHeader("Log in"),
      form,
      h("p", { class: "small muted" }, "New here? ", h("a", { href: `#${withQuery("/register", { next: query.next })}`, testid: "register-link" }, "Create an account"), "."),
      h("p", { class: "small muted" }, "Got a confirmation code by e-mail? ", h("a", { href: "#/confirm", testid: "confirm-link" }, "Confirm your account"), ".")),
  );
  view.querySelector("h1").id = "login-title";
}
