"""The domain's own errors. They carry no HTTP: app.py maps them to statuses in one place."""

from __future__ import annotations


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
    """The request conflicts with the current state."""


class OutOfStock(Conflict):
    """One or more products do not have the quantity asked for."""

    def __init__(self, product_ids: list[str]):
        self.product_ids = sorted(product_ids)
        super().__init__("Not enough stock for: " + ", ".join(self.product_ids))


class InvalidTransition(Conflict):
    """The order's status does not allow this move."""

    def __init__(self, current: str, target: str):
        self.current = current
        self.target = target
        super().__init__(f"An order in {current} cannot move to {target}")


class AlreadyExists(Conflict):
    """The resource already exists (for example a registered email)."""


class IdempotencyInFlight(Conflict):
    """A request with this Idempotency-Key is still being processed."""


class IdempotencyMismatch(ShopError):
    """An Idempotency-Key was reused with a different request body."""


class Throttled(ShopError):
    """The caller sends too many requests."""


class Unavailable(ShopError):
    """A dependency is throttling or down; the request is safe to retry."""


class TransientFailure(ShopError):
    """A step failed in a way that a retry may fix (the message must be redelivered)."""
