"""The carts table's door: one item per user, holding a map of variant id to quantity."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import size

from chalicelib.domain import limits
from chalicelib.storage.models import Cart, condition_failed


def load(user_id: str) -> Cart | None:
    """The user's cart item, or None if they have none."""
    try:
        return Cart.get(user_id)
    except DoesNotExist:
        return None


def lines(cart: Cart | None) -> dict[str, int]:
    """A cart's variant ids and quantities (none for no cart)."""
    if cart is None or cart.lines is None:
        return {}
    return {pid: int(quantity) for pid, quantity in cart.lines.as_dict().items()}


def set_line(
    user_id: str, product_id: str, quantity: int, currency: str, stamp: str
) -> Cart | None:
    """Set a line of an existing cart; None if there is no cart, it is full, or in another currency.

    One cart, one currency: an order is paid in one currency (an emptied cart may switch).
    """
    room = Cart.lines[product_id].exists() | (size(Cart.lines) < limits.MAX_LINES)
    same_currency = (
        Cart.currency.does_not_exist() | (Cart.currency == currency) | (size(Cart.lines) == 0)
    )
    cart = Cart(user_id)
    try:
        cart.update(
            actions=[
                Cart.lines[product_id].set(quantity),
                Cart.currency.set(currency),
                Cart.version.add(1),
                Cart.updated_at.set(stamp),
            ],
            condition=Cart.lines.exists() & room & same_currency,
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return cart


def create(user_id: str, product_id: str, quantity: int, currency: str, stamp: str) -> Cart | None:
    """A new cart holding one line; None if the user's cart appeared meanwhile."""
    cart = Cart(
        user_id, lines={product_id: quantity}, currency=currency, version=1, updated_at=stamp
    )
    try:
        cart.save(condition=Cart.user_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return None
        raise
    return cart


def remove_line(user_id: str, product_id: str) -> Cart | None:
    """Take a line out of the user's cart; None if they have no cart."""
    cart = Cart(user_id)
    try:
        cart.update(
            actions=[Cart.lines[product_id].remove(), Cart.version.add(1)],
            condition=Cart.lines.exists(),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return None
        raise
    return cart


def delete(user_id: str) -> None:
    """Empty the user's cart (delete its item)."""
    Cart(user_id).delete()


def set_promotion(user_id: str, code: str | None, stamp: str) -> Cart:
    """Put a promotion code on the user's cart (None takes it off); a cart is made if none."""
    action = Cart.promotion_code.set(code) if code else Cart.promotion_code.remove()
    cart = Cart(user_id)
    try:
        cart.update(
            actions=[action, Cart.version.add(1), Cart.updated_at.set(stamp)],
            condition=Cart.lines.exists(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    else:
        return cart
    if code is None:
        return Cart(user_id)  # no cart, so no code to take off
    cart = Cart(user_id, lines={}, version=1, updated_at=stamp, promotion_code=code)
    try:
        cart.save(condition=Cart.user_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return set_promotion(user_id, code, stamp)  # the cart appeared meanwhile
        raise
    return cart
