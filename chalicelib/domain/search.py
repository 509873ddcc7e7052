"""Product search in memory: an inverted index over the active products, and the contract's rules.

Why in memory (docs/decisions/0101-search-engine.md): a catalog of tens of thousands of products
indexes into a few megabytes, which a Lambda loads from one S3 object and queries in milliseconds,
locally as deployed, with nothing running at rest. Only the standard library is used, so the
search path adds no package to the Lambda and almost nothing to its cold start.

Matching (GET /products?q=): every word of the query must match a word of the product's name,
description, category or SKUs, compared case- and accent-insensitively (NFKD, marks dropped). A
query word matches a product word that it equals, that it is a prefix of, that has the same light
English stem (plurals), or, for query words of 5+ letters, that is one edit away (insertion,
deletion, substitution or swap of two neighbours). Typos are found through a deletion neighbourhood
(each indexed word and its one-letter deletions, SymSpell's trick), then confirmed exactly. What
counts as the same word is `search_words.py`'s; this module decides where to look words up.

Ranking: each query word scores its best match in a product, field weight times match quality; the
weights keep any name match above every description-only match. Ties break by newest, then by id,
so every order is total and pages never overlap.
"""

from __future__ import annotations

import heapq
import json
import zlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from chalicelib.domain.search_words import (
    TYPO_MIN_LETTERS,
    deletions,
    forms,
    one_edit_apart,
    stem,
    words,
)

Sort = Literal["relevance", "newest", "price_asc", "price_desc"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "price_asc", "price_desc")
FORMAT = 1  # the serialized snapshot's version; loads() refuses another
MAX_QUERY_CHARS = 100

# Fields, as bits of a posting; a posting is `doc << 4 | fields`.
NAME, CATEGORY, SKU, DESCRIPTION = 1, 2, 4, 8
_FIELD_WEIGHTS = {NAME: 8.0, CATEGORY: 3.0, SKU: 2.0, DESCRIPTION: 1.0}
# The best field weight of every combination of field bits.
_BEST_WEIGHT = [
    max((w for f, w in _FIELD_WEIGHTS.items() if mask & f), default=0.0) for mask in range(16)
]
# Match qualities: a name typo (8 x 0.5) still outranks an exact description match (1 x 1).
EXACT, STEM, PREFIX, TYPO = 1.0, 0.9, 0.7, 0.5
_SHORT_NAME_BONUS = 0.5  # a name made mostly of the query's words ranks first among equals


class InvalidQuery(ValueError):
    """A query the contract answers with a 400; the message says why."""


class ProductDoc(NamedTuple):
    """What search knows of a product: the text it matches, the values it filters and sorts by."""

    product_id: str
    name: str
    description: str
    category: str
    skus: tuple[str, ...]
    price_cents: int
    currency: str
    created_at: str
    active: bool = True


@dataclass(frozen=True)
class Query:
    """One search as GET /products takes it; `offset` is what the caller's signed cursor holds."""

    text: str | None = None
    category: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    currency: str = "USD"
    sort: Sort | None = None
    offset: int = 0
    limit: int = 20

    def __post_init__(self) -> None:
        if self.text is not None and not 1 <= len(self.text) <= MAX_QUERY_CHARS:
            raise InvalidQuery(f"q must be 1-{MAX_QUERY_CHARS} characters")
        if self.sort is not None and self.sort not in SORTS:
            raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}")
        if self.sort == "relevance" and self.text is None:
            raise InvalidQuery("sort=relevance needs q")
        low, high = self.min_price_cents, self.max_price_cents
        if (low is not None and low < 0) or (high is not None and high < 0):
            raise InvalidQuery("price filters must be at least 0")
        if low is not None and high is not None and low > high:
            raise InvalidQuery("minPriceCents must not be above maxPriceCents")
        if self.offset < 0 or self.limit < 1:
            raise InvalidQuery("bad page")

    @property
    def order(self) -> Sort:
        """The sort in effect: relevance with words, newest without, unless one was asked for."""
        return self.sort or ("relevance" if self.text is not None else "newest")

    @property
    def in_currency(self) -> bool:
        """Whether only products in `currency` can match: with a price filter or a price sort."""
        priced = self.min_price_cents is not None or self.max_price_cents is not None
        return priced or self.order in ("price_asc", "price_desc")


class Results(NamedTuple):
    """One page of matches, how many matched in all, and the category facet over every match."""

    product_ids: list[str]
    total: int
    categories: list[tuple[str, int]]  # (category, matches), most matches first
    next_offset: int | None

    def facets(self) -> dict[str, list[dict[str, Any]]]:
        """The facets in the contract's shape: {"category": [{value, count}]}."""
        return {"category": [{"value": value, "count": n} for value, n in self.categories]}


class SearchIndex:
    """The active products and the maps that answer queries over them; made by `build()`."""

    def __init__(
        self,
        docs: list[ProductDoc],
        postings: dict[str, list[int]],
        name_lengths: list[int],
    ) -> None:
        self.docs = docs
        self.postings = postings
        self.name_lengths = name_lengths
        self.vocabulary = sorted(postings)
        self.stems, self.neighbours = _variants(self.vocabulary)
        self.newest_rank = _newest_ranks(docs)

    def __len__(self) -> int:
        return len(self.docs)

    def search(self, query: Query) -> Results:
        """The page of product ids the query asks for, the number of matches and their facets."""
        scores = self._scores(query.text)
        matches = (
            [d for d in scores if self._priced(d, query)]
            if scores is not None
            else [d for d in range(len(self.docs)) if self._priced(d, query)]
        )
        facets = Counter(self.docs[d].category for d in matches)
        if query.category is not None:
            matches = [d for d in matches if self.docs[d].category == query.category]
        end = query.offset + query.limit
        page = heapq.nsmallest(end, matches, key=self._sort_key(query.order, scores or {}))
        return Results(
            product_ids=[self.docs[d].product_id for d in page[query.offset :]],
            total=len(matches),
            categories=sorted(facets.items(), key=lambda facet: (-facet[1], facet[0])),
            next_offset=end if end < len(matches) else None,
        )

    def _priced(self, doc: int, query: Query) -> bool:
        product = self.docs[doc]
        if query.in_currency and product.currency != query.currency:
            return False
        low, high = query.min_price_cents, query.max_price_cents
        return (low is None or product.price_cents >= low) and (
            high is None or product.price_cents <= high
        )

    def _sort_key(self, order: Sort, scores: Mapping[int, float]) -> Any:
        newest, docs = self.newest_rank, self.docs
        if order == "relevance":
            return lambda d: (-scores[d], newest[d])
        if order == "price_asc":
            return lambda d: (docs[d].price_cents, newest[d])
        if order == "price_desc":
            return lambda d: (-docs[d].price_cents, newest[d])
        return newest.__getitem__

    def _scores(self, text: str | None) -> dict[int, float] | None:
        """Each matching product's score, or None when there are no words to match."""
        if text is None:
            return None
        query_words = words(text)
        if not query_words:
            return {}
        per_word = sorted((self._word_scores(w) for w in dict.fromkeys(query_words)), key=len)
        scores = dict(per_word[0])
        for other in per_word[1:]:
            scores = {d: s + other[d] for d, s in scores.items() if d in other}
            if not scores:
                return scores
        return scores

    def _word_scores(self, word: str) -> dict[int, float]:
        """The products one query word matches, each with its best field weight x match quality."""
        best: dict[int, float] = {}
        for term, quality in self._terms(word).items():
            for posting in self.postings[term]:
                doc, fields = posting >> 4, posting & 15
                score = _BEST_WEIGHT[fields] * quality
                if fields & NAME:
                    score += _SHORT_NAME_BONUS / self.name_lengths[doc]
                if score > best.get(doc, 0.0):
                    best[doc] = score
        return best

    def _terms(self, word: str) -> dict[str, float]:
        """The indexed words a query word matches, each with the quality of its best match."""
        found = dict.fromkeys(self._typos(word), TYPO)
        vocabulary, at = self.vocabulary, bisect_left(self.vocabulary, word)
        while at < len(vocabulary) and vocabulary[at].startswith(word):
            found[vocabulary[at]] = PREFIX
            at += 1
        for term in self.stems.get(stem(word), ()):
            found[term] = STEM
        if word in self.postings:
            found[word] = EXACT
        return found

    def _typos(self, word: str) -> set[str]:
        """Indexed words one edit from the query word or its singular, if that has 5+ letters."""
        typed = {form for form in forms(word) if len(form) >= TYPO_MIN_LETTERS}
        keys = set().union(*(deletions(form) | {form} for form in typed))
        return {
            term
            for key in keys
            for term in self.neighbours.get(key, ())
            if any(one_edit_apart(a, b) for a in typed for b in forms(term))
        }


def _words_of(doc: ProductDoc) -> tuple[dict[str, int], int]:
    """Each word of a product with the bits of the fields it is in, and its name's length."""
    fields: dict[str, int] = {}
    for bit, text in ((NAME, doc.name), (CATEGORY, doc.category), (DESCRIPTION, doc.description)):
        for word in words(text):
            fields[word] = fields.get(word, 0) | bit
    for sku in doc.skus:
        for word in words(sku):
            fields[word] = fields.get(word, 0) | SKU
    return fields, max(1, sum(1 for bits in fields.values() if bits & NAME))


def _postings(active: list[ProductDoc]) -> tuple[dict[str, list[int]], list[int]]:
    """Each word's postings (`doc << 4 | fields`, in doc order) and each name's length in words."""
    postings: dict[str, list[int]] = {}
    name_lengths = []
    for number, doc in enumerate(active):
        fields, name_length = _words_of(doc)
        for word, bits in fields.items():
            listed = postings.get(word)
            if listed is None:
                postings[word] = [number << 4 | bits]
            else:
                listed.append(number << 4 | bits)
        name_lengths.append(name_length)
    return postings, name_lengths


def _variants(vocabulary: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The words of each stem, and the words within reach of each deletion neighbour (typos)."""
    stems: dict[str, list[str]] = {}
    neighbours: dict[str, list[str]] = {}
    for term in vocabulary:
        stems.setdefault(stem(term), []).append(term)
        if len(term) >= TYPO_MIN_LETTERS - 1:
            for form in forms(term):
                for key in deletions(form) | {form}:
                    listed = neighbours.setdefault(key, [])
                    if not listed or listed[-1] != term:
                        listed.append(term)
    return stems, neighbours


def _newest_ranks(active: list[ProductDoc]) -> list[int]:
    """Each product's place in newest-first order (ties by id): the tie-break of every sort."""
    # `active` is in id order and sorts are stable: equal times keep ids ascending.
    newest = sorted(range(len(active)), key=lambda d: active[d].created_at, reverse=True)
    ranks = [0] * len(active)
    for rank, number in enumerate(newest):
        ranks[number] = rank
    return ranks


def build(docs: Iterable[ProductDoc]) -> SearchIndex:
    """An index of the active products among `docs` (the last one of each id wins)."""
    by_id = {doc.product_id: doc for doc in docs}
    active = sorted((d for d in by_id.values() if d.active), key=lambda d: d.product_id)
    return SearchIndex(active, *_postings(active))


def updated(
    index: SearchIndex, changed: Iterable[ProductDoc] = (), removed: Iterable[str] = ()
) -> SearchIndex:
    """The index with some products put (an archived one drops out) and some ids removed.

    The same index `build()` would make of the resulting products, made without re-reading the
    unchanged ones: their postings are renumbered, only the changed products are tokenized.
    """
    put = {doc.product_id: doc for doc in changed}
    dropped = set(removed) | set(put)
    added = [doc for doc in put.values() if doc.active]
    kept = [doc for doc in index.docs if doc.product_id not in dropped]
    active = sorted(kept + added, key=lambda doc: doc.product_id)
    number = {doc.product_id: n for n, doc in enumerate(active)}
    renumber = [-1 if d.product_id in dropped else number[d.product_id] for d in index.docs]
    postings: dict[str, list[int]] = {}
    for term, listed in index.postings.items():
        moved = [renumber[p >> 4] << 4 | p & 15 for p in listed if renumber[p >> 4] >= 0]
        if moved:
            postings[term] = moved  # ids keep their order, so the postings stay sorted
    name_lengths = [0] * len(active)
    for old, new in enumerate(renumber):
        if new >= 0:
            name_lengths[new] = index.name_lengths[old]
    touched = set()
    for doc in added:
        fields, name_lengths[number[doc.product_id]] = _words_of(doc)
        for word, bits in fields.items():
            postings.setdefault(word, []).append(number[doc.product_id] << 4 | bits)
            touched.add(word)
    for word in touched:
        postings[word].sort()
    return SearchIndex(active, postings, name_lengths)


def dumps(index: SearchIndex) -> bytes:
    """The index as a snapshot for S3: zlib-compressed JSON of the products and their postings.

    The postings are saved rather than rebuilt on load: tokenizing is most of the build's time,
    and a snapshot is loaded by every new Lambda container but written only on a change. zlib's
    fastest level: a fifth of level 6's time for 18% more bytes, and the write is on the path
    of every change to search (docs/decisions/0101-search-engine.md).
    """
    rows = [
        (
            d.product_id,
            d.name,
            d.description,
            d.category,
            d.skus,
            d.price_cents,
            d.currency,
            d.created_at,
        )
        for d in index.docs
    ]
    snapshot = {
        "format": FORMAT,
        "products": rows,
        "nameLengths": index.name_lengths,
        "postings": index.postings,
    }
    text = json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode(), 1)


def loads(data: bytes) -> SearchIndex:
    """The index a snapshot from `dumps()` holds; ValueError if it is not one."""
    try:
        snapshot = json.loads(zlib.decompress(data))
    except (zlib.error, UnicodeDecodeError) as error:
        raise ValueError(f"not a search snapshot: {error}") from None
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT:
        raise ValueError(f"not a search snapshot of format {FORMAT}")
    active = [
        ProductDoc(pid, name, description, category, tuple(skus), price, currency, created)
        for pid, name, description, category, skus, price, currency, created in snapshot["products"]
    ]
    return SearchIndex(active, snapshot["postings"], snapshot["nameLengths"])


def doc_from_product(product: Mapping[str, Any]) -> ProductDoc:
    """What search needs of a product in the contract's shape (its variants' SKUs if listed)."""
    variants = product.get("variants") or []
    return ProductDoc(
        product_id=str(product["productId"]),
        name=str(product.get("name", "")),
        description=str(product.get("description") or ""),
        category=str(product.get("category", "")),
        skus=tuple(str(v["sku"]) for v in variants if v.get("sku")),
        price_cents=int(product.get("priceCents", 0)),
        currency=str(product.get("currency", "USD")),
        created_at=str(product.get("createdAt", "")),
        active=not product.get("archived", False),
    )
