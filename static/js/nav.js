// The header navigation: what a guest, a shopper and an admin see, with the live cart count.
// Below 640 px the links fold into a "Menu" disclosure (a button with aria-expanded, not a modal:
// focus is never trapped); the cart stays beside it. Escape or any navigation folds it again.
import { h, replace } from "./dom.js";
import { getState, subscribe, cartCount } from "./store.js";
import { isLoggedIn, sessionEmail, logout } from "./session.js";
import { currentPath, onRouteChange, navigate } from "./router.js";
import { flash } from "./messages.js";

const MENU_ID = "site-menu";
let open = false;

function isActive(href) {
  const here = currentPath().split("?")[0];
  const target = href.slice(1).split("?")[0];
  return target === "/" ? here === "/" : here === target || here.startsWith(`${target}/`);
}

function link(href, label, testid) {
  return h("li", {}, h("a", { href, testid, "aria-current": isActive(href) ? "page" : null }, label));
}

// The visible label ("Cart 2") starts the accessible name ("Cart 2 items"): no aria-label that hides it.
function cartLink() {
  const n = cartCount();
  return h(
    "a",
    { href: "#/cart", class: "nav-cart", testid: "nav-cart", "aria-current": isActive("#/cart") ? "page" : null },
    "Cart ",
    h("span", { class: `badge-count${n ? "" : " badge-empty"}`, testid: "cart-count" }, String(n)),
    h("span", { class: "visually-hidden" }, n === 1 ? " item" : " items"),
  );
}

function menuIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 20 20");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "nav-toggle-icon");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", open ? "M5 5l10 10M15 5L5 15" : "M3 5h14M3 10h14M3 15h14");
  svg.append(path);
  return svg;
}

function setOpen(next, { focusToggle = false } = {}) {
  if (open === next) return;
  open = next;
  renderNav();
  if (focusToggle) {
    const toggle = document.querySelector("[data-testid=nav-toggle]");
    if (toggle) toggle.focus();
  }
}

function menuItems() {
  const { me, notifications } = getState();
  const items = [link("#/", "Catalog", "nav-catalog")];
  if (!isLoggedIn()) {
    items.push(link("#/login", "Log in", "nav-login"), link("#/register", "Register", "nav-register"));
    return items;
  }
  items.push(link("#/orders", "My orders", "nav-orders"), link("#/returns", "Returns", "nav-returns"));
  if (notifications === "available") items.push(link("#/notifications", "Notifications", "nav-notifications"));
  items.push(link("#/profile", "Profile", "nav-profile"));
  if (me && me.isAdmin) {
    items.push(
      h("li", { class: "nav-sep", "aria-hidden": "true" }),
      link("#/admin/products", "Products", "nav-admin-products"),
      link("#/admin/orders", "All orders", "nav-admin-orders"),
      link("#/admin/sales", "Sales", "nav-admin-sales"),
      link("#/admin/promotions", "Promotions", "nav-admin-promotions"),
      link("#/admin/shipping", "Shipping and tax", "nav-admin-shipping"),
      link("#/admin/returns", "Returns queue", "nav-admin-returns"),
    );
  }
  const email = (me && me.email) || sessionEmail();
  items.push(
    h("li", { class: "nav-sep", "aria-hidden": "true" }),
    h("li", { class: "nav-user", testid: "user-email", title: email }, email),
    h("li", {}, h("button", {
      type: "button",
      class: "nav-button",
      testid: "logout-button",
      onclick: () => {
        logout();
        flash("You are logged out.", "success");
        navigate("/");
      },
    }, "Log out")),
  );
  return items;
}

export function renderNav() {
  const nav = document.getElementById("site-nav");
  if (!nav) return;
  const toggle = h(
    "button",
    {
      type: "button",
      class: "nav-toggle",
      testid: "nav-toggle",
      "aria-expanded": String(open),
      "aria-controls": MENU_ID,
      onclick: () => setOpen(!open),
    },
    menuIcon(),
    "Menu",
  );
  // Keep keyboard focus on the same control across re-renders.
  const focused = document.activeElement && nav.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  nav.dataset.open = String(open);
  replace(nav, cartLink(), toggle, h("ul", { id: MENU_ID, class: "nav-menu" }, menuItems()));
  if (focused) {
    const again = nav.querySelector(`[data-testid="${focused}"]`);
    if (again) again.focus();
  }
}

export function initNav() {
  subscribe(renderNav);
  onRouteChange(() => {
    open = false;
    renderNav();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && open) setOpen(false, { focusToggle: true });
  });
  // Tabbing out of the open menu folds it, so it never covers the control that has focus.
  const nav = document.getElementById("site-nav");
  if (nav) {
    nav.addEventListener("focusout", (e) => {
      if (open && e.relatedTarget && !nav.contains(e.relatedTarget)) setOpen(false);
    });
    // A tap anywhere else folds it too.
    document.addEventListener("click", (e) => {
      // The path is fixed when the click starts: the toggle re-rendered by this click is still in it.
      if (open && !e.composedPath().includes(nav)) setOpen(false);
    });
  }
  renderNav();
}
