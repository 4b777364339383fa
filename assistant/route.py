"""Report routing: which report(s) a question is about, with a calibrated probability per report.

Evidence per (question, report) — the report's code, codes it lists, its title words, the
abbreviations it defines for its procedure, BM25 over its whole text, dense similarity to its
passages, its share of the hybrid hits and the earlier turns — is weighed by a logistic regression
fitted over the eval question sets (``routefit.py``). Its coefficients and threshold live in
``data/router.json`` with the sets they were fitted on; nothing here is a hand-typed weight.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from .codes import find_codes
from .errors import RouterFileError
from .index import Index
from .lexicon import lexicon
from .query import Query
from .retrieve import Retriever
from .vocab import Catalog, stems, tokenize

PARAMS_FILE = Path(__file__).resolve().parent / "data" / "router.json"
FEATURES = ("code_named", "alias_named", "codes_share", "codes_only", "title_share", "title_question",
            "title_only", "bm25_rel", "bm25_share", "dense_max", "dense_gap", "hits_share", "history")
# How many hybrid hits are counted per report. Not a decision: it defines one feature, whose weight the
# fit sets; 10 is how deep the answer stages look (Settings.row_candidates).
HITS_K = 10
HISTORY_TURNS = 4  # as many earlier turns as query.parse reads
# How many of the best-supported reports a question's probabilities are shared among: the best and its
# closest rival, so that a probability means the same in a corpus of 2 reports as in one of 1,000 and the
# threshold fitted on one holds on the other. Out of fold on the eval sets (share of questions routed at
# 2 % wrong narrowing): best 2 38.0 %; best 3 39.0 %, 5 39.2 %, all 59 reports 37.8 % (whose thresholds
# would not carry across corpus sizes); per-report odds alone 31.0 %.
CONTENDERS = 2


def spelled_out(tokens: list[str]) -> list[str]:
    """Tokens with staff shorthand replaced by the words it stands for, in a question and in a report alike:
    a report writing "dx" twice where others write "diagnosis" uses no rarer word than they do, so a
    question's "dx" does not single it out."""
    forms = _shorthand_stems()
    return [w for t in tokens for w in forms.get(t, (t,))]


@functools.cache
def _shorthand_stems() -> dict[str, tuple[str, ...]]:
    """Each one-token shorthand of the lexicon (as ``tokenize`` sees it), with its expansion's tokens."""
    out = {}
    for abbr, full in lexicon().abbreviations.items():
        short, long = tokenize(abbr), tokenize(full)
        if len(short) == 1 and long and short != long:
            out[short[0]] = tuple(long)
    return out


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Candidate(Frozen):
    report: str
    probability: float
    named: bool = False  # the question names it (its code, an abbreviation of it, or its title words)


class Route(Frozen):
    """Reports ranked for one question. Only a ``confident`` route may narrow an answer's scope."""

    ranked: tuple[Candidate, ...]
    confident: bool
    reason: str
    also: str | None = None  # a second report whose probability clears the threshold too
    # Whether the best report clears the fit's own threshold (wrong at most ``max_wrong`` of the time), not only
    # the lower one chosen on the answers: an unsure route's answer is checked against the whole corpus's.
    sure: bool = True

    @property
    def best(self) -> str | None:
        return self.ranked[0].report if self.confident and self.ranked else None

    @property
    def scope(self) -> set[str]:
        """The reports an answer comes from: the best one when confident, else those the question names by
        title words or defined letters, however unsure the router is; empty when the route decides nothing."""
        return {self.ranked[0].report} if self.confident and self.ranked else {c.report for c in self.ranked
                                                                               if c.named}


class FitSet(Frozen):
    name: str
    reports: tuple[str, ...]
    items: int


class Bin(Frozen):
    low: float
    high: float
    n: int
    predicted: float
    observed: float


class ThresholdChoice(Frozen):
    """How the confidence threshold was chosen on the answers (``bench/route.py --sweep``): every eval set was
    answered at each candidate threshold; the threshold shipped is the one with the most right answers, and
    ``held_out_mean`` is the yardstick figure, each set scored at the threshold the other sets chose."""

    candidates: tuple[float, ...]
    right: tuple[int, ...]  # right answers over all sets, per candidate
    threshold: float  # the candidate with the most right answers (ties to the higher): the one shipped
    # The fit's own threshold (``max_wrong``): between the chosen threshold and this, a route is acted on
    # but not sure, and the routed report's answer must hold as many of the question's words as the corpus's.
    bound: float
    questions: int
    sets: int
    held_out_mean: float  # mean over sets of each set's accuracy at the threshold chosen without it
    chosen_at: str


class RouterParams(Frozen):
    """A fitted router: weights, the confidence threshold, and what they were fitted and checked on."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    # The wrong-narrowing rate the fit's own threshold stays under (out of fold); the threshold shipped is the
    # one ``chosen`` on the answers when a sweep set it (narrowing less often than that costs right answers).
    max_wrong: float
    fitted_on: tuple[FitSet, ...]
    corpus: tuple[str, ...]
    brier: float  # out-of-fold (leave-one-set-out) Brier score per (question, report) pair
    reliability: tuple[Bin, ...]
    regularization: float
    fitted_at: str
    library: str
    chosen: ThresholdChoice | None = None

    @property
    def bound(self) -> float:
        """The probability above which a route is sure: the fit's own threshold."""
        return self.chosen.bound if self.chosen is not None else self.threshold


def load_params(path: Path = PARAMS_FILE) -> RouterParams:
    """Read a fitted router, or raise ``RouterFileError`` naming the file and how to rewrite it."""
    fix = "run `python bench/route.py --fit` to fit it again"
    try:
        params = RouterParams.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise RouterFileError(f"cannot read the router parameters {path}: {exc.strerror or exc}; {fix}") from exc
    except (ValueError, ValidationError) as exc:
        raise RouterFileError(f"the router parameters {path} are not valid ({str(exc).splitlines()[0]}); "
                              f"{fix}") from exc
    if params.features != FEATURES or len(params.coef) != len(FEATURES):
        raise RouterFileError(f"the router parameters {path} were fitted on features {list(params.features)}, "
                              f"this code computes {list(FEATURES)}; {fix}")
    return params


def save_params(params: RouterParams, path: Path = PARAMS_FILE) -> None:
    path.write_text(params.model_dump_json(indent=2) + "\n", encoding="utf-8")


def probabilities(params: RouterParams, x: np.ndarray) -> np.ndarray:
    """P(report is the one asked about) for each row of one question's features ``x``: the fitted
    per-report odds, normalised over the ``CONTENDERS`` best-supported reports (the best and its closest
    rival), since a question is about one of them. The per-report figure alone says how much evidence a
    report has, not whether another has as much: 0.64 with the runner-up at 0.06 singles a report out;
    0.64 beside 0.60 does not. Over the contenders only, not the whole corpus: a thousand reports with no
    evidence each would otherwise add up to outweigh any report the question points at."""
    z = x @ np.asarray(params.coef) + params.intercept
    p = 1.0 / (1.0 + np.exp(-z))
    top = np.sort(p)[-CONTENDERS:].sum()
    return p / top if top > 0 else p


def decide(reports: Sequence[str], p: np.ndarray, named: set[str], threshold: float) -> Route:
    """Rank reports and decide confidence. A rule of the format, after the model: a report the question
    names is never ranked below one it doesn't name, whatever the probabilities say."""
    order = sorted(range(len(reports)), key=lambda i: (reports[i] not in named, -p[i]))
    ranked = tuple(Candidate(report=reports[i], probability=round(float(p[i]), 4), named=reports[i] in named)
                   for i in order)
    if not ranked:
        return Route(ranked=(), confident=False, reason="no report in the corpus")
    top = ranked[0]
    confident = top.probability >= threshold
    also = ranked[1].report if confident and len(ranked) > 1 and ranked[1].probability >= threshold else None
    if confident:
        reason = f"{top.report} at {top.probability:.2f} ≥ {threshold:.2f}"
    else:
        reason = f"no report stands out: best {top.report} at {top.probability:.2f} < {threshold:.2f}"
    if top.named and top.probability < max(c.probability for c in ranked):
        reason += "; ranked first because the question names it"
    return Route(ranked=ranked, confident=confident, reason=reason, also=also)


class Router:
    """Ranks the corpus' reports for a question. Cheap to build; ``warm_up`` indexes each report for BM25."""

    def __init__(self, catalog: Catalog, index: Index, retriever: Retriever,
                 params: RouterParams | None = None) -> None:
        self.catalog, self.index, self.retriever, self.params = catalog, index, retriever, params
        self.reports: list[str] = list(dict.fromkeys(c.doc_code for c in index.chunks))
        self._positions = {r: np.array([i for i, c in enumerate(index.chunks) if c.doc_code == r])
                           for r in self.reports}
        self._bm25 = None
        self._spread: Counter[str] = Counter()

    def warm_up(self) -> None:
        import bm25s

        if self._bm25 is None:
            logging.getLogger("bm25s").setLevel(logging.WARNING)
            # One document per report: its distinctive words weigh by how few reports use them.
            texts = [" ".join(f"{' '.join(self.index.chunks[i].section)} {self.index.chunks[i].text}"
                              for i in self._positions[r]) for r in self.reports]
            docs = [spelled_out(tokenize(text)) or ["<empty>"] for text in texts]
            bm25 = bm25s.BM25()
            bm25.index(docs, show_progress=False)
            self._bm25 = bm25
            self._spread = Counter(t for d in docs for t in set(d))  # how many reports use each word

    def route(self, query: Query, history: list[str] | None = None) -> Route:
        if self.params is None:
            raise RouterFileError(f"the router has no fitted parameters; load them with load_params({PARAMS_FILE})")
        if self._codes_only(query):
            # A rule of the format: "mod 62" when two reports list modifier 62 says nothing about which (and
            # deciding so needs no model: a cold code question stays a lookup).
            return Route(ranked=(), confident=False, reason="the question names only codes several reports list")
        x = self.features(query, history or [])
        route = decide(self.reports, probabilities(self.params, x), self.named(query), self.params.threshold)
        if route.ranked and route.ranked[0].probability < self.params.bound:
            route = route.model_copy(update={"sure": False})
        if route.confident and query.intent == "list" and not self._telling(query, history or []):
            # "which taxonomies are listed": in a small corpus the report with the longest table takes most of
            # the hits, yet nothing the user wrote points at it. (A passage's answer, unlike a table, can:
            # "how old was the pt in the example" goes to the one vignette that states an age.)
            return route.model_copy(update={"confident": False, "also": None,
                                            "reason": "no word of the question tells the reports apart"})
        return route

    def _telling(self, query: Query, history: list[str]) -> bool:
        """Whether anything in the question (or an earlier turn) points at some reports rather than all:
        a code, a report it names, or a word of its own that some report uses beyond kinds of code and
        the words questions are made of ("list all modifiers" has none)."""
        if (query.codes or query.unknown or self.named(query)
                or any(self._evidence(t) for t in history[-HISTORY_TURNS:])):
            return True
        asked = stems(frozenset(lexicon().query_words))
        return any(self._spread.get(t, 0) >= 1 for t in spelled_out(tokenize(query.text))
                   if t not in asked and self.catalog.is_content(t))

    def _codes_only(self, query: Query) -> bool:
        """Whether the question's only content is codes that more than one report lists."""
        keys = {c.key for c in query.codes}
        if not keys or len(self.catalog.reports_holding(keys)) <= 1:
            return False
        codes = {k.lower() for k in keys}
        return not any(self.catalog.is_content(t) for t in tokenize(query.text) if t not in codes and not t.isdigit())

    # -- evidence --------------------------------------------------------------------------------

    def named(self, query: Query) -> set[str]:
        """Reports the question itself names: by code, by a defined abbreviation, or by a word of its title
        no other title has ("breast", "intravitreal"; not "injection", which three titles share)."""
        return self._explicit(query.text) | {self.catalog.title_words[t] for t in tokenize(query.text)
                                             if t in self.catalog.title_words}

    def _explicit(self, text: str) -> set[str]:
        """Reports a text names by their code or by an abbreviation defined for their procedure."""
        found, _ = find_codes(text, self.catalog, None)
        low = text.lower()
        out = {self.catalog.reports[c.key] for c in found if c.key in self.catalog.reports}
        for alias, reports in self.catalog.names.items():
            if re.search(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", low):
                out |= reports
        return out

    def _evidence(self, text: str) -> set[str]:
        """Reports a turn points at unmistakably: named, by a title word only it has, or by a code only it lists."""
        out = self._explicit(text)
        out |= {self.catalog.title_words[t] for t in tokenize(text) if t in self.catalog.title_words}
        found, _ = find_codes(text, self.catalog, None)
        for c in found:
            held = {self.index.chunks[i].doc_code for i in self.catalog.by_key.get(c.key, [])}
            if len(held) == 1:
                out |= held
        return out

    def features(self, query: Query, history: list[str]) -> np.ndarray:
        """One row of ``FEATURES`` per report (in ``self.reports`` order)."""
        if self._bm25 is None:
            self.warm_up()
        n = len(self.reports)
        x = np.zeros((n, len(FEATURES)))
        col = {name: j for j, name in enumerate(FEATURES)}
        low = query.text.lower()
        by_code = {self.catalog.reports[c.key] for c in find_codes(query.text, self.catalog, None)[0]
                   if c.key in self.catalog.reports}
        by_alias = {r for a, rs in self.catalog.names.items()
                    if re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", low) for r in rs}
        held = [{self.index.chunks[i].doc_code for i in self.catalog.by_key.get(c.key, [])} for c in query.codes]
        words = set(tokenize(" ".join((query.text, *query.expansions))))
        content = {t for t in words if self.catalog.is_content(t)}
        unique = {self.catalog.title_words[t] for t in words if t in self.catalog.title_words}
        asked = spelled_out(tokenize(query.asked_text))
        known = [t for t in asked if t in self._bm25.vocab_dict]  # type: ignore[union-attr]
        bm25 = np.asarray(self._bm25.get_scores(known)) if known else np.zeros(n)  # type: ignore[union-attr]
        vec = self.retriever.embedder.encode_query(query.retrieval_text)
        sims = self.index.vectors @ vec
        dense = np.array([float(sims[self._positions[r]].max()) if len(self._positions[r]) else 0.0
                          for r in self.reports])
        hits = [h.chunk.doc_code for h in self.retriever.search(query.retrieval_text, k=HITS_K)]
        earlier: set[str] = set()
        for turn in reversed(history[-HISTORY_TURNS:]):
            earlier = self._evidence(turn)
            if earlier:  # the latest turn that pointed at a report is the one the chat is on
                break
        for i, r in enumerate(self.reports):
            title = {t for t in self.catalog.titles.get(r, set()) if self.catalog.is_content(t)}
            others = np.delete(dense, i)
            x[i, col["code_named"]] = r in by_code
            x[i, col["alias_named"]] = r in by_alias
            x[i, col["codes_share"]] = np.mean([r in h for h in held]) if held else 0.0
            x[i, col["codes_only"]] = np.mean([h == {r} for h in held]) if held else 0.0
            x[i, col["title_share"]] = len(words & title) / len(title) if title else 0.0
            x[i, col["title_question"]] = len(content & title) / len(content) if content else 0.0
            x[i, col["title_only"]] = r in unique
            x[i, col["bm25_rel"]] = bm25[i] / bm25.max() if bm25.max() > 0 else 0.0
            x[i, col["bm25_share"]] = bm25[i] / bm25.sum() if bm25.sum() > 0 else 0.0
            x[i, col["dense_max"]] = dense[i]
            x[i, col["dense_gap"]] = dense[i] - (others.max() if len(others) else 0.0)
            x[i, col["hits_share"]] = hits.count(r) / len(hits) if hits else 0.0
            x[i, col["history"]] = r in earlier
        return x
