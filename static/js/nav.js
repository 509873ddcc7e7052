// The header navigation: what a guest, a shopper and an admin see, with the live cart count.
import { h, replace } from "./dom.js";
import { getState, subscribe, cartCount } from "./store.js";
import { isLoggedIn, sessionEmail, logout } from "./session.js";
import { currentPath, onRouteChange, navigate } from "./router.js";
import { flash } from "./messages.js";

function link(href, label, testid, extra = null) {
  const here = currentPath().split("?")[0];
  const target = href.slice(1).split("?")[0];
  const active = target === "/" ? here === "/" : here === target || here.startsWith(`${target}/`);
  return h("li", {}, h("a", { href, testid, "aria-current": active ? "page" : null }, label, extra));
}

function cartLink() {
  const n = cartCount();
  const badge = h(
    "span",
    { class: "badge-count", testid: "cart-count", "aria-hidden": "true", style: n ? null : "opacity:.55" },
    String(n),
  );
  const item = link("#/cart", "Cart", "nav-cart", badge);
  item.firstChild.setAttribute("aria-label", `Cart, ${n} ${n === 1 ? "item" : "items"}`);
  return item;
}

export function renderNav() {
  const nav = document.getElementById("site-nav");
  if (!nav) return;
  const { me, notifications } = getState();
  const items = [link("#/", "Catalog", "nav-catalog")];
  if (isLoggedIn()) {
    items.push(cartLink(), link("#/orders", "My orders", "nav-orders"));
    if (notifications === "available") items.push(link("#/notifications", "Notifications", "nav-notifications"));
    items.push(link("#/profile", "Profile", "nav-profile"));
    if (me && me.isAdmin) {
      items.push(
        h("li", { class: "nav-sep", "aria-hidden": "true" }),
        link("#/admin/products", "Products", "nav-admin-products"),
        link("#/admin/orders", "All orders", "nav-admin-orders"),
      );
    }
    items.push(
      h("li", { class: "nav-sep", "aria-hidden": "true" }),
      h("li", { class: "nav-user", testid: "user-email", title: sessionEmail() }, (me && me.email) || sessionEmail()),
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "nav-button",
            testid: "logout-button",
            onclick: () => {
              logout();
              flash("You are logged out.", "success");
              navigate("/");
            },
          },
          "Log out",
        ),
      ),
    );
  } else {
    items.push(cartLink(), link("#/login", "Log in", "nav-login"), link("#/register", "Register", "nav-register"));
  }
  // Keep keyboard focus on the same control across re-renders.
  const focused = document.activeElement && nav.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  replace(nav, h("ul", {}, items));
  if (focused) {
    const again = nav.querySelector(`[data-testid="${focused}"]`);
    if (again) again.focus();
  }
}

export function initNav() {
  subscribe(renderNav);
  onRouteChange(renderNav);
  renderNav();
}
