"""The saga model's catalog (tests/saga_model.py): products, their variants and the stock each
variant should hold, changed only through the admin API as a shop's staff would change them.

Each run starts with a plain product (its own single variant) and a T-shirt whose sizes are
variants with their own stock. An admin may add a size to either (the first one turns the plain
product into a product with options and takes its own variant off sale, decision in API.md
"Variants"), archive a size, or add and remove stock. The model predicts the answers it can know
(a line on a variant that is not for sale is a 400; stock of an archived variant cannot change)
and keeps, per variant, the initial stock plus the admin deltas that were accepted: the left side
of "stock is conserved".
"""

from __future__ import annotations

from typing import Any

from chalicelib.storage.models import Product
from tests.saga_seam import batch_get

SIZES = ("S", "M", "L", "XL")


class Catalog:
    """What the model knows of the catalog, and the admin's acts on it through the API."""

    def __init__(self, api: Any, admin: Any) -> None:
        self.api = api
        self.admin = admin
        self.products: list[str] = []
        self.expected: dict[str, int] = {}  # variant id -> initial stock plus accepted deltas
        # Archived variants, and the own variants of products with options.
        self.off_sale: set[str] = set()
        self.sizes: dict[str, dict[str, str]] = {}  # product id -> size -> variant id
        self.skus = 0

    def stock_up(self) -> None:
        """A plain mug with 6 in stock, and a T-shirt in S (4) and M (5)."""
        mug = self._create("Model mug", stock=6)
        self.expected[mug] = 6
        tee = self._create("Model tee", stock=0)
        self.expected[tee] = 0
        for size, stock in (("S", 4), ("M", 5)):
            assert self.add_variant(tee, size, stock) == 201

    def _create(self, name: str, stock: int) -> str:
        answer = self.api.post(
            "/products",
            {"name": name, "priceCents": 700, "category": "model", "stock": stock},
            user=self.admin,
        )
        assert answer.status == 201, answer.json
        pid = str(answer.json["productId"])
        self.products.append(pid)
        self.sizes[pid] = {}
        return pid

    @property
    def variants(self) -> list[str]:
        """Every variant the run has seen, on sale or not, in a stable order."""
        return list(self.expected)

    @property
    def on_sale(self) -> list[str]:
        """The variants a shopper can buy."""
        return [v for v in self.expected if v not in self.off_sale]

    def line(self, variant_id: str, quantity: int, by_product_id: bool) -> dict[str, Any]:
        """An order line; a product's own variant may be named by its product id, as before
        variants."""
        key = "productId" if by_product_id and variant_id in self.products else "variantId"
        return {key: variant_id, "quantity": quantity}

    def add_variant(self, product_id: str, size: str, stock: int) -> int:
        """An admin adds a size: 201, or 409 if the product has that size already."""
        self.skus += 1
        answer = self.api.post(
            f"/products/{product_id}/variants",
            {
                "sku": f"MODEL-{self.skus}-{product_id[-8:]}",
                "options": {"Size": size},
                "priceCents": 700 + 100 * SIZES.index(size),
                "stock": stock,
            },
            user=self.admin,
        )
        taken = self.sizes[product_id].get(size)
        if taken is not None and taken not in self.off_sale:
            assert answer.status == 409, (product_id, size, answer.json)
        elif taken is None:
            assert answer.status == 201, (product_id, size, answer.json)
        else:  # an archived variant's combination: the contract leaves it open
            assert answer.status in (201, 409), answer.json
        if answer.status == 201:
            vid = str(answer.json["variantId"])
            self.expected[vid] = stock
            self.sizes[product_id][size] = vid
            self.off_sale.add(product_id)  # a product with options is no longer sold bare
        return int(answer.status)

    def archive(self, variant_id: str) -> None:
        """An admin archives a size: 204, or 404 if it is archived already."""
        product_id = self.product_of(variant_id)
        answer = self.api.delete(f"/products/{product_id}/variants/{variant_id}", user=self.admin)
        if variant_id in self.off_sale:
            assert answer.status == 404, (variant_id, answer.json)
        else:
            assert answer.status == 204, (variant_id, answer.json)
            self.off_sale.add(variant_id)

    def adjust(self, variant_id: str, delta: int) -> None:
        """An admin adds or removes stock: 200, or 409 below zero; never a change off sale."""
        product_id = self.product_of(variant_id)
        if variant_id == product_id:
            answer = self.api.post(
                f"/products/{product_id}/stock", {"delta": delta}, user=self.admin
            )
        else:
            answer = self.api.post(
                f"/products/{product_id}/variants/{variant_id}/stock",
                {"delta": delta},
                user=self.admin,
            )
        expected = (404, 409) if variant_id in self.off_sale else (200, 409)
        assert answer.status in expected, (variant_id, delta, answer.json)
        if answer.status == 200:
            self.expected[variant_id] += delta

    def product_of(self, variant_id: str) -> str:
        """The product a variant belongs to."""
        return next(p for p in self.products if variant_id == p or variant_id.startswith(p + "."))

    def stock_projection(self) -> tuple[str, dict[str, str]]:
        """The ProjectionExpression (and its names) that reads only the stock of every variant:
        a product's own in `stock`, the others at `variants.<id>.stock`."""
        names = {f"#v{n}": vid for n, vid in enumerate(self.expected) if vid not in self.products}
        paths = [f"variants.{name}.stock" for name in names]
        return ", ".join(["productId", "stock", *paths]), names

    def read_on_hand(self) -> dict[str, int]:
        """Every variant's stock on hand, read in one consistent BatchGetItem of the products."""
        stock, names = self.stock_projection()
        keys = [{"productId": {"S": pid}} for pid in self.products]
        stored = {p.product_id: p for p in batch_get({Product: (keys, stock, names)})[Product]}
        found = {}
        for vid in self.expected:
            product = stored[self.product_of(vid)]
            if vid == product.product_id:
                found[vid] = int(product.stock)
            else:
                found[vid] = int(product.variants.as_dict()[vid]["stock"])
        return found
