// Small DOM helpers. Text always goes in as text nodes, never as HTML, so API data cannot inject markup.

/**
 * h("button", {class: "btn", testid: "x", onclick: fn, disabled: true}, "Label", child, [more])
 * - class/className, testid (data-testid), dataset {k: v}, on<event> handlers, style (string),
 *   boolean properties (disabled, checked, required, hidden, ...), everything else as attributes.
 * - null, undefined and false children are skipped; arrays are flattened; strings become text.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class" || key === "className") el.className = value;
    else if (key === "testid") el.dataset.testid = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else if (key in el && typeof el[key] !== "string" && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

let uid = 0;
/** A unique id for label/input pairs. */
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * A labelled form field: field({label, name, type, value, required, testid, hint, ...inputAttrs}).
 * type "select" takes options [{value, label}], type "textarea" a textarea.
 */
export function field({ label, hint, type = "text", options = [], className = "", ...attrs }) {
  const id = attrs.id || nextId(attrs.name || "field");
  const hintId = hint ? `${id}-hint` : null;
  let control;
  const common = { id, "aria-describedby": hintId, ...attrs };
  if (type === "select") {
    const { value, ...rest } = common;
    control = h("select", rest, options.map((o) => h("option", { value: o.value }, o.label)));
    if (value !== undefined && value !== null) control.value = String(value);
  } else if (type === "textarea") {
    const { value, ...rest } = common;
    control = h("textarea", rest);
    control.value = value ?? "";
  } else {
    const { value, ...rest } = common;
    control = h("input", { type, ...rest });
    if (value !== undefined && value !== null) control.value = String(value);
  }
  const wrapper = h(
    "div",
    { class: `field ${className}`.trim() },
    h("label", { for: id }, label, attrs.required ? null : h("span", { class: "muted small" }, " (optional)")),
    control,
    hint ? h("span", { class: "hint", id: hintId }, hint) : null,
  );
  return { wrapper, control };
}

/**
 * Disable a form's submit button (and mark it busy) while an async job runs. A button that had the
 * focus gets it back afterwards: disabling it dropped the focus to the page's body.
 */
export async function busy(button, job, busyLabel) {
  const label = button.textContent;
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  if (busyLabel) button.textContent = busyLabel;
  try {
    return await job();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (busyLabel) button.textContent = label;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (hadFocus && lost && button.isConnected) button.focus();
  }
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", testid: "loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

/** A page heading that receives focus after navigation. */
export function pageHeader(title, subtitle, ...actions) {
  return h(
    "div",
    { class: "page-header" },
    h("div", {}, h("h1", { tabindex: "-1", testid: "page-title" }, title), subtitle ? h("p", {}, subtitle) : null),
    actions.length ? h("div", { class: "btn-row" }, actions) : null,
  );
}

/**
 * A two-step button for destructive actions (no window.confirm, which browser tests auto-dismiss):
 * the first press shows "confirm" and "keep" buttons; "confirm" runs the action.
 */
export function confirmButton({ label, confirmLabel, testid, className = "btn btn-danger", onConfirm }) {
  const holder = h("span", { class: "btn-row" });
  const first = h("button", { type: "button", class: className, testid }, label);
  const showFirst = () => {
    replace(holder, first);
    first.focus();
  };
  first.addEventListener("click", () => {
    const yes = h("button", { type: "button", class: "btn btn-danger", testid: `${testid}-confirm` }, confirmLabel);
    const no = h("button", { type: "button", class: "btn btn-secondary", testid: `${testid}-keep`, onclick: showFirst }, "Keep");
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      no.disabled = true;
      try {
        await onConfirm();
      } finally {
        if (holder.isConnected) showFirst();
      }
    });
    replace(holder, yes, no);
    yes.focus();
  });
  holder.append(first);
  return holder;
}
