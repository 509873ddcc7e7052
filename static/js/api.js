// The shop's endpoints (see /work/shared/API.md). Authorized calls send the ID token, refresh it
// when it is about to expire, and on a 401 refresh once and retry once.
import { request, ApiError } from "./http.js";
import { validIdToken, refresh, logout, isLoggedIn } from "./session.js";

export { ApiError };

async function authed(method, path, opts = {}) {
  const token = await validIdToken();
  try {
    return await request(method, path, { ...opts, token });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401 || !isLoggedIn()) throw err;
    const fresh = await refresh(); // throws (and logs out) when the refresh token is no good
    try {
      return await request(method, path, { ...opts, token: fresh });
    } catch (again) {
      if (again instanceof ApiError && again.status === 401) {
        logout("expired");
        throw new ApiError(401, "UnauthorizedError", "Your session has ended. Please log in again.");
      }
      throw again;
    }
  }
}

const enc = encodeURIComponent;
const page = ({ limit, cursor } = {}) => ({ limit, cursor });

// Profile
export const getMe = (opts) => authed("GET", "/me", opts);
export const updateMe = (patch) => authed("PATCH", "/me", { body: patch });
export const listNotifications = ({ limit, cursor, signal } = {}) =>
  authed("GET", "/me/notifications", { query: page({ limit, cursor }), signal });

// Catalog
export const listProducts = ({ category, limit, cursor, signal } = {}) =>
  request("GET", "/products", { query: { category, ...page({ limit, cursor }) }, signal });
export const searchProducts = ({ q, category, sort, minPriceCents, maxPriceCents, currency, limit, cursor, signal } = {}) =>
  request("GET", "/products", {
    query: { q, category, sort, minPriceCents, maxPriceCents, currency, ...page({ limit, cursor }) },
    signal,
  });
export const getProduct = (productId, { signal } = {}) => request("GET", `/products/${enc(productId)}`, { signal });
export const createProduct = (body) => authed("POST", "/products", { body });
export const updateProduct = (productId, patch) => authed("PATCH", `/products/${enc(productId)}`, { body: patch });
export const adjustStock = (productId, delta) => authed("POST", `/products/${enc(productId)}/stock`, { body: { delta } });
export const archiveProduct = (productId) => authed("DELETE", `/products/${enc(productId)}`);
export const requestImageUpload = (productId, contentType) =>
  authed("POST", `/products/${enc(productId)}/image`, { body: { contentType } });

/** PUT the file to the presigned S3 URL (no Authorization header: the URL carries the signature). */
export async function uploadToPresignedUrl(uploadUrl, file) {
  let response;
  try {
    response = await fetch(uploadUrl, { method: "PUT", headers: { "Content-Type": file.type }, body: file });
  } catch {
    throw new ApiError(0, "NetworkError", "The image upload could not reach the storage service.");
  }
  if (!response.ok) throw new ApiError(response.status, "UploadError", `The image upload failed (${response.status}).`);
}

// Cart
// `where` is {country, shippingMethod}: the cart's shipping options and totals for that destination.
export const getCart = ({ country, shippingMethod, ...opts } = {}) =>
  authed("GET", "/cart", { ...opts, query: { country, shippingMethod } });
export const applyPromotion = (code) => authed("PUT", "/cart/promotion", { body: { code } });
export const removePromotion = () => authed("DELETE", "/cart/promotion");
export const setCartItem = (productId, quantity) =>
  authed("PUT", `/cart/items/${enc(productId)}`, { body: { quantity } });
export const removeCartItem = (productId) => authed("DELETE", `/cart/items/${enc(productId)}`);
export const clearCart = () => authed("DELETE", "/cart");

// Orders
export const placeOrder = (body, idempotencyKey) =>
  authed("POST", "/orders", { body, headers: { "Idempotency-Key": idempotencyKey } });
export const listOrders = ({ limit, cursor, signal } = {}) => authed("GET", "/orders", { query: page({ limit, cursor }), signal });
export const getOrder = (orderId, { signal } = {}) => authed("GET", `/orders/${enc(orderId)}`, { signal });
export const cancelOrder = (orderId) => authed("POST", `/orders/${enc(orderId)}/cancel`);
export const quoteOrder = (body) => authed("POST", "/orders/quote", { body });

// Returns
export const openReturn = (orderId, body, idempotencyKey) =>
  authed("POST", `/orders/${enc(orderId)}/returns`, { body, headers: { "Idempotency-Key": idempotencyKey } });
export const listReturns = ({ limit, cursor, signal } = {}) => authed("GET", "/returns", { query: page({ limit, cursor }), signal });
export const listReturnsByStatus = ({ status, limit, cursor, signal } = {}) =>
  authed("GET", "/admin/returns", { query: { status, ...page({ limit, cursor }) }, signal });
export const approveReturn = (returnId) => authed("POST", `/admin/returns/${enc(returnId)}/approve`);
export const rejectReturn = (returnId, note) => authed("POST", `/admin/returns/${enc(returnId)}/reject`, { body: { note } });
export const receiveReturn = (returnId) => authed("POST", `/admin/returns/${enc(returnId)}/receive`);
export const retryRefund = (returnId) => authed("POST", `/admin/returns/${enc(returnId)}/refund`);

// Admin
export const listOrdersByStatus = ({ status, limit, cursor, signal } = {}) =>
  authed("GET", "/admin/orders", { query: { status, ...page({ limit, cursor }) }, signal });
export const setOrderStatus = (orderId, status) => authed("PATCH", `/admin/orders/${enc(orderId)}`, { body: { status } });
export const getSalesReport = ({ from, to, currency, signal } = {}) =>
  authed("GET", "/admin/reports/sales", { query: { from, to, currency }, signal });

// Variants (admin)
export const addVariant = (productId, body) => authed("POST", `/products/${enc(productId)}/variants`, { body });
export const updateVariant = (productId, variantId, patch) =>
  authed("PATCH", `/products/${enc(productId)}/variants/${enc(variantId)}`, { body: patch });
export const adjustVariantStock = (productId, variantId, delta) =>
  authed("POST", `/products/${enc(productId)}/variants/${enc(variantId)}/stock`, { body: { delta } });
export const archiveVariant = (productId, variantId) =>
  authed("DELETE", `/products/${enc(productId)}/variants/${enc(variantId)}`);

// Promotions, shipping zones and tax rates (admin)
export const listPromotions = ({ limit, cursor, signal } = {}) =>
  authed("GET", "/admin/promotions", { query: page({ limit, cursor }), signal });
export const createPromotion = (body) => authed("POST", "/admin/promotions", { body });
export const updatePromotion = (code, patch) => authed("PATCH", `/admin/promotions/${enc(code)}`, { body: patch });
export const listZones = ({ signal } = {}) => authed("GET", "/admin/shipping/zones", { signal });
export const putZone = (zoneId, body) => authed("PUT", `/admin/shipping/zones/${enc(zoneId)}`, { body });
export const deleteZone = (zoneId) => authed("DELETE", `/admin/shipping/zones/${enc(zoneId)}`);
export const listTaxRates = ({ signal } = {}) => authed("GET", "/admin/tax/rates", { signal });
export const putTaxRate = (country, body) => authed("PUT", `/admin/tax/rates/${enc(country)}`, { body });
export const deleteTaxRate = (country) => authed("DELETE", `/admin/tax/rates/${enc(country)}`);
