// The contract's numeric limits the storefront checks before it asks the API. They mirror
// chalicelib/domain/limits.py; tests/unit/test_storefront_limits.py fails when the two differ.

export const MAX_QUANTITY = 99; // per cart or order line
export const MAX_STOCK = 1000000; // a product's stock, and one adjustment either way
export const MAX_PRICE_CENTS = 100000000; // a product's price, in minor units
