// The entry point: routes, guards, session wiring and the shell (nav, messages, focus).
import { h } from "./dom.js";
import * as api from "./api.js";
import { start, navigate, currentPath, withQuery } from "./router.js";
import { isLoggedIn, onSessionChange } from "./session.js";
import { getState, setState } from "./store.js";
import { loadCart } from "./cart-state.js";
import { ensureMe } from "./me-state.js";
import { initNav } from "./nav.js";
import { notifyError, flash, showFlashes, errorText } from "./messages.js";

const routes = [
  { path: "/", load: () => import("./pages/catalog.js") },
  { path: "/products/:productId", load: () => import("./pages/product.js") },
  { path: "/search", load: () => import("./pages/search.js") },
  { path: "/login", load: () => import("./pages/login.js"), guestOnly: true },
  { path: "/register", load: () => import("./pages/register.js"), guestOnly: true },
  { path: "/confirm", load: () => import("./pages/confirm.js"), guestOnly: true },
  { path: "/cart", load: () => import("./pages/cart.js"), auth: true },
  { path: "/checkout", load: () => import("./pages/checkout.js"), auth: true },
  { path: "/orders", load: () => import("./pages/orders.js"), auth: true },
  { path: "/orders/:orderId", load: () => import("./pages/order.js"), auth: true },
  { path: "/orders/:orderId/return", load: () => import("./pages/order-return.js"), auth: true },
  { path: "/returns", load: () => import("./pages/returns.js"), auth: true },
  { path: "/profile", load: () => import("./pages/profile.js"), auth: true },
  { path: "/notifications", load: () => import("./pages/notifications.js"), auth: true },
  { path: "/admin/products", load: () => import("./pages/admin-products.js"), auth: true, admin: true },
  { path: "/admin/products/new", load: () => import("./pages/admin-product-edit.js"), auth: true, admin: true },
  { path: "/admin/products/:productId", load: () => import("./pages/admin-product-edit.js"), auth: true, admin: true },
  { path: "/admin/orders", load: () => import("./pages/admin-orders.js"), auth: true, admin: true },
  { path: "/admin/sales", load: () => import("./pages/admin-sales.js"), auth: true, admin: true },
  { path: "/admin/promotions", load: () => import("./pages/admin-promotions.js"), auth: true, admin: true },
  { path: "/admin/shipping", load: () => import("./pages/admin-shipping.js"), auth: true, admin: true },
  { path: "/admin/returns", load: () => import("./pages/admin-returns.js"), auth: true, admin: true },
];

// GET /me/notifications is an optional extension: show its page only when the route exists.
async function probeNotifications() {
  try {
    await api.listNotifications({ limit: 1 });
    setState({ notifications: "available" });
  } catch (err) {
    if (err.status === 401) return;
    setState({ notifications: "missing" });
  }
}

function loadSignedInState() {
  ensureMe().catch(() => {});
  loadCart().catch(() => {});
  if (getState().notifications === "unknown") probeNotifications();
}

function messagePage(title, text, testid) {
  return ({ view }) => {
    view.append(
      h("h1", { tabindex: "-1", testid: "page-title" }, title),
      h("div", { class: "empty", testid }, h("p", {}, text), h("a", { class: "btn", href: "#/" }, "Back to the catalog")),
    );
  };
}

async function guard(route, ctx) {
  if (route.guestOnly && isLoggedIn()) return ctx.query.next || "/";
  if (route.auth && !isLoggedIn()) return withQuery("/login", { next: ctx.path });
  if (route.admin) {
    let me;
    try {
      me = await ensureMe();
    } catch (err) {
      return messagePage("Could not load your profile", errorText(err), "error-page");
    }
    if (!me || !me.isAdmin) return messagePage("Admins only", "This page is for shop administrators.", "forbidden");
  }
  return null;
}

onSessionChange(({ session, reason }) => {
  if (!session) {
    setState({ me: null, cart: null, notifications: "unknown" });
    if (reason === "expired") {
      flash("Your session has ended. Please log in again.", "warning");
      const path = currentPath();
      if (!path.startsWith("/login")) navigate(withQuery("/login", { next: path }));
    } else if (reason === "other-tab") {
      navigate("/");
    }
    return;
  }
  if (reason === "login" || reason === "other-tab") {
    setState({ me: null, cart: null, notifications: "unknown" });
    loadSignedInState();
  }
});

function init() {
  const skip = document.querySelector("[data-skip-link]");
  if (skip) {
    skip.addEventListener("click", (e) => {
      e.preventDefault();
      document.getElementById("main").focus();
    });
  }
  initNav();
  if (isLoggedIn()) loadSignedInState();

  start(routes, {
    view: document.getElementById("view"),
    guard,
    before: () => showFlashes(),
    notFound: messagePage("Page not found", "There is nothing at this address.", "not-found"),
    error: (err, { view }) => {
      notifyError(err);
      view.append(
        h("div", { class: "empty", testid: "error-page" }, h("p", {}, errorText(err)),
          h("button", { type: "button", class: "btn", onclick: () => navigate(currentPath()) }, "Try again")),
      );
    },
    after: (ctx, { first }) => {
      const heading = document.querySelector("#view h1");
      document.title = heading ? `${heading.textContent} · Shop` : "Shop";
      if (!first && heading) {
        heading.focus({ preventScroll: true });
        window.scrollTo(0, 0);
      }
    },
  });
}

init();
