// Hash routing: "#/products/abc?x=1" -> the route "/products/:productId" with params and query.
// Each render gets an AbortSignal that fires when the user navigates away (stops polling, fetches).

const listeners = new Set();
let routes = [];
let hooks = {};
let controller = null;
let firstRender = true;

/** The current location as "/path?query". */
export function currentPath() {
  const raw = location.hash.replace(/^#/, "");
  return raw.startsWith("/") ? raw : "/";
}

/** Go to a path such as "/orders/123". replace: true keeps it out of the history. */
export function navigate(path, { replace = false } = {}) {
  const target = `#${path}`;
  if (location.hash === target) {
    render();
  } else if (replace) {
    history.replaceState(null, "", target);
    render();
  } else {
    location.hash = target;
  }
}

/** Build "/path?k=v" from a path and an object of query values (empty ones left out). */
export function withQuery(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** A ?next= path to go to after logging in: only same-app paths, never another origin. */
export function safeNext(next) {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login")
    ? next
    : "/";
}

export function onRouteChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function compile(pattern) {
  const names = [];
  const source = pattern
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { regex: new RegExp(`^${source}/?$`), names };
}

function match(path) {
  for (const route of routes) {
    const m = route.compiled.regex.exec(path);
    if (m) {
      const params = {};
      route.compiled.names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(m[i + 1]);
        } catch {
          params[name] = m[i + 1];
        }
      });
      return { route, params };
    }
  }
  return null;
}

/**
 * start([{path: "/", load: () => import("./pages/catalog.js"), auth, admin}, ...], {view, notFound, guard, after})
 * A page module exports render(ctx) with ctx = {view, params, query, signal, path}.
 * guard(route, ctx) may return a path to redirect to, or a function that renders instead of the page.
 */
export function start(table, options) {
  routes = table.map((r) => ({ ...r, compiled: compile(r.path) }));
  hooks = options;
  window.addEventListener("hashchange", render);
  render();
}

export async function render() {
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;

  const full = currentPath();
  const [path, search = ""] = full.split("?");
  const query = Object.fromEntries(new URLSearchParams(search));
  const found = match(path);
  const view = document.createElement("div");
  view.className = "page";
  const ctx = { view, params: found ? found.params : {}, query, signal, path: full };

  if (hooks.before) hooks.before(ctx);
  for (const fn of listeners) fn(full);

  try {
    let renderer;
    if (!found) {
      renderer = hooks.notFound;
    } else {
      const verdict = hooks.guard ? await hooks.guard(found.route, ctx) : null;
      if (signal.aborted) return;
      if (typeof verdict === "string") {
        navigate(verdict, { replace: true });
        return;
      }
      if (typeof verdict === "function") renderer = verdict;
      else renderer = (await found.route.load()).render;
    }
    if (signal.aborted) return;
    hooks.view.replaceChildren(view);
    await renderer(ctx);
  } catch (err) {
    if (signal.aborted || (err && err.name === "AbortError")) return;
    if (hooks.error) hooks.error(err, ctx);
    else throw err;
  }
  if (signal.aborted) return;
  if (hooks.after) hooks.after(ctx, { first: firstRender });
  firstRender = false;
}
