"""The fitted selector: candidate rows and sentences as feature vectors, a ranking logistic model and an
answer/abstain model on the top candidate, fitted on the eval sets of some reports, and the abstention bar.

Candidates come from `select.py` (its pools); which one answers, and whether any does, is decided here
by numbers fitted on questions (``fit``) and checked on reports left out (`fitting.loro`), not typed.
It is the ablation's other arm until it beats the hand-set rules there (`Settings.selector`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .config import Settings
from .errors import IndexFileError
from .models import Hit
from .query import Query
from .rules import bar, rule_scores
from .select import RowPool, SentencePool
from .signals import counts_asked, negated, number_fit

MODEL_FILE = Path(__file__).resolve().parent / "data" / "selector.json"

# One name per feature, in the order of the model's coefficients. Question-level features (asks_code,
# unknown…) move every candidate of a question alike: they set how sure any answer can be (abstention).
FEATURES = (
    "dense", "dense_gap", "coverage", "name_coverage", "overlap", "every_word", "label", "labelled",
    "answer_kind", "expects_kind", "self_reference", "enumerating", "contradicts", "lexical", "rank",
    "is_row", "row_asks_code", "row_fact", "row_target", "prose_asks_code", "prose_target", "unknown",
    "named_report", "named_section", "followup", "rule_score", "rule_best", "rule_pass",
    "negation_agree", "negation_miss", "number_fit", "number_miss", "route",
)


class Candidate(BaseModel):
    """One possible answer: a row, or a sentence of a passage, with its features."""

    model_config = ConfigDict(frozen=True)
    hit: Hit
    quote: str | None = None
    also: tuple[str, ...] = ()
    features: dict[str, float]
    contradiction: tuple[str, str] | None = None

    @property
    def is_row(self) -> bool:
        return self.quote is None

    def vector(self) -> list[float]:
        return [self.features.get(name, 0.0) for name in FEATURES]


def _question_features(q: Query) -> dict[str, float]:
    return {"named_report": float(bool(q.reports)), "followup": float(q.followup)}


def _evidence(q: Query) -> Callable[[str, str], dict[str, float]]:
    """What a candidate's words say to the question's beyond similarity: whether both negate or only the
    question does ("no CRNA", "not rented"), whether a bound it states holds the question's count or not
    ("6 rooms": "more than four" holds it, "two, three, or four" does not), and how likely the router finds
    its report (1 when routing did not weigh reports). The question's side is read once, here; the
    function returned reads a candidate's (text, report)."""
    asks_no = negated(q.text)
    counts = counts_asked(q)

    def of(text: str, doc: str) -> dict[str, float]:
        says_no = negated(text)
        fits, misses = number_fit(counts, text)
        return {"negation_agree": float(asks_no and says_no), "negation_miss": float(asks_no and not says_no),
                "number_fit": fits, "number_miss": misses,
                "route": q.routing.get(doc, 0.0) if q.routing else 1.0}

    return of


def row_candidates(q: Query, pool: RowPool, contradictions: dict[str, tuple[str, str]], supported: list[bool],
                   settings: Settings) -> list[Candidate]:
    """The pool's rows as candidates; ``contradictions`` maps a row's id to (asked, stated) values and
    ``supported`` says which rows clear the hand-set bar (the rule-based selector's view, one feature)."""
    best = max(pool.cell, default=0.0)
    rule = [pool.cell[n] + settings.row_coverage_weight * pool.cover[n] + settings.row_name_weight * pool.name[n]
            for n in range(len(pool.hits))]
    top = max(range(len(rule)), key=rule.__getitem__, default=-1)
    top_lex = max((h.lexical for h in pool.hits), default=0.0) or 1.0
    evidence = _evidence(q)
    out = []
    for n, h in enumerate(pool.hits):
        conflict = contradictions.get(h.chunk.id)
        f = {"dense": pool.cell[n], "dense_gap": pool.cell[n] - best, "coverage": pool.cover[n],
             "name_coverage": pool.name[n], "overlap": float(pool.cover[n] > 0),
             "every_word": float(pool.cover[n] >= 1.0), "contradicts": float(conflict is not None),
             "lexical": h.lexical / top_lex, "rank": 1 / (1 + n), "is_row": 1.0,
             "row_asks_code": float(q.asks_code), "row_fact": float(q.fact_question),
             "row_target": float(q.target is not None), "rule_score": rule[n], "rule_best": float(n == top),
             "rule_pass": float(supported[n]), **_question_features(q),
             **evidence(h.chunk.text, h.chunk.doc_code)}
        out.append(Candidate(hit=Hit(chunk=h.chunk, score=h.score, dense=pool.cell[n], lexical=h.lexical),
                             features=f, contradiction=conflict))
    return out


def sentence_candidates(q: Query, pool: SentencePool, contradictions: dict[int, tuple[str, str]],
                        settings: Settings) -> list[Candidate]:
    """The pool's sentences as candidates (payer lists left out when a sentence names the payer alone)."""
    dense = [max(a, b) for a, b in zip(pool.sims, pool.scoped, strict=True)]
    ranked = rule_scores(pool, settings)
    rule = dict((i, sc) for sc, i in ranked)
    top = ranked[0][1] if ranked else -1
    best = max(dense, default=0.0)
    top_lex = max((h.lexical for h, _ in pool.pairs), default=0.0) or 1.0
    order = {id(h): n for n, h in enumerate(dict.fromkeys(h for h, _ in pool.pairs))}
    evidence = _evidence(q)
    out = []
    for i, (h, sentence) in enumerate(pool.pairs):
        if i in pool.listing:
            continue
        conflict = contradictions.get(i)
        f = {"dense": dense[i], "dense_gap": dense[i] - best, "coverage": pool.cover[i],
             "overlap": float(pool.overlap[i]), "every_word": float(pool.every_word[i] or pool.typed_answer[i]),
             "label": float(pool.label[i]), "labelled": float(pool.labelled[i]),
             "answer_kind": float(pool.typed_kind[i]), "expects_kind": float(pool.expects),
             "self_reference": float(pool.self_reference[i]), "enumerating": float(i in pool.enumerating),
             "contradicts": float(conflict is not None), "lexical": h.lexical / top_lex,
             "rank": 1 / (1 + order.get(id(h), 0)), "prose_asks_code": float(q.asks_code),
             "prose_target": float(q.target is not None), "unknown": pool.unknown,
             "named_section": float(pool.named_section), "rule_score": rule[i], "rule_best": float(i == top),
             "rule_pass": float(dense[i] >= bar(pool, i, settings)), **_question_features(q),
             **evidence(sentence, h.chunk.doc_code)}
        # Its closest neighbours in the same passage are quoted with it, as a reader would want them.
        near = tuple(pool.pairs[j][1] for sc, j in ranked[:3] if j != i and pool.pairs[j][0] is h
                     and sc >= rule[i] - settings.sentence_margin)
        out.append(Candidate(hit=Hit(chunk=h.chunk, score=h.score, dense=dense[i], lexical=h.lexical),
                             quote=sentence, also=near, features=f, contradiction=conflict))
    return out


class Logistic(BaseModel):
    """A logistic regression over standardised inputs, as plain numbers (JSON, never pickle)."""

    model_config = ConfigDict(frozen=True)
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    def logit(self, x: Sequence[float]) -> float:
        return self.intercept + sum(w * (v - m) / s for w, v, m, s in zip(self.coef, x, self.mean, self.scale,
                                                                          strict=True))

    @classmethod
    def fit(cls, x: list[list[float]], y: list[int], c: float = 1.0) -> Logistic:
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        arr = np.asarray(x, dtype=float)
        mean, scale = arr.mean(axis=0), arr.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=c, max_iter=3000).fit((arr - mean) / scale, np.asarray(y))
        return cls(mean=mean.tolist(), scale=scale.tolist(), coef=model.coef_[0].tolist(),
                   intercept=float(model.intercept_[0]))


def relative(vectors: Sequence[Sequence[float]]) -> list[list[float]]:
    """Each candidate's features, then each one's gap to the question's best value, then whether it has
    that best value: which candidate wins is decided among one question's candidates, so the ranking
    model sees how a candidate stands among them, not only its raw scores."""
    best = [max(col) for col in zip(*vectors, strict=True)]
    return [[*v, *(x - b for x, b in zip(v, best, strict=True)), *(float(x >= b) for x, b in zip(v, best, strict=True))]
            for v in vectors]


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


class Ranker(BaseModel):
    """Two fitted stages: ``rank`` orders a question's candidates (fitted on questions some candidate
    answers), ``answer`` gives the probability that the top one is right, from its features, its rank
    score and its lead over the next (fitted on every question, unanswerable ones included); below
    ``threshold`` the assistant abstains. Saved as JSON with what it was fitted on."""

    model_config = ConfigDict(frozen=True)
    features: tuple[str, ...] = FEATURES
    rank: Logistic
    answer: Logistic
    threshold: float
    fitted_on: list[str] = Field(default_factory=list)
    n_questions: int = 0
    n_candidates: int = 0
    fitted_at: str = ""

    @classmethod
    def abstaining(cls) -> Ranker:
        """A model that answers nothing: collecting candidates for a first fit needs no fitted model."""
        def zero(n: int) -> Logistic:
            return Logistic(mean=[0.0] * n, scale=[1.0] * n, coef=[0.0] * n, intercept=0.0)

        return cls(rank=zero(3 * len(FEATURES)), answer=zero(len(FEATURES) + 2), threshold=2.0)

    def scores(self, vectors: Sequence[Sequence[float]]) -> list[float]:
        return [self.rank.logit(v) for v in relative(vectors)] if vectors else []

    def top(self, vectors: Sequence[Sequence[float]]) -> tuple[int, float]:
        """The best candidate's position and the probability that it answers (-1, 0.0 when none)."""
        if not vectors:
            return -1, 0.0
        s = self.scores(vectors)
        order = sorted(range(len(s)), key=lambda n: -s[n])
        return order[0], _sigmoid(self.answer.logit(self.top_features(vectors, s, order)))

    @staticmethod
    def top_features(vectors: Sequence[Sequence[float]], s: list[float], order: list[int]) -> list[float]:
        lead = s[order[0]] - s[order[1]] if len(order) > 1 else 10.0
        return [*vectors[order[0]], s[order[0]], lead]

    def choose(self, candidates: Sequence[Candidate]) -> tuple[Candidate | None, float]:
        """The best candidate and its probability; None when it is below the threshold."""
        n, p = self.top([c.vector() for c in candidates])
        return (candidates[n] if n >= 0 and p >= self.threshold else None), p

    def save(self, path: Path | None = None) -> None:
        path = path or MODEL_FILE
        path.write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> Ranker:
        path = path or MODEL_FILE
        try:
            model = cls.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "the file"
            raise IndexFileError(f"selector model {path} is not valid ({where}: {first['msg']}); refit it with "
                                 "`assistant eval --fit`") from exc
        except (OSError, ValueError) as exc:
            raise IndexFileError(f"selector model {path} cannot be read ({exc}); refit it with "
                                 "`assistant eval --fit`") from exc
        if tuple(model.features) != FEATURES:
            raise IndexFileError(f"selector model {path} was fitted on other features; refit it with "
                                 "`assistant eval --fit`")
        return model


def fit(questions: list[tuple[list[list[float]], list[int], bool]], fitted_on: list[str], c: float = 1.0) -> Ranker:
    """Fit both stages on questions given as (candidate vectors, their labels, answerable). The threshold
    is the one that answers the most of these questions right (answering with the top candidate when it
    clears it, abstaining otherwise)."""
    answered = [(v, y) for v, y, _ in questions if any(y)]
    if not answered or all(all(y) for _, y in answered):
        raise ValueError("cannot fit the selector: it needs questions where some candidates answer and some don't")
    rank = Logistic.fit([x for v, _ in answered for x in relative(v)], [t for _, y in answered for t in y], c)
    stub = Ranker(rank=rank, answer=rank, threshold=0.0)
    tops, wins = [], []
    for v, y, _ in questions:
        if v:
            s = stub.scores(v)
            order = sorted(range(len(s)), key=lambda n: -s[n])
            tops.append(Ranker.top_features(v, s, order))
            wins.append(y[order[0]])
    answer = Logistic.fit(tops, wins, c) if len(set(wins)) > 1 else Logistic(
        mean=[0.0] * len(tops[0]), scale=[1.0] * len(tops[0]), coef=[0.0] * len(tops[0]), intercept=0.0)
    ranker = Ranker(rank=rank, answer=answer, threshold=0.0, fitted_on=sorted(fitted_on),
                    n_questions=len(questions), n_candidates=sum(len(v) for v, _, _ in questions),
                    fitted_at=datetime.now(UTC).isoformat(timespec="seconds"))
    best = []
    for v, y, ok in questions:
        n, p = ranker.top(v)
        best.append((p, bool(y[n]) if n >= 0 else False, ok))
    bars = sorted({p for p, _, _ in best}) or [0.5]
    right = [(sum(win if p >= bar else not ok for p, win, ok in best), -bar) for bar in bars]
    return ranker.model_copy(update={"threshold": -max(right)[1]})
