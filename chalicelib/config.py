"""Settings read from the environment, in one place.

Every stage sets these through `.chalice/config.json` (local) or the deploy (dev, prod); tests set
them in `tests/conftest.py`. Names of AWS resources follow `shop-<stage>-<name>` so that a stage's
defaults are usable without any variable at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    """The running stage's configuration."""

    stage: str
    region: str
    auth_mode: str
    user_pool_id: str
    user_pool_client_id: str
    jwks_url: str
    auto_confirm: bool
    cursor_secret: bytes
    products_table: str
    users_table: str
    carts_table: str
    orders_table: str
    idempotency_table: str
    ledger_table: str
    notifications_table: str
    reports_table: str
    pricing_table: str
    events_topic_arn: str
    images_bucket: str
    images_base_url: str
    cors_origin: str
    payment_provider: str
    carrier: str
    mailer: str
    mail_sender: str
    payment_timeout_seconds: int
    sweep_interval_seconds: int
    stripe_secret_id: str
    stripe_api_base: str
    search_bucket: str  # the search index's snapshot (docs/decisions/0101-search-engine.md)
    search_key: str
    search_refresh_seconds: float  # how long a container trusts its copy of the index
    returns_table: str = ""
    returns_state_machine_arn: str = ""
    return_approval_seconds: int = 7 * 24 * 3600
    return_parcel_seconds: int = 30 * 24 * 3600
    return_refund_retry_seconds: int = 2

    @property
    def issuer(self) -> str:
        """The `iss` claim Cognito puts in this pool's tokens."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    def queue_name(self, name: str) -> str:
        """The SQS queue name of one of the shop's consumers in this stage."""
        return f"shop-{self.stage}-{name}"


def stage() -> str:
    """The Chalice stage this code runs as (read at import time by app.py)."""
    return _env("SHOP_STAGE", "local")


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings of this process, read once per container."""
    st = stage()
    prefix = f"shop-{st}"
    region = _env("AWS_DEFAULT_REGION", _env("AWS_REGION", "us-east-1"))
    pool_id = _env("USER_POOL_ID")
    return Settings(
        stage=st,
        region=region,
        auth_mode=_env("AUTH_MODE", "cognito"),
        user_pool_id=pool_id,
        user_pool_client_id=_env("USER_POOL_CLIENT_ID"),
        jwks_url=_env(
            "JWKS_URL",
            f"https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/jwks.json",
        ),
        auto_confirm=_env("AUTO_CONFIRM", "false").lower() == "true",
        cursor_secret=_env("CURSOR_SECRET", "").encode(),
        products_table=_env("PRODUCTS_TABLE", f"{prefix}-products"),
        users_table=_env("USERS_TABLE", f"{prefix}-users"),
        carts_table=_env("CARTS_TABLE", f"{prefix}-carts"),
        orders_table=_env("ORDERS_TABLE", f"{prefix}-orders"),
        idempotency_table=_env("IDEMPOTENCY_TABLE", f"{prefix}-idempotency"),
        ledger_table=_env("LEDGER_TABLE", f"{prefix}-ledger"),
        notifications_table=_env("NOTIFICATIONS_TABLE", f"{prefix}-notifications"),
        reports_table=_env("REPORTS_TABLE", f"{prefix}-reports"),
        pricing_table=_env("PRICING_TABLE", f"{prefix}-pricing"),
        events_topic_arn=_env("EVENTS_TOPIC_ARN"),
        images_bucket=_env("IMAGES_BUCKET", f"{prefix}-images"),
        images_base_url=_env("IMAGES_BASE_URL"),
        cors_origin=_env("CORS_ORIGIN", "http://127.0.0.1:8080"),
        payment_provider=_env("PAYMENT_PROVIDER", "simulated"),
        carrier=_env("CARRIER", "simulated"),
        mailer=_env("MAILER", "recording"),
        mail_sender=_env("MAIL_SENDER", "shop@example.com"),
        # A PENDING order not paid within this is failed (reason timeout) and its stock released.
        payment_timeout_seconds=int(_env("PAYMENT_TIMEOUT_SECONDS", "900")),
        # How often the sweep runs on the local stack (deployed: EventBridge, once a minute).
        sweep_interval_seconds=int(_env("SWEEP_INTERVAL_SECONDS", "60")),
        # PAYMENT_PROVIDER=stripe: the Secrets Manager secret with the keys, and (tests, local
        # stack) the address of a stand-in instead of api.stripe.com.
        stripe_secret_id=_env("STRIPE_SECRET_ID", f"{prefix}-stripe"),
        stripe_api_base=_env("STRIPE_API_BASE"),
        search_bucket=_env("SEARCH_BUCKET", f"{prefix}-search"),
        search_key=_env("SEARCH_KEY", "products.index"),
        search_refresh_seconds=float(_env("SEARCH_REFRESH_SECONDS", "1")),
        returns_table=_env("RETURNS_TABLE", f"{prefix}-returns"),
        returns_state_machine_arn=_env("RETURNS_STATE_MACHINE_ARN"),
        # The returns workflow's windows: no decision, or no parcel, within them ends the return.
        return_approval_seconds=int(_env("RETURN_APPROVAL_SECONDS", str(7 * 24 * 3600))),
        return_parcel_seconds=int(_env("RETURN_PARCEL_SECONDS", str(30 * 24 * 3600))),
        # The first wait before retrying a refund that failed transiently (then doubled).
        return_refund_retry_seconds=int(_env("RETURN_REFUND_RETRY_SECONDS", "2")),
    )
