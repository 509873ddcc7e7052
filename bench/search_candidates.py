"""The search engines weighed in docs/decisions/0101-search-engine.md, on one catalog and query set.

Not a `make bench` section: the libraries compared are not the shop's dependencies. To re-run it,
in a scratch virtualenv beside the project's:

    python3.11 -m venv /tmp/candidates
    /tmp/candidates/bin/pip install tantivy==0.27.0 whoosh-reloaded==2.7.5 rapidfuzz==3.14.6
    PYTHONPATH=. /tmp/candidates/bin/python -m bench.search_candidates 10000

Each engine indexes the active products of `search_catalog.catalog(n)` (text folded by our own
`words()`, as none of them folds accents the same way) and answers the judged queries with its own
fuzziness, prefix and boosts as close to the contract's rules as its API allows. An engine that
is not installed is reported as such; sqlite3's FTS5 is in the standard library.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import search_catalog
from chalicelib.domain.search import ProductDoc, Query, build
from chalicelib.domain.search_words import words

Search = Callable[[str], list[str]]
FIELDS = ("name", "description", "category", "skus")


def _text(doc: ProductDoc) -> dict[str, str]:
    skus = [w for sku in doc.skus for w in words(sku)]
    return {
        "name": " ".join(words(doc.name)),
        "description": " ".join(words(doc.description)),
        "category": " ".join(words(doc.category)),
        "skus": " ".join(skus),
    }


def import_ms(module: str, runs: int = 5) -> float:
    """Median time to import `module` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    samples = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(runs)
    ]
    return round(statistics.median(samples) * 1000, 1)


def ours(docs: list[ProductDoc]) -> Search:
    """This project's engine."""
    index = build(docs)
    return lambda text: index.search(Query(text=text, limit=3)).product_ids


def fts5(docs: list[ProductDoc]) -> Search:
    """sqlite3 FTS5: accents folded, prefixes, BM25 with field weights; no typos or plurals."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "create virtual table p using fts5(id unindexed, name, description, category, skus,"
        " tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )
    db.executemany(
        "insert into p values (?, ?, ?, ?, ?)",
        [(d.product_id, *_text(d).values()) for d in docs],
    )

    def search(text: str) -> list[str]:
        match = " AND ".join(f'"{w}"*' for w in words(text))
        sql = "select id from p where p match ? order by bm25(p, 0, 8, 1, 3, 2) limit 3"
        return [row[0] for row in db.execute(sql, (match,))] if match else []

    return search


def tantivy(docs: list[ProductDoc]) -> Search:
    """tantivy (Rust, via its Python bindings): BM25, field boosts, fuzzy terms of distance 1."""
    import tantivy as engine

    schema = engine.SchemaBuilder()
    schema.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in FIELDS:
        schema.add_text_field(name)
    index = engine.Index(schema.build())
    writer = index.writer()
    for doc in docs:
        writer.add_document(engine.Document(id=doc.product_id, **_text(doc)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    boosts = {"name": 8.0, "category": 3.0, "skus": 2.0}
    fuzzy = {name: (True, 1, True) for name in FIELDS}  # prefix, distance 1, swaps count 1

    def search(text: str) -> list[str]:
        if not words(text):
            return []
        query = index.parse_query(
            " AND ".join(words(text)), list(FIELDS), field_boosts=boosts, fuzzy_fields=fuzzy
        )
        return [searcher.doc(at)["id"][0] for _score, at in searcher.search(query, 3).hits]

    return search


def whoosh(docs: list[ProductDoc]) -> Search:
    """whoosh-reloaded (pure Python): BM25F, field boosts, fuzzy terms, prefixes."""
    from whoosh import qparser
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    schema = Schema(
        id=ID(stored=True),
        name=TEXT(field_boost=8.0),
        description=TEXT,
        category=TEXT(field_boost=3.0),
        skus=TEXT(field_boost=2.0),
    )
    index = RamStorage().create_index(schema)
    writer = index.writer()
    for doc in docs:
        writer.add_document(id=doc.product_id, **_text(doc))
    writer.commit()
    parser = qparser.MultifieldParser(list(FIELDS), schema)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    searcher = index.searcher()

    def search(text: str) -> list[str]:
        terms = [f"{w}~1" if len(w) >= 5 else f"{w}*" for w in words(text)]
        if not terms:
            return []
        return [hit["id"] for hit in searcher.search(parser.parse(" AND ".join(terms)), limit=3)]

    return search


def rapidfuzz(docs: list[ProductDoc]) -> Search:
    """rapidfuzz: a similarity score of the query against every name and category, no index."""
    from rapidfuzz import fuzz, process

    names = [f"{doc.name} {doc.category}" for doc in docs]

    def search(text: str) -> list[str]:
        found = process.extract(text, names, scorer=fuzz.WRatio, limit=3)
        return [docs[at].product_id for _name, _score, at in found]

    return search


ENGINES: dict[str, tuple[str, Callable[[list[ProductDoc]], Search]]] = {
    "ours (chalicelib.domain.search)": ("chalicelib.domain.search", ours),
    "sqlite3 FTS5": ("sqlite3", fts5),
    "tantivy 0.27.0": ("tantivy", tantivy),
    "whoosh-reloaded 2.7.5": ("whoosh.index", whoosh),
    "rapidfuzz 3.14.6": ("rapidfuzz", rapidfuzz),
}


def measure(size: int) -> dict[str, Any]:
    """Per engine: import time, build time, query p50 / p99 and the judged top-3 hit rate."""
    docs = [doc for doc in search_catalog.catalog(size) if doc.active]
    texts = [text for text, _key, _kind in search_catalog.QUERIES]
    results: dict[str, Any] = {}
    for name, (module, make) in ENGINES.items():
        try:
            started = time.perf_counter()
            search = make(docs)
        except ImportError as missing:
            results[name] = {"missing": str(missing)}
            continue
        build_ms = (time.perf_counter() - started) * 1000
        samples = []
        for _ in range(5):
            for text in texts:
                started = time.perf_counter()
                search(text)
                samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        results[name] = {
            "import_ms": import_ms(module),
            "build_ms": round(build_ms),
            "query_p50_ms": round(samples[len(samples) // 2], 2),
            "query_p99_ms": round(samples[int(len(samples) * 0.99)], 2),
            "top3": round(search_catalog.judge(search).rate, 3),
        }
        print(name, results[name], flush=True)
    return results


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), indent=2))
