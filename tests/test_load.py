"""The load test of issue 7, CI-sized: the app in-process on loopback, 4 clients × 5 questions at once.

The full-size run is the bench command ``.venv/bin/python bench/load.py`` (20 clients × 25 questions).
Both share ``bench/load.py``: the question draw, the reference pass and the comparison.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOAD_PY = ROOT / "bench" / "load.py"

pytestmark = [
    # Raised inside gradio's queue (pandas 3 deprecations), not by this code.
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning"),
]


def _load_module():
    spec = importlib.util.spec_from_file_location("bench_load", LOAD_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


load = _load_module()


@pytest.fixture(scope="module")
def items():
    """One eval item of every kind: follow-ups with history, out-of-scope questions, typos..."""
    from assistant.evaluate import load_items

    by_kind: dict = {}
    for it in load_items(ROOT / "eval" / "questions.jsonl"):
        by_kind.setdefault(it.kind, it)
    assert any(it.history for it in by_kind.values()), "the draw should include a follow-up with history"
    return list(by_kind.values())


@pytest.fixture(scope="module")
def url(bot):
    """The app built on the session bot, launched in this process on a free loopback port."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import app

    demo = app.build_ui(bot)
    port = load.free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                **app.launch_options())
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.mark.slow
def test_concurrent_clients_get_the_single_client_answers(url, items, bot):
    plan = load.Plan(clients=4, questions=5, request_timeout=60, deadline=180)
    report = load.run(url, items, plan)
    print("\n" + load.table(report))
    assert report.errors == []
    assert report.skipped == 0
    assert report.mismatches == []
    assert len(report.latencies_ms) == plan.clients * plan.questions
    # Same question from several clients at once: the draw overlaps, so equality is tested under contention.
    assert report.distinct < plan.clients * plan.questions


@pytest.mark.slow
def test_reference_answers_equal_the_library(url, items, bot):
    """The oracle behind the comparison: one client over HTTP gets what ``bot.ask`` returns in-process."""
    plan = load.Plan(clients=1, questions=len(items))
    keys = [k for w in load.draw(items, plan) for k in w]
    refs, _ = load.reference(url, keys, plan)
    for (question, history), got in refs.items():
        want = bot.ask(question, history=list(history))
        assert load.comparable(got) == (want.text, want.answered, [c.chunk_id for c in want.citations]), question


@pytest.mark.parametrize("target", ["http://10.0.0.1:7860/", "http://example.com/", "http://0.0.0.0:7860/",
                                    "http://[::ffff:8.8.8.8]/"])
def test_refuses_non_loopback_targets(target):
    with pytest.raises(ValueError, match="loopback"):
        load.require_loopback(target)


@pytest.mark.parametrize("target", ["http://127.0.0.1:7860/", "http://localhost:1/", "http://[::1]:7860/"])
def test_accepts_loopback_targets(target):
    load.require_loopback(target)


def test_draw_is_bounded_and_deterministic(items):
    plan = load.Plan(clients=3, questions=4, seed=7)
    first, again = load.draw(items, plan), load.draw(items, plan)
    assert first == again
    assert [len(w) for w in first] == [4, 4, 4]
