// Admin: create (POST /products) or edit (PATCH /products/{id}) a product, upload its image through a
// presigned URL (POST /products/{id}/image, PUT to S3, PATCH imageUrl), archive. Price and stock are
// edited variant by variant in admin-variants.js (a product without options is its own variant).
import { h, field, busy, pageHeader, loading, confirmButton } from "../dom.js";
import { formatMoney } from "../format.js";
import * as api from "../api.js";
import { navigate } from "../router.js";
import { productImage, idText } from "../components.js";
import { notify, notifyError, flash } from "../messages.js";
import { MAX_STOCK } from "../limits.js";
import { normalizeCategory } from "../categories.js";
import { variantsCard, readPrice } from "../admin-variants.js";

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];
const CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK"];

/** Upload a file for a product and make it the product's image. Returns the updated product. */
async function uploadImage(productId, file) {
  if (!IMAGE_TYPES.includes(file.type)) {
    throw new Error("Choose a PNG, JPEG or WebP image.");
  }
  const { uploadUrl, imageUrl } = await api.requestImageUpload(productId, file.type);
  await api.uploadToPresignedUrl(uploadUrl, file);
  return api.updateProduct(productId, { imageUrl });
}

function productFields(product, { creating }) {
  const p = product || {};
  const currency = p.currency || "USD";
  const f = {
    name: field({ label: "Name", name: "name", required: true, maxlength: 200, testid: "product-form-name", value: p.name || "" }),
    description: field({ label: "Description", name: "description", type: "textarea", maxlength: 4000, testid: "product-form-description", value: p.description || "" }),
    category: field({
      label: "Category",
      name: "category",
      required: true,
      maxlength: 64,
      pattern: "[a-z0-9\\-]+",
      autocomplete: "off",
      testid: "product-form-category",
      value: p.category || "",
      hint: "Lowercase letters, digits and dashes, for example home-garden.",
    }),
  };
  if (creating) {
    f.price = field({
      label: `Price (${currency})`,
      name: "price",
      required: true,
      inputmode: "decimal",
      autocomplete: "off",
      pattern: "\\d+([.,]\\d{0,2})?",
      testid: "product-form-price",
      hint: "In currency units, for example 12.34.",
    });
    f.currency = field({ label: "Currency", name: "currency", type: "select", required: true, testid: "product-form-currency", value: "USD", options: CURRENCIES.map((c) => ({ value: c, label: c })) });
    f.currency.control.addEventListener("change", () => {
      f.price.wrapper.querySelector("label").firstChild.textContent = `Price (${f.currency.control.value})`;
    });
    f.stock = field({ label: "Initial stock", name: "stock", type: "number", min: 0, max: MAX_STOCK, step: 1, inputmode: "numeric", required: true, testid: "product-form-stock", value: 0 });
    f.image = field({ label: "Image", name: "image", type: "file", accept: IMAGE_TYPES.join(","), testid: "product-form-image", hint: "PNG, JPEG or WebP. Uploaded after the product is created." });
  }
  return f;
}

/** Read and check the form; returns {values} or {error, control}. */
function readFields(f, currency) {
  const name = f.name.control.value.trim();
  if (!name) return { error: "Name is required.", control: f.name.control };
  const category = normalizeCategory(f.category.control.value);
  if (!category) return { error: "Category is required: lowercase letters, digits and dashes.", control: f.category.control };
  const values = { name, description: f.description.control.value.trim(), category };
  if (f.price) {
    values.priceCents = readPrice(f.price.control, currency);
    if (values.priceCents === null) return { error: "Price must be an amount such as 12.34.", control: f.price.control };
  }
  if (f.stock) {
    const stock = Number(f.stock.control.value);
    if (!Number.isInteger(stock) || stock < 0 || stock > MAX_STOCK) {
      return { error: `Stock must be a whole number from 0 to ${MAX_STOCK}.`, control: f.stock.control };
    }
    values.stock = stock;
  }
  return { values };
}

async function renderCreate(view) {
  const f = productFields(null, { creating: true });
  const submit = h("button", { type: "submit", class: "btn", testid: "product-form-submit" }, "Create product");
  const form = h("form", { class: "card stack", testid: "product-form", dataset: { mode: "create" }, "aria-label": "New product" },
    h("div", { class: "form-grid two" },
      f.name.wrapper, f.category.wrapper,
      h("div", { class: "span-2" }, f.description.wrapper),
      f.price.wrapper, f.currency.wrapper, f.stock.wrapper, f.image.wrapper),
    h("div", { class: "form-actions" }, submit, h("a", { class: "btn btn-secondary", href: "#/admin/products" }, "Cancel")));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const currency = f.currency.control.value;
    const { values, error, control } = readFields(f, currency);
    if (error) {
      notify(error, "error");
      control.focus();
      return;
    }
    const file = f.image.control.files && f.image.control.files[0];
    if (file && !IMAGE_TYPES.includes(file.type)) {
      notify("Choose a PNG, JPEG or WebP image.", "error");
      f.image.control.focus();
      return;
    }
    const body = { name: values.name, priceCents: values.priceCents, currency, category: values.category, stock: values.stock };
    if (values.description) body.description = values.description;
    await busy(submit, async () => {
      let product;
      try {
        product = await api.createProduct(body);
      } catch (err) {
        notifyError(err);
        return;
      }
      if (file) {
        try {
          await uploadImage(product.productId, file);
        } catch (err) {
          flash(`The product is created, but the image upload failed: ${err.message}`, "warning");
          navigate(`/admin/products/${encodeURIComponent(product.productId)}`);
          return;
        }
      }
      flash(`Created “${product.name}”.`, "success");
      navigate(`/admin/products/${encodeURIComponent(product.productId)}`);
    }, "Creating…");
  });

  view.append(pageHeader("New product"), form);
}

async function renderEdit(view, productId, signal) {
  view.append(pageHeader("Edit product"), loading());
  let product;
  try {
    product = await api.getProduct(productId, { signal });
  } catch (err) {
    if (err.status !== 404) throw err;
    view.replaceChildren(
      h("h1", { tabindex: "-1", testid: "page-title" }, "Product not found"),
      h("div", { class: "empty", testid: "not-found" }, h("p", {}, "It does not exist or is archived."),
        h("a", { class: "btn", href: "#/admin/products" }, "All products")),
    );
    return;
  }
  const currency = product.currency || "USD";

  // Details
  const f = productFields(product, { creating: false });
  const submit = h("button", { type: "submit", class: "btn", testid: "product-form-submit" }, "Save changes");
  const form = h("form", { class: "card stack", testid: "product-form", dataset: { mode: "edit" }, "aria-labelledby": "details-title" },
    h("h2", { id: "details-title" }, "Details"),
    h("div", { class: "form-grid two" },
      f.name.wrapper, f.category.wrapper,
      h("div", { class: "span-2" }, f.description.wrapper),
      h("div", { class: "field" }, h("span", { class: "label" }, "Currency"), h("span", { testid: "product-form-currency" }, currency))),
    h("div", { class: "form-actions" }, submit,
      h("a", { class: "btn btn-secondary", href: `#/products/${encodeURIComponent(product.productId)}`, testid: "view-in-shop" }, "View in shop")));

  // Image
  const preview = h("div", { class: "image-preview", testid: "image-preview" }, productImage(product, { eager: true }));
  const file = field({ label: "New image", name: "image", type: "file", accept: IMAGE_TYPES.join(","), required: true, testid: "image-file", hint: "PNG, JPEG or WebP." });
  const uploadButton = h("button", { type: "submit", class: "btn btn-secondary", testid: "image-upload-submit" }, "Upload image");
  const imageForm = h("form", { class: "card stack", testid: "image-upload-form", "aria-labelledby": "image-title" },
    h("h2", { id: "image-title" }, "Image"), preview, file.wrapper, h("div", { class: "form-actions" }, uploadButton));

  // The header's summary: the price (the lowest of the variants) and the stock on hand (their sum).
  const priceFrom = h("span", {});
  const priceNote = h("span", { testid: "admin-price" });
  const stockNote = h("span", { testid: "admin-product-stock", dataset: { stock: product.stock } });
  const update = (next) => {
    product = next;
    const options = (product.options || []).length > 0;
    priceFrom.textContent = options ? "from " : "";
    priceNote.textContent = formatMoney(product.priceCents, currency);
    stockNote.dataset.stock = String(product.stock);
    stockNote.textContent = `${product.stock} in stock${options ? " over all variants" : ""}`;
  };
  update(product);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const { values, error, control } = readFields(f, currency);
    if (error) {
      notify(error, "error");
      control.focus();
      return;
    }
    const patch = {};
    for (const key of ["name", "description", "category"]) {
      if (values[key] !== (product[key] ?? (key === "description" ? "" : undefined))) patch[key] = values[key];
    }
    if (!Object.keys(patch).length) {
      notify("Nothing to save: the product is unchanged.", "info");
      return;
    }
    await busy(submit, async () => {
      try {
        update(await api.updateProduct(product.productId, patch));
        notify(`Saved “${product.name}”.`, "success");
      } catch (err) {
        notifyError(err);
      }
    }, "Saving…");
  });

  imageForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const chosen = file.control.files && file.control.files[0];
    if (!chosen) {
      notify("Choose an image file first.", "error");
      file.control.focus();
      return;
    }
    await busy(uploadButton, async () => {
      try {
        const next = await uploadImage(product.productId, chosen);
        update(next);
        // The URL may stay the same for a new upload: bust the browser cache for the preview.
        const shown = { ...next, imageUrl: next.imageUrl ? `${next.imageUrl}${next.imageUrl.includes("?") ? "&" : "?"}v=${Date.now()}` : null };
        preview.replaceChildren(productImage(shown, { eager: true }));
        file.control.value = "";
        notify("The image is uploaded.", "success");
      } catch (err) {
        notifyError(err);
      }
    }, "Uploading…");
  });

  const archive = h("section", { class: "card stack", "aria-labelledby": "archive-title" },
    h("h2", { id: "archive-title" }, "Archive"),
    h("p", { class: "muted" }, "An archived product is no longer listed or orderable. Past orders keep their lines."),
    confirmButton({
      label: "Archive product",
      confirmLabel: "Yes, archive it",
      testid: "archive-button",
      onConfirm: async () => {
        try {
          await api.archiveProduct(product.productId);
          flash(`Archived “${product.name}”.`, "success");
          navigate("/admin/products");
        } catch (err) {
          notifyError(err);
        }
      },
    }));

  view.replaceChildren(
    pageHeader(`Edit: ${product.name}`, null, h("a", { class: "btn btn-secondary", href: "#/admin/products" }, "All products")),
    h("p", { class: "muted small" }, "Product id ", h("span", { class: "mono id-full", testid: "admin-product-id" }, idText(product.productId)),
      " · price ", priceFrom, priceNote, " · ", stockNote),
    h("div", { class: "stack" },
      h("div", { class: "grid-2" }, form, h("div", { class: "stack" }, imageForm, archive)),
      variantsCard(product, { reload: () => api.getProduct(product.productId), onChange: update })),
  );
}

export async function render({ view, params, signal }) {
  if (params.productId) await renderEdit(view, params.productId, signal);
  else await renderCreate(view);
}
