"""Retrieval: exact code lookup, BM25 (bm25s) and dense (FAISS), fused by reciprocal rank."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Literal

import numpy as np

from .embed import Embedder, embed_text
from .icd import icd_names
from .index import Index
from .models import Chunk, Hit
from .vocab import tokenize

Mode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
DENSE_WEIGHT = 1.0  # measured 0.3-1.0 on the eval: lower weights lift hybrid R@1 but cost answer accuracy
Filter = Callable[[Chunk], bool]


class Retriever:
    """Ranks an index's chunks for a question. ``warm_up`` builds the BM25 index and loads the model."""

    def __init__(self, index: Index, embedder: Embedder, mode: Mode = "hybrid") -> None:
        self.index, self.embedder, self.mode = index, embedder, mode
        self._bm25 = None
        self._columns: dict[str, np.ndarray] = {}

    def warm_up(self) -> None:
        import bm25s

        # bm25s sets its own logger to DEBUG on import; its index-building chatter is not ours to print.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        if self._bm25 is None:
            # A diagnosis row is found by every name ICD-10-CM gives its code ("fainting" finds R55 "Syncope
            # and collapse"); the text it is embedded and quoted by stays the report's.
            corpus = [tokenize(embed_text(c)) + sorted(self.names(c)) or ["<empty>"] for c in self.index.chunks]
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
            self._bm25 = bm25
        self.embedder.warm_up()

    @functools.cached_property
    def _icd_names(self) -> dict[str, frozenset[str]]:
        codes = {c.code for c in self.index.chunks if c.kind == "row" and c.code_type == "icd10" and c.code}
        return icd_names(codes) if codes else {}

    def names(self, chunk: Chunk) -> frozenset[str]:
        """The tokens of the names ICD-10-CM gives a diagnosis row's code (its description, inclusion terms
        and its subcategory's), for matching words; empty for any other chunk."""
        if chunk.kind != "row" or chunk.code_type != "icd10" or not chunk.code:
            return frozenset()
        return self._icd_names.get(chunk.code.upper(), frozenset())

    def positions(self, keep: Filter) -> np.ndarray:
        """Positions of the chunks ``keep`` passes: by numpy masks when it carries a ``spec`` (reports,
        fields), else by calling it on every chunk."""
        spec = getattr(keep, "spec", None)
        if spec is None:
            return np.fromiter((i for i, c in enumerate(self.index.chunks) if keep(c)), dtype=np.int64)
        scope, want = spec
        mask = np.ones(len(self.index.chunks), dtype=bool)
        if scope:
            mask &= np.isin(self._column("doc_code"), sorted(scope))
        for field, value in want:
            column = self._column(field)
            mask &= np.isin(column, list(value)) if isinstance(value, tuple) else column == value
        return np.flatnonzero(mask)

    def _column(self, field: str) -> np.ndarray:
        """One chunk field for every chunk, as an array (built once per field)."""
        if field not in self._columns:
            self._columns[field] = np.array([getattr(c, field) or "" for c in self.index.chunks], dtype=object)
        return self._columns[field]

    def dense(self, text: str, subset: np.ndarray | None, k: int) -> dict[int, float]:
        """Cosine similarity of the question to each chunk (top-k, or every chunk of ``subset``)."""
        vec = self.embedder.encode_query(text)
        if subset is not None and len(subset) <= 20_000:
            scores = self.index.vectors[subset] @ vec
            return {int(i): float(s) for i, s in zip(subset, scores, strict=True)}
        hits = self.index.search(vec, max(k * 20, 200))
        allowed = None if subset is None else set(subset.tolist())
        return {i: s for i, s in hits if allowed is None or i in allowed}

    def lexical(self, terms: list[str], subset: np.ndarray | None) -> dict[int, float]:
        if self._bm25 is None:
            self.warm_up()
        known = [t for t in terms if t in self._bm25.vocab_dict]  # type: ignore[union-attr]
        if not known:
            return {}
        scores = self._bm25.get_scores(known)  # type: ignore[union-attr]
        idx = subset if subset is not None else np.flatnonzero(scores)
        return {int(i): float(scores[i]) for i in idx if scores[i] > 0}

    def search(self, text: str, keep: Filter | None = None, k: int = 10, mode: Mode | None = None,
               each: int = 0) -> list[Hit]:
        """Top-k hits for ``text`` among chunks passing ``keep``, by the retriever's mode, then the first
        ``each`` of each retriever's own ranking that fusion left out: a passage holding every rare word
        asked ("authorized 25 hours per week") can rank low on meaning alone, and fused ranks would drop it
        before the sentence scores that follow could weigh it."""
        mode = mode or self.mode
        subset = self.positions(keep) if keep is not None else None
        if subset is not None and not len(subset):
            return []
        dense = self.dense(text, subset, k) if mode != "bm25" else {}
        lexical = self.lexical(tokenize(text), subset) if mode != "dense" else {}
        fused: dict[int, float] = {}
        for scores, weight in ((dense, DENSE_WEIGHT), (lexical, 1.0)):
            for rank, i in enumerate(sorted(scores, key=scores.__getitem__, reverse=True)):
                fused[i] = fused.get(i, 0.0) + weight / (RRF_K + rank + 1)
        order = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        for scores in (dense, lexical) if each else ():
            order += [i for i in sorted(scores, key=scores.__getitem__, reverse=True)[:each] if i not in order]
        missing = [i for i in order if i not in dense]
        if missing and mode != "bm25":
            vec = self.embedder.encode_query(text)
            for i in missing:
                dense[i] = float(self.index.vectors[i] @ vec)
        return [Hit(chunk=self.index.chunks[i], score=fused[i], dense=dense.get(i, 0.0),
                    lexical=lexical.get(i, 0.0)) for i in order]
