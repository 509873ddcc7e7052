"""The contract's numeric limits, in one place: schemas, OpenAPI and the rules read them."""

from __future__ import annotations

MAX_STOCK = 1_000_000  # a product's stock never goes above this, by a create or by deltas
MAX_STOCK_DELTA = MAX_STOCK  # one stock adjustment moves at most this many units either way
MIN_QUANTITY = 1  # per line of a cart or an order
MAX_QUANTITY = 99
MAX_LINES = 50  # distinct products in one cart or order
MAX_PRICE_CENTS = 100_000_000  # a product's price, in minor units
MAX_OPTIONS = 3  # option names (Size, Colour...) a product's variants share
MAX_OPTION_VALUES = 20  # values of one option across a product's variants
MAX_VARIANTS = 100  # variants of one product, archived ones included
MAX_SKU_CHARS = 64
MAX_KEY_BYTES = 2048  # DynamoDB's limit on a partition key: a longer path id cannot exist
