"""The domain's own errors. They carry no HTTP: web/http.py maps them to statuses in one place."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a request conflicts with the current state: the 409 body's `reason` slug.

    docs/api-extensions.md lists them for clients; a new conflict gets a new slug here.
    """

    OUT_OF_STOCK = "out_of_stock"
    IDEMPOTENCY_IN_FLIGHT = "idempotency_in_flight"
    INVALID_TRANSITION = "invalid_transition"
    CART_CHANGED = "cart_changed"
    CURRENCY_MISMATCH = "currency_mismatch"
    CONCURRENT_UPDATE = "concurrent_update"
    ALREADY_EXISTS = "already_exists"
    STOCK_LIMIT = "stock_limit"
    HAS_OPTIONS = "has_options"  # price and stock are each variant's, not the product's
    NO_OPTIONS = "no_options"  # a product without options is its own single variant
    PROMOTION_UNAVAILABLE = "promotion_unavailable"
    NOT_DELIVERED = "not_delivered"  # only a DELIVERED order can be returned
    RETURN_WINDOW_CLOSED = "return_window_closed"  # delivered over 30 days ago
    NOTHING_LEFT_TO_RETURN = "nothing_left_to_return"  # the units are delivered less claimed


class ShopError(Exception):
    """Base of every error the shop raises on purpose."""


class InvalidInput(ShopError):
    """The request is malformed or breaks a rule about its values."""


class PayloadTooLarge(ShopError):
    """The request body is over the size limit."""


class Unauthenticated(ShopError):
    """No valid credentials were presented."""


class Forbidden(ShopError):
    """The caller is known but may not do this."""


class NotFound(ShopError):
    """No such resource, or one the caller may not see."""


class Conflict(ShopError):
    """The request conflicts with the current state, for a `reason` a client can act on."""

    reason: Reason

    def __init__(self, message: str, reason: Reason):
        self.reason = reason
        super().__init__(message)


class OutOfStock(Conflict):
    """One or more products do not have the quantity asked for."""

    def __init__(self, product_ids: list[str]):
        self.product_ids = sorted(product_ids)
        super().__init__(
            "Not enough stock for: " + ", ".join(self.product_ids), Reason.OUT_OF_STOCK
        )


class InvalidTransition(Conflict):
    """The order's status does not allow this move."""

    def __init__(self, current: str, target: str):
        self.current = current
        self.target = target
        super().__init__(
            f"An order in {current} cannot move to {target}", Reason.INVALID_TRANSITION
        )


class AlreadyExists(Conflict):
    """The resource already exists (for example a registered email)."""

    def __init__(self, message: str):
        super().__init__(message, Reason.ALREADY_EXISTS)


class IdempotencyInFlight(Conflict):
    """A request with this Idempotency-Key is still being processed."""

    def __init__(self, message: str):
        super().__init__(message, Reason.IDEMPOTENCY_IN_FLIGHT)


class IdempotencyMismatch(ShopError):
    """An Idempotency-Key was reused with a different request body."""


class Throttled(ShopError):
    """The caller sends too many requests."""


class Unavailable(ShopError):
    """A dependency is throttling or down; the request is safe to retry."""


class TransientFailure(ShopError):
    """A step failed in a way that a retry may fix (the message must be redelivered)."""


class InvalidReturnMove(Conflict):
    """The return's status does not allow this move."""

    def __init__(self, current: str, target: str):
        self.current = current
        self.target = target
        super().__init__(
            f"A return in {current} cannot move to {target}", Reason.INVALID_TRANSITION
        )


class ReturnRefused(Conflict):
    """The order cannot take this return: not delivered, past its window, or beyond what is left."""

    def __init__(self, message: str, reason: Reason):
        super().__init__(message, reason)


class RefundRefused(ShopError):
    """The payment provider refuses a refund for good: retrying the same request cannot help."""
