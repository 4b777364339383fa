"""Fitting the router and checking it leave-one-report-out (LORO).

Each question set is about one report (the multi set's items are labelled by the report code or the
codes they name), so holding out a set holds out its report's questions. The logistic regression is
fitted on the other sets; the confidence threshold is chosen on the training sets' own out-of-fold
predictions, so that narrowing to the wrong report stays under ``max_wrong``. That bound is about the router
alone; which threshold gives the most right answers is measured on the answers themselves
(``choose_on_answers``, run by ``bench/route.py --sweep``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .codes import find_codes
from .config import ROOT
from .evaluate import EvalItem, load_items
from .ingest import SUFFIXES
from .query import parse
from .route import (
    FEATURES,
    PARAMS_FILE,
    Bin,
    FitSet,
    Router,
    RouterParams,
    ThresholdChoice,
    decide,
    probabilities,
    save_params,
)

MULTI_REPORTS = ("0600T", "0441T", "0581T")
# Ridge strength of the logistic regression: scikit-learn's default. The features are shares and
# similarities on 0-1 scales, so no per-feature scaling is needed for it to mean the same everywhere.
REGULARIZATION = 1.0


@dataclass
class Labelled:
    """One question set's items with their gold report, and the features the router computed for them."""

    name: str
    items: list[EvalItem]
    gold: list[str]
    x: list[np.ndarray] = field(default_factory=list)
    named: list[set[str]] = field(default_factory=list)
    acts: list[bool] = field(default_factory=list)  # no report named: the caller would route it


def question_sets(router: Router, root: Path = ROOT, names: set[str] | None = None) -> list[Labelled]:
    """Every eval question set (those ``names`` names, when given; the development set is "dev", as in
    ``fitting``) with the report each item is about (multi-set items that name no single report or code of
    one report are left out)."""
    ev = root / "eval"
    sets = [Labelled("dev", items := load_items(ev / "questions.jsonl"), ["0600T"] * len(items))]
    multi = Labelled("multi", [], [])
    for item in load_items(ev / "questions_multi.jsonl"):
        gold = _multi_gold(router, item)
        if gold:
            multi.items.append(item)
            multi.gold.append(gold)
    sets.append(multi)
    for folder in sorted(ev.glob("heldout*")):
        if names is not None and folder.name not in names:
            continue
        (report,) = [p.stem.upper() for p in (folder / "reports").iterdir() if p.suffix.lower() in SUFFIXES]
        items = load_items(folder / "questions.jsonl")
        sets.append(Labelled(folder.name, items, [report] * len(items)))
    return [s for s in sets if names is None or s.name in names]


def _multi_gold(router: Router, item: EvalItem) -> str | None:
    text = " ".join((*item.history, item.question))
    found, _ = find_codes(text, router.catalog, None)
    named = {router.catalog.reports[c.key] for c in found if c.key in router.catalog.reports} & set(MULTI_REPORTS)
    if named:
        return named.pop() if len(named) == 1 else None
    keys = [c.key for c in found] + [k.upper().replace(".", "") for k in (*item.gold, *item.must)]
    held = [{router.index.chunks[i].doc_code for i in router.catalog.by_key.get(k, [])} & set(MULTI_REPORTS)
            for k in keys]
    held = [h for h in held if h]
    return next(iter(held[0])) if held and all(h == held[0] and len(h) == 1 for h in held) else None


def featurize(router: Router, sets: list[Labelled]) -> None:
    for s in sets:
        s.x, s.named, s.acts = [], [], []
        for item in s.items:
            q = parse(item.question, router.catalog, item.history)
            s.x.append(router.features(q, item.history))
            s.named.append(router.named(q))
            s.acts.append(not q.reports)


def _xy(router: Router, sets: list[Labelled]) -> tuple[np.ndarray, np.ndarray]:
    x = np.vstack([m for s in sets for m in s.x])
    y = np.concatenate([[r == g for r in router.reports] for s in sets for g in s.gold]).astype(int)
    return x, y


def _weights(router: Router, sets: list[Labelled]) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    x, y = _xy(router, sets)
    model = LogisticRegression(C=REGULARIZATION, max_iter=5000).fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def _params(coef: np.ndarray, intercept: float, threshold: float, **extra) -> RouterParams:
    return RouterParams(features=FEATURES, coef=tuple(float(c) for c in coef), intercept=intercept,
                        threshold=threshold, max_wrong=extra.get("max_wrong", 0.0), fitted_on=(), corpus=(),
                        brier=extra.get("brier", 0.0), reliability=(), regularization=REGULARIZATION,
                        fitted_at="", library="")


@dataclass
class Outcome:
    """The router's decision on one item: its best report, that report's probability, and whether it is right."""

    p: float
    right: bool
    acts: bool


def outcomes(router: Router, s: Labelled, params: RouterParams) -> list[Outcome]:
    out = []
    for x, named, acts, gold in zip(s.x, s.named, s.acts, s.gold, strict=True):
        route = decide(router.reports, probabilities(params, x), named, 0.0)
        out.append(Outcome(route.ranked[0].probability, route.ranked[0].report == gold, acts))
    return out


def fold_weights(router: Router, sets: list[Labelled]) -> list[tuple[np.ndarray, float]]:
    """Each set's weights, fitted on the other sets."""
    return [_weights(router, sets[:k] + sets[k + 1:]) for k in range(len(sets))]


def out_of_fold(router: Router, sets: list[Labelled],
                weights: list[tuple[np.ndarray, float]] | None = None) -> list[list[Outcome]]:
    """Each set's outcomes under weights fitted on the other sets (``fold_weights``, unless given; the
    threshold is left to the caller)."""
    weights = weights if weights is not None else fold_weights(router, sets)
    return [outcomes(router, s, _params(*w, 0.0)) for s, w in zip(sets, weights, strict=True)]


def folds(router: Router, sets: list[Labelled], shipped: RouterParams) -> dict[str, RouterParams]:
    """For leave-one-report-out: each set's router, ``shipped`` refitted without it. The weights are fitted
    on the other sets; the sure-route bound is chosen, as ``fit`` chooses it, on the other sets' out-of-fold
    outcomes (each under weights fitted without it, the held-out set among their training sets: nesting the
    folds would cost a fit per pair of sets). The confidence threshold chosen on the answers stays the
    shipped one. ``sets`` must be featurized, on a corpus holding their reports."""
    weights = fold_weights(router, sets)
    oof = out_of_fold(router, sets, weights)
    out = {}
    for k, (s, w) in enumerate(zip(sets, weights, strict=True)):
        bound = choose_threshold([o for j, r in enumerate(oof) if j != k for o in r], shipped.max_wrong)
        update: dict = {"coef": tuple(float(c) for c in w[0]), "intercept": w[1],
                        "fitted_on": tuple(f for f in shipped.fitted_on if f.name != s.name)}
        if shipped.chosen is not None:
            update["chosen"] = shipped.chosen.model_copy(update={"bound": bound})
        else:
            update["threshold"] = bound
        out[s.name] = shipped.model_copy(update=update)
    return out


def choose_threshold(results: list[Outcome], max_wrong: float) -> float:
    """The lowest threshold at which routing narrows to the wrong report on at most ``max_wrong`` of the
    questions it acts on (those naming no report)."""
    acting = sorted((o for o in results if o.acts), key=lambda o: -o.p)
    if not acting:
        return 1.0
    threshold, wrong = 1.0, 0
    for i, o in enumerate(acting):
        wrong += not o.right
        # Ties share one threshold: take a cut only where the next probability is lower.
        if i + 1 < len(acting) and acting[i + 1].p == o.p:
            continue
        if wrong / len(acting) <= max_wrong:
            threshold = o.p
    return threshold


def metrics(results: list[Outcome], threshold: float) -> dict[str, float]:
    acting = [o for o in results if o.acts]
    confident = [o for o in acting if o.p >= threshold]
    n = max(len(acting), 1)
    return {"items": len(results), "acting": len(acting),
            "top1": sum(o.right for o in results) / max(len(results), 1),
            "coverage": len(confident) / n,
            "confident_acc": sum(o.right for o in confident) / len(confident) if confident else float("nan"),
            "wrong": sum(not o.right for o in confident) / n,
            "right": sum(o.right for o in confident) / n}


def loro(router: Router, sets: list[Labelled], max_wrong: float = 0.02) -> str:
    """For each set: fit on the others (threshold from their own out-of-fold outcomes), evaluate on it."""
    rows = []
    for k, held in enumerate(sets):
        train = sets[:k] + sets[k + 1:]
        threshold = choose_threshold([o for r in out_of_fold(router, train) for o in r], max_wrong)
        params = _params(*_weights(router, train), threshold)
        rows.append((held.name, threshold, metrics(outcomes(router, held, params), threshold)))
    head = (f"{'held-out set':<14}{'items':>6}{'acting':>7}{'thresh':>8}{'top-1':>7}{'cover':>7}{'acc|conf':>9}"
            f"{'right':>7}{'WRONG':>7}")
    lines = [head]
    for name, t, m in rows:
        lines.append(f"{name:<14}{m['items']:>6}{m['acting']:>7}{t:>8.3f}{m['top1']:>7.1%}{m['coverage']:>7.1%}"
                     f"{m['confident_acc']:>9.1%}{m['right']:>7.1%}{m['wrong']:>7.1%}")
    for label, pick in (("mean", np.nanmean), ("worst", None)):
        cells = []
        for key, worst in (("top1", min), ("coverage", min), ("confident_acc", min), ("right", min),
                           ("wrong", max)):
            vals = [m[key] for _, _, m in rows]
            cells.append(pick(vals) if pick else worst(v for v in vals if v == v))
        lines.append(f"{label:<14}{'':>6}{'':>7}{'':>8}{cells[0]:>7.1%}{cells[1]:>7.1%}{cells[2]:>9.1%}"
                     f"{cells[3]:>7.1%}{cells[4]:>7.1%}")
    lines.append("top-1 over all items; the rest over 'acting' items (no report named, so routing decides): "
                 "cover = share confident, right/WRONG = confident and right/wrong, acc|conf = right/confident")
    return "\n".join(lines)


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[Bin, ...]:
    edges = np.linspace(0, 1, bins + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (p >= lo) & ((p < hi) | (hi == 1.0))
        if mask.any():
            out.append(Bin(low=round(float(lo), 2), high=round(float(hi), 2), n=int(mask.sum()),
                           predicted=round(float(p[mask].mean()), 4), observed=round(float(y[mask].mean()), 4)))
    return tuple(out)


def fit(router: Router, sets: list[Labelled], path: Path | None = PARAMS_FILE,
        max_wrong: float = 0.02) -> RouterParams:
    """Fit on every set, choose the threshold on out-of-fold outcomes, and save (when ``path`` is given)."""
    import sklearn

    weights = fold_weights(router, sets)
    threshold = choose_threshold([o for r in out_of_fold(router, sets, weights) for o in r], max_wrong)
    # Calibration, out of fold: each set's (question, report) probabilities under weights fitted without it.
    ps, ys = [], []
    for s, w in zip(sets, weights, strict=True):
        held = _params(*w, 0.0)
        ps.extend(probabilities(held, x) for x in s.x)  # normalised within each question
        ys.append(_xy(router, [s])[1])
    p, y = np.concatenate(ps), np.concatenate(ys)
    coef, b = _weights(router, sets)
    params = RouterParams(
        features=FEATURES, coef=tuple(round(float(c), 6) for c in coef), intercept=round(b, 6),
        threshold=round(threshold, 6), max_wrong=max_wrong,
        fitted_on=tuple(FitSet(name=s.name, reports=tuple(sorted(set(s.gold))), items=len(s.items)) for s in sets),
        corpus=tuple(router.reports), brier=round(float(np.mean((p - y) ** 2)), 5), reliability=reliability(p, y),
        regularization=REGULARIZATION, fitted_at=datetime.now(UTC).isoformat(timespec="seconds"),
        library=f"scikit-learn {sklearn.__version__} LogisticRegression")
    if path is not None:
        save_params(params, path)
    return params


def choose_on_answers(right: dict[float, dict[str, list[bool]]], bound: float) -> ThresholdChoice:
    """The confidence threshold the answers favour. ``right[t][set]`` holds whether each of a set's questions
    was answered right with the router at threshold ``t``; ``bound`` is the fit's own threshold, which stays
    the line between a sure route and an unsure one. The threshold shipped has the most right answers
    over all sets; the figure that judges the choice is leave-one-set-out: each set scored at the threshold
    with the most right answers on the other sets."""
    candidates = sorted(right)
    sets = sorted(set().union(*(r.keys() for r in right.values())))
    if not candidates or not sets:
        raise ValueError("no answers to choose a threshold on")
    if any(set(right[t]) != set(sets) for t in candidates):
        raise ValueError("every candidate threshold must be measured on the same sets")

    def total(t: float, without: str | None = None) -> int:
        return sum(sum(v) for s, v in right[t].items() if s != without)

    held = []
    for s in sets:
        # Ties go to the higher threshold: narrowing less is the safer of two equal choices.
        t = max(candidates, key=lambda c: (total(c, without=s), c))
        held.append(sum(right[t][s]) / max(len(right[t][s]), 1))
    best = max(candidates, key=lambda c: (total(c), c))
    return ThresholdChoice(candidates=tuple(candidates), right=tuple(total(t) for t in candidates), threshold=best,
                           bound=bound,
                           questions=sum(len(v) for v in right[best].values()), sets=len(sets),
                           held_out_mean=round(float(np.mean(held)), 4),
                           chosen_at=datetime.now(UTC).isoformat(timespec="seconds"))


def with_threshold(params: RouterParams, choice: ThresholdChoice) -> RouterParams:
    """``params`` with the threshold ``choice`` favours, and the record of how it was chosen."""
    return params.model_copy(update={"threshold": choice.threshold, "chosen": choice})
