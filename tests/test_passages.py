"""The passage store (issue 13): sentence and cell embeddings made at build time, one model call a question."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from assistant import index as idx
from assistant.embed import Embedder
from assistant.errors import IndexFileError
from assistant.evaluate import load_items
from assistant.ingest import load_corpus, sentences
from assistant.passages import passage_texts
from assistant.query import parse, with_earlier
from assistant.select import query_views


def _live(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


class Counting:
    """Counts (and records) the batches an embedder sends to its model: a wrapper around our own
    ``Embedder.encode``, which still runs."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder, self.inner, self.batches = embedder, embedder.encode, []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner(texts)

    def __enter__(self) -> Counting:
        self.embedder.encode = self  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        del self.embedder.encode  # back to the class's method


@pytest.fixture
def built(shipped_build, tmp_path):
    corpus, index_dir, index = shipped_build
    copies = Path(shutil.copytree(corpus, tmp_path / "corpus")), Path(shutil.copytree(index_dir, tmp_path / "index"))
    return *copies, index


# -- what is stored --------------------------------------------------------------------------------


def test_store_holds_every_sentence_and_cell_the_selector_embeds(shipped_build):
    _, index_dir, index = shipped_build
    wanted = {s for c in index.chunks if c.kind == "prose" for s in sentences(c.text)}
    wanted |= {cell for c in index.chunks if c.kind == "row" for cell in c.cells[1:] if cell}
    assert set(index.passages.texts) == wanted
    assert len(index.passages.texts) == len(wanted)  # distinct
    loaded = idx.load(index_dir)
    assert loaded.passages.texts == index.passages.texts
    assert np.array_equal(loaded.passages.vectors, index.passages.vectors)
    assert loaded.passages.vectors.dtype == np.float32
    m = loaded.manifest
    assert m.n_passages == len(wanted) and m.passages_embedded == len(wanted)
    assert {"passages.npy", "passages.json"} <= set(m.checksums)


def test_stored_vectors_are_the_models_embeddings_of_the_texts(shipped_build, embedder):
    _, _, index = shipped_build
    sample = list(range(0, len(index.passages), 5))
    again = embedder.encode([index.passages.texts[i] for i in sample])
    assert np.allclose(again, index.passages.vectors[sample], atol=1e-4)


def test_empty_corpus_builds_an_empty_store(tmp_path, embedder):
    (tmp_path / "corpus").mkdir()
    index = idx.build([], [], embedder, tmp_path / "index")
    loaded = idx.load(tmp_path / "index")
    assert len(index.passages) == len(loaded.passages) == 0


# -- damage and old schemas ------------------------------------------------------------------------


@pytest.mark.parametrize("name,damage", [
    ("passages.npy", Path.unlink),
    ("passages.json", Path.unlink),
    ("passages.npy", lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
    ("passages.json", lambda p: p.write_text(p.read_text(encoding="utf-8").replace("a", "b", 1), encoding="utf-8")),
])
def test_damaged_store_is_refused_naming_file_and_command(built, name, damage):
    _, index_dir, _ = built
    damage(_live(index_dir) / name)
    with pytest.raises(IndexFileError) as info:
        idx.load(index_dir)
    assert name in str(info.value) and "assistant build" in str(info.value)


def test_store_disagreeing_with_its_manifest_is_refused(built):
    _, index_dir, _ = built
    mpath = _live(index_dir) / "manifest.json"
    manifest = json.loads(mpath.read_text(encoding="utf-8"))
    manifest["n_passages"] += 1
    mpath.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexFileError, match=r"passage store .* inconsistent.*assistant build"):
        idx.load(index_dir)


def test_index_of_the_previous_schema_is_rebuilt_reusing_its_chunk_vectors(built, load_bot):
    corpus, index_dir, index = built
    folder = _live(index_dir)
    mpath = folder / "manifest.json"
    manifest = json.loads(mpath.read_text(encoding="utf-8"))
    for name in ("passages.npy", "passages.json"):
        (folder / name).unlink()
        del manifest["checksums"][name]
    manifest["schema_version"] = 2
    del manifest["n_passages"], manifest["passages_embedded"]
    mpath.write_text(json.dumps(manifest), encoding="utf-8")
    old = idx.load(index_dir)  # loads: its chunk vectors are still good
    assert len(old.passages) == 0
    bot = load_bot(corpus, index_dir)
    assert bot.rebuilt == f"schema version 2 (this code writes {idx.SCHEMA_VERSION})"
    assert bot.index.manifest.embedded == 0
    assert bot.index.manifest.passages_embedded == len(index.passages)
    assert idx.load(index_dir).passages.texts == index.passages.texts


def test_incremental_build_embeds_only_new_passages(multi_bot, tmp_path, embedder):
    corpus = Path(shutil.copytree(multi_bot.settings.corpus_dir, tmp_path / "corpus"))
    index_dir = Path(shutil.copytree(multi_bot.settings.index_dir, tmp_path / "index"))
    first = idx.load(index_dir)
    path = corpus / "0441T.txt"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "two freeze-thaw cycles are delivered", "three freeze-thaw cycles are delivered"), encoding="utf-8")
    docs, issues = load_corpus(corpus)
    second = idx.build(docs, issues, embedder, index_dir, previous=first)
    new = set(second.passages.texts) - set(first.passages.texts)
    assert new and all("three freeze-thaw" in t for t in new)
    assert second.manifest.passages_embedded == len(new)
    old = dict(zip(first.passages.texts, first.passages.vectors, strict=True))
    for text, vec in zip(second.passages.texts, second.passages.vectors, strict=True):
        if text in old:
            assert np.array_equal(vec, old[text])
    assert set(second.passages.texts) == set(passage_texts(second.chunks))


# -- the embedder's caches -------------------------------------------------------------------------


def test_primed_texts_never_reach_the_model(shipped_build):
    _, _, index = shipped_build
    emb = Embedder()  # not loaded: priming and serving primed text must not load the model
    emb.prime(index.passages.texts, index.passages.vectors)
    got = emb.encode_cached(index.passages.texts[:7])
    assert np.array_equal(got, index.passages.vectors[:7])
    assert not emb.loaded
    with pytest.raises(ValueError, match="one vector per text"):
        emb.prime(["a", "b"], index.passages.vectors[:1])


def test_query_views_are_one_model_call(embedder):
    embedder.clear_queries()
    with Counting(embedder) as calls:
        a, b = embedder.encode_queries(["modifier 53 for 0441t", "modifier 53 for"])
        again = embedder.encode_query("modifier 53 for")
        embedder.expect_queries(["is 0600t covered", "is covered"])
        embedder.encode_query("is 0600t covered")
        embedder.encode_query("is covered")
    assert calls.batches == [["modifier 53 for 0441t", "modifier 53 for"], ["is 0600t covered", "is covered"]]
    assert np.array_equal(again, b) and not np.array_equal(a, b)
    assert np.allclose(a, embedder.encode(["modifier 53 for 0441t"])[0], atol=1e-5)


def test_every_eval_question_costs_at_most_one_model_call(bot, embedder):
    """Issue 13: with report text served from the store, a question new to the process embeds only itself."""
    # The session's embedder serves every test's bots: start from what a fresh process holds.
    embedder.clear_queries()
    embedder.forget_texts()
    embedder.prime(bot.index.passages.texts, bot.index.passages.vectors)
    items = load_items(ROOT / "eval" / "questions.jsonl")
    over = []
    with Counting(embedder) as calls:
        for it in items:
            before = len(calls.batches)
            bot.ask(it.question, history=it.history)
            batches = calls.batches[before:]
            q = parse(it.question, bot.catalog, it.history)
            # A follow-up may be retried with the earlier question's situation, and routed by the earlier turn:
            # those views join the call.
            wider = with_earlier(q, it.history)
            earlier = parse(it.history[-1], bot.catalog, it.history[:-1]) if q.followup and it.history else None
            views = set(query_views(q)) | (set(query_views(wider)) if wider else set())
            views |= set(query_views(earlier)) if earlier else set()
            # Within a report it names, the question is also read without the words that make it that report.
            views |= {bot.select.unscoped(q, set(q.reports))} if q.reports else set()
            if len(batches) > 1 or any(set(b) - views for b in batches):
                over.append((it.question, batches))
    assert not over, f"{len(over)} questions embedded more than their own views in one call: {over[:3]}"
    assert len(calls.batches) > len(items) // 2  # most questions do need the model: the count is real
