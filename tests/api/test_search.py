"""Search (GET /products?q=...): the contract's matching, ranking, facets, filters, sorts and 400s,
served by the snapshot the products stream keeps (docs/decisions/0101-search-engine.md)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from harness.aws_calls import count_aws_calls
from tests.support.search_feed import SearchFeed, forget_snapshot


@pytest.fixture
def feed(api, chalice_app):
    """The products stream, delivered to the indexer when the test says; an empty index first."""
    from chalice.test import Client

    from chalicelib.config import settings

    forget_snapshot()
    with Client(chalice_app) as client:
        yield SearchFeed(client, settings().products_table)
    forget_snapshot()


@pytest.fixture
def shop(feed, product_factory):
    """Create products, then let the stream index them; answer their ids by name."""

    def create(*products):
        ids = {p["name"]: product_factory(**p)["productId"] for p in products}
        feed.sync()
        return ids

    return create


def search(api, **params):
    """GET /products with these query parameters; the answer's JSON (status 200 asserted)."""
    answer = api.get("/products?" + urlencode(params))
    assert answer.status == 200, answer.json
    return answer.json


def names(page):
    return [item["name"] for item in page["items"]]


def test_a_word_with_one_typo_finds_the_product(api, shop):
    shop({"name": "Wireless Earbuds", "category": "audio"}, {"name": "Wired Headphones"})

    assert names(search(api, q="wirless earbuds")) == ["Wireless Earbuds"]
    assert names(search(api, q="earbusd")) == ["Wireless Earbuds"]  # two neighbours swapped


def test_a_short_word_needs_no_typo_to_match_and_gets_none(api, shop):
    shop({"name": "Desk Lamp"})

    assert names(search(api, q="lamp")) == ["Desk Lamp"]
    assert names(search(api, q="lamb")) == []  # 4 letters: no typo allowed


def test_a_word_prefix_matches(api, shop):
    shop({"name": "Wireless Earbuds", "category": "audio"}, {"name": "Ear Warmers"})

    assert names(search(api, q="earb")) == ["Wireless Earbuds"]


def test_case_and_accents_do_not_matter_either_way(api, shop):
    shop({"name": "Café Crème Mug"}, {"name": "Plain Mug"})

    assert names(search(api, q="cafe creme")) == ["Café Crème Mug"]
    assert names(search(api, q="CAFÉ")) == ["Café Crème Mug"]


def test_every_word_must_match(api, shop):
    shop({"name": "Red Mug"}, {"name": "Blue Mug"})

    assert names(search(api, q="red mug")) == ["Red Mug"]
    assert names(search(api, q="red kettle")) == []


def test_description_category_and_sku_words_match(api, admin, shop):
    ids = shop(
        {"name": "Trail Runner", "description": "Breathable mesh", "category": "footwear"},
        {"name": "Tee", "category": "clothing"},
    )
    tee = ids["Tee"]
    added = api.post(
        f"/products/{tee}/variants",
        {"sku": "ZX-TEE-42", "options": {"Size": "M"}, "priceCents": 2000},
        user=admin,
    )
    assert added.status == 201, added.json
    shop()  # index the variant's change

    assert names(search(api, q="breathable")) == ["Trail Runner"]
    assert names(search(api, q="footwear")) == ["Trail Runner"]
    assert names(search(api, q="zx tee 42")) == ["Tee"]


def test_a_name_match_ranks_above_a_description_only_match(api, shop):
    # The description-only match is the newer one: relevance, not age, puts the name first.
    shop({"name": "Lamp", "description": "Warm light"})
    shop({"name": "Desk", "description": "Oak, with room for a lamp"})

    assert names(search(api, q="lamp")) == ["Lamp", "Desk"]


def test_facets_count_every_match_not_just_the_page(api, shop):
    shop(
        {"name": "Steel Mug", "category": "kitchen"},
        {"name": "Travel Mug", "category": "kitchen"},
        {"name": "Mug Tree", "category": "kitchen"},
        {"name": "Mug Rug", "category": "home"},
        {"name": "Teapot", "category": "kitchen"},
    )

    page = search(api, q="mug", limit=1)

    assert len(page["items"]) == 1
    assert page["nextCursor"] is not None
    assert page["facets"] == {
        "category": [{"value": "kitchen", "count": 3}, {"value": "home", "count": 1}]
    }


def test_a_category_filter_narrows_the_items_not_the_facets(api, shop):
    shop({"name": "Steel Mug", "category": "kitchen"}, {"name": "Mug Rug", "category": "home"})

    page = search(api, q="mug", category="home")

    assert names(page) == ["Mug Rug"]
    assert {f["value"]: f["count"] for f in page["facets"]["category"]} == {"kitchen": 1, "home": 1}


def test_search_pages_follow_the_cursor_without_overlap(api, shop):
    shop(*({"name": f"Mug {n}"} for n in range(7)))

    seen, cursor = [], None
    while True:
        params = {"q": "mug", "limit": 3} | ({"cursor": cursor} if cursor else {})
        page = search(api, **params)
        seen += names(page)
        cursor = page["nextCursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(f"Mug {n}" for n in range(7))


def test_price_filters_apply_within_the_currency(api, shop):
    shop(
        {"name": "Cheap Mug", "priceCents": 1000},
        {"name": "Dear Mug", "priceCents": 5000},
        {"name": "Euro Mug", "priceCents": 1000, "currency": "EUR"},
    )

    usd = search(api, minPriceCents=500, maxPriceCents=2000)
    eur = search(api, q="mug", maxPriceCents=2000, currency="EUR")

    assert names(usd) == ["Cheap Mug"]
    assert usd["facets"] == {"category": [{"value": "kitchen", "count": 1}]}
    assert names(eur) == ["Euro Mug"]
    assert names(search(api, minPriceCents=5000, maxPriceCents=5000)) == ["Dear Mug"]


def test_the_four_sorts(api, shop):
    shop({"name": "Mid Mug", "priceCents": 2000})
    shop({"name": "Low Mug", "priceCents": 1000, "description": "a mug"})
    shop({"name": "Top Mug", "priceCents": 3000})

    assert names(search(api, q="mid mug")) == ["Mid Mug"]
    assert names(search(api, q="mug", sort="newest")) == ["Top Mug", "Low Mug", "Mid Mug"]
    assert names(search(api, q="mug", sort="price_asc")) == ["Low Mug", "Mid Mug", "Top Mug"]
    assert names(search(api, sort="price_desc")) == ["Top Mug", "Mid Mug", "Low Mug"]
    assert names(search(api, q="mug", sort="price_desc", maxPriceCents=2500)) == [
        "Mid Mug",
        "Low Mug",
    ]


def test_relevance_is_the_default_with_q_and_newest_without(api, shop):
    shop({"name": "Mug", "description": "plain"})
    shop({"name": "Big Red Enamel Camping Mug"})

    assert names(search(api, q="mug")) == ["Mug", "Big Red Enamel Camping Mug"]
    assert names(search(api, q="mug", sort="relevance")) == ["Mug", "Big Red Enamel Camping Mug"]
    assert names(search(api, q="mug", sort="newest")) == ["Big Red Enamel Camping Mug", "Mug"]
    assert names(api.get("/products").json) == ["Big Red Enamel Camping Mug", "Mug"]


def test_an_archived_product_never_matches(api, admin, shop, feed):
    ids = shop({"name": "Wireless Earbuds"}, {"name": "Wireless Speaker"})
    assert api.delete(f"/products/{ids['Wireless Earbuds']}", user=admin).status == 204

    before_the_stream = search(api, q="wireless")  # the index still holds it: the read drops it
    feed.sync()
    after = search(api, q="wireless")

    assert names(before_the_stream) == ["Wireless Speaker"]
    assert names(after) == ["Wireless Speaker"]
    assert after["facets"]["category"] == [{"value": "kitchen", "count": 1}]


def test_a_changed_product_is_found_by_its_new_words_only(api, admin, shop, feed):
    pid = shop({"name": "Kettle"})["Kettle"]
    patched = api.patch(f"/products/{pid}", {"name": "Teapot"}, user=admin)
    assert patched.status == 200
    feed.sync()

    assert names(search(api, q="teapot")) == ["Teapot"]
    assert names(search(api, q="kettle")) == []


def test_a_stock_change_does_not_rewrite_the_index(api, admin, shop, feed):
    import boto3

    from chalicelib.config import settings

    pid = shop({"name": "Kettle"})["Kettle"]
    s = settings()
    etag = boto3.client("s3").head_object(Bucket=s.search_bucket, Key=s.search_key)["ETag"]
    assert api.post(f"/products/{pid}/stock", {"delta": 5}, user=admin).status == 200

    assert feed.sync() == 1
    assert boto3.client("s3").head_object(Bucket=s.search_bucket, Key=s.search_key)["ETag"] == etag


def test_a_search_reads_the_index_once_and_the_page_in_one_batch(api, shop):
    shop(*({"name": f"Mug {n}"} for n in range(5)))

    with count_aws_calls() as calls:
        search(api, q="mug")

    assert calls.service("dynamodb") == {"BatchGetItem": 1}
    assert calls.service("s3") == {"GetObject": 1}


def test_the_plain_list_stays_one_query_and_never_reads_the_index(api, shop):
    shop({"name": "Mug"}, {"name": "Kettle", "category": "tea"})

    with count_aws_calls() as calls:
        plain = api.get("/products?category=tea&sort=newest&currency=EUR").json

    assert names(plain) == ["Kettle"]
    assert "facets" not in plain
    assert calls.service("dynamodb") == {"Query": 1}
    assert calls.service("s3") == {}


def test_a_price_sort_alone_has_no_facets(api, shop):
    shop({"name": "Mug", "priceCents": 100}, {"name": "Kettle", "priceCents": 50})

    page = search(api, sort="price_asc")

    assert names(page) == ["Kettle", "Mug"]
    assert "facets" not in page


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "relevance"},
        {"sort": "relevance", "category": "kitchen"},
        {"q": "mug", "minPriceCents": 2000, "maxPriceCents": 1000},
        {"q": "mug", "sort": "cheapest"},
        {"q": ""},
        {"q": "m" * 101},
        {"q": "mug", "minPriceCents": -1},
        {"q": "mug", "maxPriceCents": "ten"},
        {"q": "mug", "minPriceCents": 100_000_001},
        {"q": "mug", "currency": "usd"},
        {"q": "mug", "cursor": "garbage"},
    ],
)
def test_bad_search_parameters_are_a_400(api, feed, params):
    answer = api.get("/products?" + urlencode(params))

    assert answer.status == 400, answer.json
    assert answer.json["Code"] == "BadRequestError"


def test_a_cursor_of_one_search_is_refused_by_another(api, shop):
    shop(*({"name": f"Mug {n}"} for n in range(3)))
    cursor = search(api, q="mug", limit=1)["nextCursor"]
    plain_cursor = api.get("/products?limit=1").json["nextCursor"]

    assert (
        api.get("/products?" + urlencode({"q": "mugs", "limit": 1, "cursor": cursor})).status == 400
    )
    assert api.get("/products?" + urlencode({"q": "mug", "cursor": plain_cursor})).status == 400
    assert api.get("/products?" + urlencode({"limit": 1, "cursor": cursor})).status == 400


def test_two_writers_of_the_snapshot_never_lose_each_others_changes(api, shop, monkeypatch):
    """The second writer's If-Match fails (412) and it applies its change to the first's."""
    from chalicelib.adapters import aws, search_snapshot
    from chalicelib.domain.search import ProductDoc, Query

    shop({"name": "Kettle"})  # a snapshot exists: both writers read it with its ETag
    s3 = aws.client("s3")
    put = s3.put_object
    raced: list[str | None] = []

    def doc(pid, name):
        return ProductDoc(pid, name, "", "kitchen", (), 100, "USD", f"2026-01-01T00:00:0{pid[-1]}")

    def racing_put(**kwargs):
        if not raced:  # between this writer's read and write, another writer gets in
            raced.append(kwargs.get("IfMatch"))
            search_snapshot.apply([doc("prd_1", "Teapot")], [], list)
        return put(**kwargs)

    monkeypatch.setattr(s3, "put_object", racing_put)
    search_snapshot.apply([doc("prd_2", "Toaster")], [], list)
    monkeypatch.setattr(s3, "put_object", put)
    search_snapshot.forget()

    index = search_snapshot.current()
    assert len(raced) == 1
    assert raced[0] is not None  # the first write was conditional on the version it read
    assert index.search(Query("teapot")).product_ids == ["prd_1"]
    assert index.search(Query("toaster")).product_ids == ["prd_2"]
    assert index.search(Query("kettle")).total == 1
