"""Demo data for the local stack: a catalog with pictures, an admin and a shopper.

Products and profiles are written through the app's own services (chalicelib.services:
catalog, profiles), so they are exactly what the API would have written; Cognito users are created
confirmed with a permanent password, as an operator would with the admin API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devstack.images import product_png

if TYPE_CHECKING:
    from chalicelib.storage.models import Product


@dataclass(frozen=True)
class Account:
    """A user the local stack creates, and how to sign in as them."""

    email: str
    password: str
    name: str
    groups: tuple[str, ...] = ()
    address: dict[str, str] | None = None  # the profile's default shipping address


@dataclass(frozen=True)
class DemoProduct:
    """One catalog entry of the demo shop."""

    name: str
    category: str
    price_cents: int
    stock: int
    description: str


# The tee is created first, so it is the oldest: the catalog's first card (newest first) stays a
# product without options, whose card can add it to the cart directly.
CATALOG: tuple[DemoProduct, ...] = (
    DemoProduct("Organic Cotton Tee", "clothing", 2500, 0, "Heavyweight jersey, boxy fit."),
    DemoProduct("Stoneware Mug", "kitchen", 1250, 40, "A 350 ml mug, glazed by hand."),
    DemoProduct("Cast Iron Skillet", "kitchen", 3900, 15, "Pre-seasoned, 26 cm, for life."),
    DemoProduct("Pour-Over Coffee Set", "kitchen", 4500, 8, "Dripper, carafe and 100 filters."),
    DemoProduct("Trail Water Bottle", "outdoors", 1800, 60, "750 ml, insulated, leak-proof."),
    DemoProduct("Packable Rain Jacket", "outdoors", 8900, 12, "Folds into its own pocket."),
    DemoProduct("Camp Lantern", "outdoors", 2900, 3, "USB-C rechargeable, 300 lumens."),
    DemoProduct("Dot Grid Notebook", "stationery", 1400, 80, "A5, 160 pages of 100 gsm paper."),
    DemoProduct("Brass Fountain Pen", "stationery", 5600, 5, "A fine steel nib in a brass body."),
    DemoProduct("Desk Planner", "stationery", 2200, 25, "Undated weekly pages for a year."),
    DemoProduct("Wireless Earbuds", "audio", 7900, 20, "Eight hours per charge, IPX4."),
    DemoProduct("Bookshelf Speaker", "audio", 14900, 2, "A pair of passive two-way speakers."),
    DemoProduct("Vinyl Cleaning Kit", "audio", 2400, 30, "Brush, fluid and a microfibre cloth."),
)

# The tee sells in sizes and colours: (Size, Colour, price, stock) per variant.
TEE_VARIANTS: tuple[tuple[str, str, int, int], ...] = (
    ("S", "Black", 2500, 6),
    ("M", "Black", 2500, 10),
    ("L", "Black", 2500, 4),
    ("M", "Sand", 2700, 7),
    ("L", "Sand", 2700, 0),
)


# The demo shopper's default address, so that checkout starts filled in.
DEMO_ADDRESS = {
    "line1": "48 Harbor Street",
    "city": "Portland",
    "postalCode": "04101",
    "country": "US",
}


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


def seed_catalog(s3: Any, bucket: str, images_base_url: str) -> list[dict[str, Any]]:
    """Upload a picture per demo product and create the products; answer them as the API would."""
    from chalicelib.services.catalog import create_product  # reads the settings: import late
    from chalicelib.web import render

    categories = sorted({product.category for product in CATALOG})
    created = []
    for index, product in enumerate(CATALOG):
        key = f"products/demo/{_slug(product.name)}.png"
        hue = categories.index(product.category) / len(categories)
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=product_png(hue + index * 0.02, index),
            ContentType="image/png",
            CacheControl="public, max-age=3600",
        )
        data = {
            "name": product.name,
            "description": product.description,
            "priceCents": product.price_cents,
            "currency": "USD",
            "category": product.category,
            "stock": product.stock,
            "imageUrl": f"{images_base_url.rstrip('/')}/{key}",
        }
        item = create_product(data)
        if item.name == "Organic Cotton Tee":
            item = _with_variants(item)
        created.append(render.product(item, with_variants=True))
    return created


def _with_variants(product: Product) -> Product:
    """Give the demo tee its Size and Colour variants, through the admin's own use case."""
    from chalicelib.services import catalog, variants

    for size, colour, price, stock in TEE_VARIANTS:
        variants.add_variant(
            product.product_id,
            {
                "sku": f"TEE-{colour[:3].upper()}-{size}",
                "options": {"Size": size, "Colour": colour},
                "priceCents": price,
                "stock": stock,
            },
        )
    return catalog.get_product(product.product_id)


def create_account(idp: Any, pool_id: str, account: Account) -> str:
    """Create a confirmed Cognito user with its groups and profile; answer its id (the `sub`)."""
    from chalicelib.domain.identity import Caller
    from chalicelib.services.profiles import create_profile, update_profile

    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=account.email,
        UserAttributes=[
            {"Name": "email", "Value": account.email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": account.name},
        ],
        MessageAction="SUPPRESS",
    )["User"]
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=account.email, Password=account.password, Permanent=True
    )
    for group in account.groups:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=account.email, GroupName=group)
    user_id = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    create_profile(user_id, account.email, account.name, verified=True)
    if account.address:
        caller = Caller(str(user_id), account.email, is_admin="admin" in account.groups)
        update_profile(caller, {"address": account.address})
    return str(user_id)


# Shipping: every country is served, and its cheapest method is free, so a client that knows
# nothing of shipping sees the totals it saw before; express costs extra. No US tax rate (round
# one's totals stay), VAT inside GB prices (inclusive), Canada's GST on top (exclusive).
DEMO_ZONES: dict[str, dict[str, Any]] = {
    "domestic": {
        "name": "United States",
        "countries": ["US"],
        "methods": [
            {"methodId": "standard", "name": "Standard (5-7 days)", "rateCents": 0,
             "currency": "USD"},
            {"methodId": "express", "name": "Express (1-2 days)", "rateCents": 1500,
             "currency": "USD"},
        ],
    },
    "europe": {
        "name": "Europe",
        "countries": ["GB", "IE", "FR", "DE", "NL", "ES", "IT"],
        "methods": [
            {"methodId": "standard", "name": "Standard (7-10 days)", "rateCents": 0,
             "currency": "USD"},
            {"methodId": "express", "name": "Express (2-3 days)", "rateCents": 2500,
             "currency": "USD", "freeOverCents": 30000},
        ],
    },
    "world": {
        "name": "Rest of the world",
        "countries": ["*"],
        "methods": [
            {"methodId": "standard", "name": "Standard (10-20 days)", "rateCents": 0,
             "currency": "USD"},
            {"methodId": "express", "name": "Express (3-5 days)", "rateCents": 3500,
             "currency": "USD"},
        ],
    },
}  # fmt: skip
DEMO_TAX_RATES: dict[str, tuple[int, bool]] = {"GB": (2000, True), "CA": (500, False)}
DEMO_PROMOTIONS: tuple[dict[str, Any], ...] = (
    {"code": "WELCOME10", "kind": "percent", "percentOff": 10},
    {"code": "SAVE5", "kind": "fixed", "amountOffCents": 500, "currency": "USD",
     "minSubtotalCents": 2000},
    {"code": "FIRSTORDER", "kind": "percent", "percentOff": 15, "oncePerCustomer": True},
    {"code": "LIMITED20", "kind": "percent", "percentOff": 20, "maxRedemptions": 100},
)  # fmt: skip


def seed_pricing() -> None:
    """Shipping zones, tax rates and promotion codes, written through the app's services."""
    from chalicelib.services import promotions, shop_config

    for zone_id, zone in DEMO_ZONES.items():
        shop_config.put_zone(zone_id, zone)
    for country, (points, inclusive) in DEMO_TAX_RATES.items():
        shop_config.put_rate(country, points, inclusive)
    for promotion in DEMO_PROMOTIONS:
        promotions.create(promotion)
