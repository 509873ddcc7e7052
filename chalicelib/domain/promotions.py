"""Promotion codes: their normal form, their discount, and which rule stops one applying. Pure.

A code that cannot apply to this cart at all (unknown, inactive, outside its dates, another
currency, below its minimum) is the 400 kind; one that applies but cannot be redeemed now (used up,
already used by the caller) is the 409 kind, and is checked last. The counts here are as read: the
checkout's transaction is what enforces them under concurrency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Literal

from chalicelib.domain.errors import Conflict, InvalidInput, Reason

_CODE = re.compile(r"[A-Za-z0-9-]{3,32}")

PromotionKind = Literal["percent", "fixed"]


def normalize_code(raw: str) -> str:
    """A code as stored and matched (upper-cased); InvalidInput unless 3-32 of [A-Za-z0-9-]."""
    if not _CODE.fullmatch(raw):
        raise InvalidInput("code: a promotion code is 3-32 letters, digits or hyphens")
    return raw.upper()


@dataclass(frozen=True)
class Promotion:
    """A promotion code as pricing sees it; times are timezone-aware (UTC)."""

    code: str
    kind: PromotionKind
    percent_off: int | None = None
    amount_off_cents: int | None = None
    currency: str | None = None
    min_subtotal_cents: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    active: bool = True
    max_redemptions: int | None = None
    redemptions: int = 0
    once_per_customer: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("percent", "fixed"):
            raise ValueError(f"promotion {self.code}: unknown kind {self.kind!r}")
        if self.kind == "percent" and not 1 <= (self.percent_off or 0) <= 100:
            raise ValueError(f"promotion {self.code}: percentOff must be 1-100")
        if self.kind == "fixed" and (self.amount_off_cents or 0) < 0:
            raise ValueError(f"promotion {self.code}: amountOffCents must not be negative")


def discount_cents(promotion: Promotion | None, subtotal_cents: int) -> int:
    """What a promotion takes off a subtotal: percent rounded half up, fixed capped at it."""
    if promotion is None:
        return 0
    if promotion.kind == "percent":
        return (subtotal_cents * (promotion.percent_off or 0) + 50) // 100
    return min(promotion.amount_off_cents or 0, subtotal_cents)


class PromotionProblem(Enum):
    """The rule a promotion code breaks; the value is the reason the Message gives."""

    UNKNOWN = "is unknown"
    INACTIVE = "is not active"
    NOT_STARTED = "has not started yet"
    ENDED = "has ended"
    OTHER_CURRENCY = "is for orders in another currency"
    BELOW_MINIMUM = "needs a larger subtotal"
    USED_UP = "has been used up"
    ALREADY_USED = "was already used by you"

    @property
    def is_conflict(self) -> bool:
        """True for the 409 kind (used up, already used); every other problem is the 400 kind."""
        return self in (PromotionProblem.USED_UP, PromotionProblem.ALREADY_USED)


class PromotionRejected(InvalidInput):
    """A code that cannot apply: unknown, inactive, out of its dates, other currency, too small."""

    def __init__(self, message: str, problem: PromotionProblem):
        self.problem = problem
        super().__init__(message)


class PromotionUnavailable(Conflict):
    """A code that applies but cannot be redeemed now: used up, or already used by the caller."""

    def __init__(self, message: str, problem: PromotionProblem):
        self.problem = problem
        super().__init__(message, Reason.PROMOTION_UNAVAILABLE)


@dataclass(frozen=True)
class Attempt:
    """A code tried on goods in one currency at a moment, by a caller who may have used it."""

    currency: str
    subtotal_cents: int
    now: datetime
    used_by_caller: bool = False


def promotion_problem(promotion: Promotion | None, attempt: Attempt) -> PromotionProblem | None:
    """The first rule a promotion breaks for a cart or order, or None when it applies."""
    if promotion is None:
        return PromotionProblem.UNKNOWN
    if not promotion.active:
        return PromotionProblem.INACTIVE
    if promotion.starts_at is not None and attempt.now < promotion.starts_at:
        return PromotionProblem.NOT_STARTED
    if promotion.ends_at is not None and attempt.now >= promotion.ends_at:
        return PromotionProblem.ENDED
    if promotion.currency is not None and promotion.currency != attempt.currency:
        return PromotionProblem.OTHER_CURRENCY
    goods = attempt.subtotal_cents - discount_cents(promotion, attempt.subtotal_cents)
    if promotion.min_subtotal_cents is not None and goods < promotion.min_subtotal_cents:
        return PromotionProblem.BELOW_MINIMUM
    if promotion.max_redemptions is not None and promotion.redemptions >= promotion.max_redemptions:
        return PromotionProblem.USED_UP
    if promotion.once_per_customer and attempt.used_by_caller:
        return PromotionProblem.ALREADY_USED
    return None


def problem_message(code: str, problem: PromotionProblem, promotion: Promotion | None) -> str:
    """The Message (and a cart's promotionError) for a code that does not apply, naming the rule."""
    detail = ""
    if promotion is not None and problem is PromotionProblem.OTHER_CURRENCY:
        detail = f" ({promotion.currency} only)"
    if promotion is not None and problem is PromotionProblem.BELOW_MINIMUM:
        detail = f" (at least {promotion.min_subtotal_cents} cents after its discount)"
    return f"Promotion code {code.upper()} {problem.value}{detail}"


def promotion_error(
    code: str, problem: PromotionProblem, promotion: Promotion | None, *, held_by_cart: bool = False
) -> PromotionRejected | PromotionUnavailable:
    """The domain error for a problem: PromotionUnavailable (409) or PromotionRejected (400)."""
    message = problem_message(code, problem, promotion)
    # A code the cart already holds that stopped applying is a 409 at checkout whatever the rule:
    # the request is fine, the cart's state conflicts (API.md, Promotions, on GET /cart).
    if problem.is_conflict or held_by_cart:
        return PromotionUnavailable(message, problem)
    return PromotionRejected(message, problem)


def ensure_applies(
    code: str, promotion: Promotion | None, attempt: Attempt, *, held_by_cart: bool = False
) -> Promotion:
    """The promotion when it applies; otherwise raises the error naming the rule it breaks."""
    problem = promotion_problem(promotion, attempt)
    if problem is None and promotion is not None:
        return promotion
    problem = problem or PromotionProblem.UNKNOWN
    raise promotion_error(code, problem, promotion, held_by_cart=held_by_cart)
