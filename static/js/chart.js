// Charts drawn as inline SVG, no library: an SVG is part of the page, scales with its viewBox, and
// takes a title and a description that screen readers announce. Every chart comes with a table of
// the same numbers (its text alternative), so nothing is only visual.
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
let uid = 0;

/** An SVG element: s("rect", {x: 1, class: "bar"}, child, "text"). Text goes in as text. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "testid") el.setAttribute("data-testid", value);
    else if (key === "dataset") for (const [k, v] of Object.entries(value)) el.dataset[k] = v;
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * A bar chart: barChart({title, description, bars: [{key, label, value, text}], testid}).
 * `label` is shown under a bar (or left out when bars are many), `text` is its value for people;
 * each bar carries data-key and data-value, and a <title> a pointer or screen reader can read.
 */
export function barChart({ title, description, bars, testid, barTestid = "chart-bar" }) {
  uid += 1;
  const titleId = `chart-title-${uid}`;
  const descId = `chart-desc-${uid}`;
  const width = 640, height = 240, top = 12, bottom = 28, left = 24, right = 24;
  const plot = height - top - bottom;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const step = (width - left - right) / Math.max(1, bars.length);
  const gap = Math.min(4, step * 0.2);
  const labelEvery = Math.ceil(bars.length / 8);
  const drawn = bars.map((bar, i) => {
    const barHeight = bar.value > 0 ? Math.max(1, (bar.value / max) * plot) : 0;
    const x = left + i * step + gap / 2;
    return s("g", {},
      s("rect", {
        class: "chart-bar",
        x: x.toFixed(2),
        y: (top + plot - barHeight).toFixed(2),
        width: Math.max(1, step - gap).toFixed(2),
        height: barHeight.toFixed(2),
        testid: barTestid,
        dataset: { key: bar.key, value: String(bar.value) },
      }, s("title", {}, `${bar.label}: ${bar.text}`)),
      i % labelEvery === 0
        ? s("text", { class: "chart-label", x: (x + (step - gap) / 2).toFixed(2), y: height - 8, "text-anchor": "middle" }, bar.label)
        : null,
    );
  });
  return h("figure", { class: "chart", testid },
    s("svg", {
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      class: "chart-svg",
    },
    s("title", { id: titleId }, title),
    s("desc", { id: descId }, description),
    s("line", { class: "chart-axis", x1: left, x2: width - right, y1: top + plot, y2: top + plot }),
    drawn),
  );
}
