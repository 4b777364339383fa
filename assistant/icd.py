"""ICD-10-CM's own words: the word index over every code's description and inclusion terms, from the
PyPI package ``simple-icd-10-cm`` (CDC/NCHS data), built once per release and kept in the user's cache.

Two uses, neither naming a code to the user that no report lists: checking that a diagnosis row offered
for a described condition describes it (``icd_unlisted``), and knowing a listed row by every name the
code set gives its code (``icd_names``: R55 "Syncope and collapse" is also "Fainting" and "Blackout").
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import warnings
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import numpy as np

from .lexicon import lexicon


@cache
def icd_module() -> ModuleType:
    # Importing parses the whole ICD-10-CM XML (~2 s), so only when a row needs it. The package reads its
    # data through importlib.resources' legacy API; its DeprecationWarnings are not ours to act on.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


@cache
def icd_release() -> tuple[str, str]:
    """(Year, release) the package bundles, from its data file: ``icd10c-tabular-April-1-2026.xml``
    → ("2026", "April 1, 2026"); the year is the XML's ``<version>``, the fiscal year of the code set."""
    # Found without importing the package: its import parses the whole code set (~2 s).
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or spec.origin is None:
        return "?", "unknown"
    for item in (Path(spec.origin).parent / "data").iterdir():
        if m := re.fullmatch(r"icd10c?m?-tabular-([A-Za-z]+)-(?:(\d{1,2})-)?(\d{4})\.xml", item.name):
            with item.open("rb") as fh:
                head = fh.read(512).decode("utf-8", "replace")
            year = v.group(1) if (v := re.search(r"<version>(\d{4})</version>", head)) else m.group(3)
            return year, f"{m.group(1)} {m.group(2)}, {m.group(3)}" if m.group(2) else f"{m.group(1)} {m.group(3)}"
    return "?", "unknown"


# What ICD-10-CM itself says a condition is called: every code's description and inclusion terms, as
# lexical tokens (``vocab.tokenize``), each token with the codes whose text holds it. Answering a described
# condition with a row is checked against it (``icd_unlisted``); it names no code to the user.
ICD_WORDS_FORMAT = 8  # the tokens are `vocab.tokenize`s: a change to it is a new format (8: "-itis" words whole)
QUALIFIER_SHARE = 0.005  # a word on more items than this share names a qualifier, not a condition
# The organs: chapter 2's categories of neoplasms "of stated sites" (C00–C75 malignant, D00–D09 in situ) are
# one a site, titled "Malignant neoplasm of liver and intrahepatic bile ducts"; each site named by one word
# ("liver", "prostate", "breast") is an organ. "other and unspecified …" is the code set's residual wording.
SITE_BLOCKS = (("C00", "C75"), ("D00", "D09"))
SITE_TITLE = re.compile(r"(?:neoplasm|melanoma|carcinoma in situ) of (?:the )?(.*)", re.I)
SITE_SPLIT = re.compile(r",| and | except | or ")
RESIDUAL = re.compile(r"\bother and (?:unspecified|ill-defined)(?: sites)?\b", re.I)


def _icd_words_file() -> Path:
    from .onnxmodel import cache_dir

    year, release = icd_release()
    tag = re.sub(r"\W+", "-", f"{year}-{release}-{metadata.version('simple_icd_10_cm')}-v{ICD_WORDS_FORMAT}")
    return cache_dir() / "icd10cm" / f"words-{tag}.npz"


class IcdWords(NamedTuple):
    """Each token's items (sorted positions among the ICD-10-CM items), how many items there are, and the
    stored form: each item's code, the tokens, and their item positions laid end to end; and the words
    as the code set spells them (four letters or more), which typo repair takes as spelled right; and the
    organs its neoplasm categories are of, as tokens (``SITE_BLOCKS``)."""

    items: int
    words: dict[str, np.ndarray]
    codes: np.ndarray
    tokens: np.ndarray
    offsets: np.ndarray
    positions: np.ndarray
    spellings: frozenset[str]
    sites: frozenset[str]


@cache
def icd_words() -> IcdWords:
    """The ICD-10-CM items (chapters to billable codes) whose description or inclusion terms hold each
    token. Built once per code-set release (~5 s, the package's import included) and kept in the user's
    cache (numpy arrays, no pickles: ~5 MB, read in ~0.1 s); a missing or unreadable file is rebuilt."""
    path = _icd_words_file()
    try:
        with np.load(path, allow_pickle=False) as z:
            return _icd_split(z["codes"], z["tokens"], z["offsets"], z["positions"], z["spellings"], z["sites"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from .signals import negated_words
    from .vocab import tokenize

    cm = icd_module()
    codes = cm.get_all_codes(True)
    index: dict[str, set[int]] = {}
    spellings: set[str] = set()
    sites: set[str] = set()
    for n, code in enumerate(codes):
        if cm.is_category(code) and any(a <= code <= b for a, b in SITE_BLOCKS) and (
                m := SITE_TITLE.search(cm.get_description(code))):
            parts = (p.strip() for p in SITE_SPLIT.split(RESIDUAL.sub("", m.group(1))))
            sites.update(t for p in parts if re.fullmatch(r"[A-Za-z]+", p) for t in tokenize(p))
        for text in [cm.get_description(code), *cm.get_inclusion_term(code)]:
            spellings.update(w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4)
            # What an item names only to negate ("not scheduled for surgery") it does not describe.
            for w in set(tokenize(text)) - negated_words(text):
                index.setdefault(w, set()).add(n)
    tokens = sorted(index)
    arrays = [np.array(sorted(index[t]), dtype=np.int32) for t in tokens]
    offsets = np.cumsum([0, *map(len, arrays)])
    positions = np.concatenate(arrays)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, codes=np.array(codes), tokens=np.array(tokens), offsets=offsets, positions=positions,
                 spellings=np.array(sorted(spellings)), sites=np.array(sorted(sites)))
        tmp.replace(path)
        for old in path.parent.glob("words-*.npz"):
            if old != path and ".tmp" not in old.name:
                old.unlink(missing_ok=True)  # an earlier release's or format's
    except OSError:
        pass  # a read-only cache only costs the next process the build
    return _icd_split(np.array(codes), np.array(tokens), offsets, positions, np.array(sorted(spellings)),
                      np.array(sorted(sites)))


def _icd_split(codes: np.ndarray, tokens: np.ndarray, offsets: np.ndarray, positions: np.ndarray,
               spellings: np.ndarray, sites: np.ndarray) -> IcdWords:
    """The word index from its stored form."""
    words = {str(t): positions[a:b] for t, a, b in zip(tokens, offsets[:-1], offsets[1:], strict=True)}
    return IcdWords(len(codes), words, codes, tokens, offsets, positions, frozenset(map(str, spellings)),
                    frozenset(map(str, sites)))


@cache
def _items() -> frozenset[str]:
    return frozenset(str(c).replace(".", "").upper() for c in icd_words().codes)


def is_icd_item(key: str) -> bool:
    """Whether ``key`` (without its dot) is an ICD-10-CM code or category ("F84", "F840"; not "B12")."""
    return key.replace(".", "").upper() in _items()


def icd_names(codes: Iterable[str]) -> dict[str, frozenset[str]]:
    """The tokens of every name ICD-10-CM gives each code: its description and inclusion terms, and those of
    the subcategories above it (T78.2XXA "Anaphylactic shock, unspecified, initial encounter" is under T78.2,
    whose terms include "Anaphylaxis"; not the category T78, "Adverse effects"). Codes it lacks get none."""
    index = icd_words()
    wanted = {c.upper() for c in codes}
    # Each code's item and the items of its subcategories: its prefixes past the category's dot.
    own = {c: {c[:n].rstrip(".") for n in range(len(c), min(len(c), 5) - 1, -1)} for c in wanted}
    prefixes = np.array(sorted(set().union(*own.values()))) if own else np.array([], dtype=str)
    at = np.nonzero(np.isin(index.codes, prefixes))[0]
    hit = np.isin(index.positions, at)
    token_of = np.searchsorted(index.offsets, np.nonzero(hit)[0], side="right") - 1
    names: dict[str, set[str]] = {}
    for item, token in zip(index.positions[hit], token_of, strict=True):
        word = str(index.tokens[token])
        if word.isalpha():  # not a code an inclusion term refers to ("Any condition listed in K80.2 …")
            names.setdefault(str(index.codes[item]), set()).add(word)
    return {c: frozenset().union(*(names.get(p, set()) for p in own[c])) for c in wanted}


def icd_unlisted(asked: set[str], row: set[str]) -> set[str]:
    """The asked words a diagnosis row lacks, when ICD-10-CM has an item whose text holds every asked
    word it knows ("primary central sleep apnea" is an ICD-10-CM condition; the obstructive sleep apnea
    row does not describe it). Empty when the row holds them, or no official item describes them all
    (lay words, a patient's situation): the row may then still be the closest code."""
    index = icd_words()
    items, words = index.items, index.words
    asked, row = as_written(asked), as_written(row)
    known = {w for w in asked if w in words}
    missing = known - row
    # A qualifier (left, side, acute, chronic, type) is on hundreds to thousands of items; lacking only
    # such words, the row may still be the code ("and the acute one?" after a code was named).
    if not any(len(words[w]) <= QUALIFIER_SHARE * items for w in missing):
        return set()
    described = functools.reduce(np.intersect1d, (words[w] for w in known))
    return missing if len(described) else set()


def as_written(tokens: set[str]) -> set[str]:
    """The tokens as the code set writes them: an ordinal in digits is its word ("3rd" trimester is "third"),
    and a word typed closed that ICD-10-CM hyphenates after a prefix, so that it tokenizes as two known
    words, is those two ("preeclampsia" is its "pre-eclampsia")."""
    words, out = icd_words().words, set()
    for t in tokens:
        t = lexicon().ordinals.get(t, t)
        parts = None if t in words or not t.isalpha() else next(
            ((t[:i], t[i:]) for i in range(3, len(t) - 3) if t[:i] in words and t[i:] in words), None)
        out.update(parts or (t,))
    return out
