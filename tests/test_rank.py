"""The fitted selector: its model file, fitting, the abstention bar and leave-one-report-out folds."""

from __future__ import annotations

import json
import re

import pytest

from assistant import fitting
from assistant.errors import IndexFileError
from assistant.rank import FEATURES, MODEL_FILE, Ranker, fit, relative


def _vec(**values: float) -> list[float]:
    return [values.get(name, 0.0) for name in FEATURES]


def _records(set_name: str, good_label: int, n: int = 12) -> list[fitting.Record]:
    """Questions whose candidates differ only by ``dense``; in this set the higher one is right when
    ``good_label`` is 1, wrong otherwise (the other candidate then is)."""
    out = []
    for i in range(n):
        out.append(fitting.Record(set=set_name, id=f"{set_name}-{i}", kind="paraphrase", answerable=True,
                                  vectors=[_vec(dense=0.8), _vec(dense=0.2)], labels=[good_label, 1 - good_label]))
    return out


def test_shipped_model_loads_and_was_fitted_on_every_question_set():
    ranker = Ranker.load()
    assert tuple(ranker.features) == FEATURES
    assert 0.0 < ranker.threshold < 1.0
    # A question set added without refitting (`assistant eval --fit`) fails here.
    assert sorted(ranker.fitted_on) == sorted(fitting.eval_sets())
    assert ranker.n_questions >= 300 and ranker.n_candidates > ranker.n_questions


def test_model_file_round_trips(tmp_path):
    questions = [([_vec(dense=0.9), _vec(dense=0.1)], [1, 0], True)] * 5 + [([_vec(dense=0.1)], [0], False)] * 5
    ranker = fit(questions, fitted_on=["a"])
    path = tmp_path / "selector.json"
    ranker.save(path)
    again = Ranker.load(path)
    assert again == ranker
    n, p = again.top([_vec(dense=0.1), _vec(dense=0.9)])
    assert n == 1 and p >= again.threshold
    assert again.top([_vec(dense=0.1)])[1] < again.threshold


@pytest.mark.parametrize("content", ["{not json", json.dumps({"coef": [1.0]}), ""])
def test_corrupt_model_file_names_the_file_and_the_fix(tmp_path, content):
    path = tmp_path / "selector.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IndexFileError, match=r"selector\.json.*assistant eval --fit"):
        Ranker.load(path)


def test_model_fitted_on_other_features_is_refused(tmp_path):
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    data["features"] = [*data["features"][:-1], "something_else"]
    path = tmp_path / "selector.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexFileError, match="other features"):
        Ranker.load(path)


def test_train_picks_the_better_candidate_and_abstains_where_nothing_answers():
    records = _records("a", good_label=1)
    # Unanswerable questions whose only candidate is far: the bar should sit above them.
    records += [fitting.Record(set="a", id=f"oos-{i}", kind="out_of_scope", answerable=False,
                               vectors=[_vec(dense=0.05)], labels=[0]) for i in range(12)]
    ranker = fitting.train(records)
    assert all(fitting.outcome(ranker, r) for r in records)
    chosen, p = ranker.choose([])
    assert chosen is None and p == 0.0


def test_leave_one_report_out_never_trains_on_the_held_out_set():
    """Set b contradicts set a: each fold is fitted on the other set alone, so both go wrong, which shows
    the held-out set was left out; fitted on everything, the majority (a) wins."""
    records = _records("a", good_label=1, n=30) + _records("b", good_label=0, n=6)
    folds = {f.set: f for f in fitting.loro(records)}
    assert folds["a"].accuracy == 0.0 and folds["b"].accuracy == 0.0
    everything = fitting.train(records)
    assert all(fitting.outcome(everything, r) for r in records if r.set == "a")


def test_fixed_outcomes_are_kept_as_they_were_and_gate_reports_every_shortfall():
    records = _records("a", good_label=1) + [fitting.Record(set="b", id="x", kind="code_lookup", answerable=True,
                                                            fixed=False)]
    records += _records("b", good_label=1, n=3)
    folds = fitting.loro(records)
    b = next(f for f in folds if f.set == "b")
    assert b.kinds["code_lookup"] == [False]
    fails = fitting.gate(folds, {"mean": 0.99, "worst": 0.99, "min_kind": 0.5})
    assert any(f.startswith("LORO worst") for f in fails) and any("code_lookup" in f for f in fails)


@pytest.mark.slow
def test_each_set_is_asked_with_its_own_router_and_the_shipped_one_comes_back(multi_bot, monkeypatch):
    """``collect`` with per-set routers (``router_folds``): every routing decision for a set's questions is
    made with that set's router, and the shipped router is back in place afterwards."""
    from assistant import evaluate
    from assistant.route import Router

    shipped = multi_bot.router.params
    routers = {"dev": shipped.model_copy(update={"intercept": -1.0}),
               "multi": shipped.model_copy(update={"intercept": -2.0})}
    seen: list[tuple[str, float]] = []
    asking = {"set": ""}
    real = Router.route

    def route(self, query, history=None):
        seen.append((asking["set"], self.params.intercept))
        return real(self, query, history)

    monkeypatch.setattr(Router, "route", route)
    sets = {"dev": [evaluate.EvalItem(id="d", kind="paraphrase", question="when is the procedure done under ct",
                                      answerable=True)],
            "multi": [evaluate.EvalItem(id="m", kind="paraphrase", question="which modifier when it was stopped early",
                                        answerable=True)]}
    fitting.collect(multi_bot, _Tagged(sets, asking), routers)
    assert {s for s, _ in seen} == {"dev", "multi"}
    assert all(intercept == routers[s].intercept for s, intercept in seen)
    assert multi_bot.router.params == shipped


class _Tagged(dict):
    """A dict of sets that notes which set is being asked as ``collect`` walks it."""

    def __init__(self, sets, note):
        super().__init__(sets)
        self.note = note

    def items(self):
        for name, items in super().items():
            self.note["set"] = name
            yield name, items


@pytest.mark.slow
def test_eval_loro_command_prints_both_arms_and_refits(embedder, monkeypatch, tmp_path, capsys):
    """`assistant eval --loro --fit` on a small corpus and two small sets: both arms printed per set, the
    selector refitted on exactly those sets and saved, the gate applied to the shipped arm."""
    from conftest import MULTI_FILES

    import assistant.assistant as facade
    from assistant import cli, evaluate, rank

    monkeypatch.setattr(facade, "Embedder", lambda model=None, *a, **kw: embedder)
    monkeypatch.setattr(fitting, "corpus_files", lambda: list(MULTI_FILES))
    dev = evaluate.load_items(fitting.EVAL / "questions.jsonl")
    multi = evaluate.load_items(fitting.EVAL / "questions_multi.jsonl")
    monkeypatch.setattr(fitting, "load_sets", lambda names=None: {"dev": dev[::4], "multi": multi[::2]})
    saved = tmp_path / "selector.json"
    monkeypatch.setattr(rank, "MODEL_FILE", saved)
    code = cli.main(["--model", embedder.model_name, "eval", "--loro", "--fit", "--no-gate",
                     "--work", str(tmp_path / "work")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "fitted selector, leave-one-report-out" in out and "hand-set rules" in out
    assert re.search(r"^\s+dev\s+57\s+\d+\.\d%", out, re.M) and re.search(r"^\s+multi\s+40\s", out, re.M)
    assert Ranker.load(saved).fitted_on == ["dev", "multi"]


def test_each_candidate_is_seen_beside_the_best_of_its_question():
    # Raw values, then the gap to the question's best value, then whether it has that best value.
    rows = relative([[0.2, 1.0], [0.5, 0.0]])
    assert rows[0] == [0.2, 1.0, -0.3, 0.0, 0.0, 1.0]
    assert rows[1] == [0.5, 0.0, 0.0, -1.0, 1.0, 0.0]


def test_the_same_similarity_ranks_differently_among_different_rivals():
    """Relative features let a fitted model prefer the question's best candidate even when its raw score
    is lower than a losing candidate's elsewhere: what wins is decided within a question."""
    questions = []
    for top, other in ((0.9, 0.8), (0.5, 0.4), (0.3, 0.2)):
        questions += [([_vec(dense=top), _vec(dense=other)], [1, 0], True)] * 4
    ranker = fit(questions, fitted_on=["a"])
    assert ranker.top([_vec(dense=0.35), _vec(dense=0.25)])[0] == 0
    assert ranker.top([_vec(dense=0.7), _vec(dense=0.85)])[0] == 1
