"""The words search compares: folded for case and accents, singular, and one typo apart.

Kept apart from the index (`search.py`) because these are the contract's rules for what counts as
the same word, testable one by one; the index only decides where to look them up.
"""

from __future__ import annotations

import re
import unicodedata

TYPO_MIN_LETTERS = 5  # the contract: a word of 5+ letters may carry one typo

_WORD = re.compile(r"[^\W_]+")
# Letters NFKD does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}
)


def words(text: str) -> list[str]:
    """The words of a text, lower-cased and without accents: "Crème Brûlée" -> creme, brulee."""
    text = text.casefold().replace("'", "").replace("\u2019", "")
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(text)


def stem(word: str) -> str:
    """A light English singular: batteries -> battery, boxes -> box, knives -> knife."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ives"):
        return word[:-3] + "fe"
    if word.endswith("lves"):
        return word[:-3] + "f"
    if word.endswith(("xes", "ches", "shes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def one_edit_apart(a: str, b: str) -> bool:
    """Whether two words differ by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return swapped or a[i + 1 :] == b[i + 1 :]


def forms(word: str) -> set[str]:
    """A word and its stem: a typo is one edit from either ("botles" finds bottle)."""
    return {word, stem(word)}


def deletions(word: str) -> set[str]:
    """The word with each one of its letters left out."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
