// Product categories as the API spells them ("home-garden"), and the ones this browser has seen.

const CATEGORY_KEY = "shop.categories";
const CATEGORY_RE = /^[a-z0-9-]{1,64}$/;

/** The categories this browser has seen, for the catalog's chips and suggestions. */
export function knownCategories() {
  try {
    const list = JSON.parse(localStorage.getItem(CATEGORY_KEY) || "[]");
    return Array.isArray(list) ? list.filter((c) => CATEGORY_RE.test(c)) : [];
  } catch {
    return [];
  }
}

/** Remember the categories of these products; true when a new one was seen. */
export function rememberCategories(products) {
  const set = new Set(knownCategories());
  const before = set.size;
  for (const p of products) if (p.category && CATEGORY_RE.test(p.category)) set.add(p.category);
  if (set.size !== before) localStorage.setItem(CATEGORY_KEY, JSON.stringify([...set].sort().slice(0, 100)));
  return set.size !== before;
}

/** "Home & Garden" -> "home-garden": the shape categories have in the API. */
export function normalizeCategory(text) {
  return String(text || "")
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}
