"""The index folder: round trip, FAISS vs brute force, staleness, incremental builds, corruption, crashes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, MULTI_FILES

from assistant import index as idx
from assistant.embed import embed_text
from assistant.errors import IndexFileError
from assistant.ingest import load_corpus

pytestmark = pytest.mark.slow

QUERIES = [
    "when do I use modifier 53?",
    "assistant surgeon",
    "kidney tumor ablation",
    "CT guidance",
    "typical site of service",
    "which payers are covered",
    "lung metastasis",
    "urology",
]


@pytest.fixture
def corpus(shipped_build, tmp_path) -> Path:
    return Path(shutil.copytree(shipped_build[0], tmp_path / "corpus"))


@pytest.fixture
def built(shipped_build, tmp_path):
    """A copy of the built single-report index: (index_dir, the Index the build returned)."""
    index_dir = Path(shutil.copytree(shipped_build[1], tmp_path / "index"))
    return index_dir, shipped_build[2]


@pytest.fixture
def multi(multi_bot, tmp_path):
    """A copy of the three-report corpus and its built index: (corpus_dir, index_dir)."""
    corpus = Path(shutil.copytree(multi_bot.settings.corpus_dir, tmp_path / "corpus"))
    index_dir = Path(shutil.copytree(multi_bot.settings.index_dir, tmp_path / "index"))
    return corpus, index_dir


def _live(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


# -- round trip ----------------------------------------------------------------------------------


def test_round_trip(built, corpus, embedder):
    index_dir, index = built
    loaded = idx.load(index_dir)
    assert loaded.chunks == index.chunks
    assert np.array_equal(loaded.vectors, index.vectors)
    assert loaded.vectors.dtype == np.float32
    assert loaded.faiss.ntotal == len(loaded.chunks) == loaded.manifest.n_chunks
    m = loaded.manifest
    docs, _ = load_corpus(corpus)
    assert m.model == embedder.model_name
    assert m.dim == embedder.dim == loaded.vectors.shape[1]
    assert m.schema_version == idx.SCHEMA_VERSION
    assert m.corpus_hash == idx.corpus_hash(docs)
    assert m.documents["0600T.txt"].code == "0600T"
    assert m.documents["0600T.txt"].chunks == len(docs[0].chunks)
    assert set(m.checksums) == set(idx.FILES)
    assert loaded.stale_reason(docs, embedder.model_name) is None


def test_index_folder_is_self_describing_and_pickle_free(built):
    index_dir, index = built
    folder = _live(index_dir)
    assert {p.name for p in folder.iterdir()} >= {*idx.FILES, "manifest.json"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in ("model", "dim", "corpus_hash", "schema_version", "built_at"):
        assert key in manifest
    lines = (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [c.id for c in index.chunks]
    np.load(folder / "vectors.npy", allow_pickle=False)  # raises if it needed pickle


def test_vectors_are_the_normalised_embeddings_of_the_chunks(built, embedder):
    _, index = built
    norms = np.linalg.norm(index.vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    sample = list(range(0, len(index.chunks), 7))
    again = embedder.encode([embed_text(index.chunks[i]) for i in sample])
    assert np.allclose(again, index.vectors[sample], atol=1e-4)


# -- differential: FAISS equals NumPy brute force -----------------------------------------------


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_faiss_search_equals_brute_force(built, corpus, tmp_path, embedder, index_type):
    docs, issues = load_corpus(corpus)
    # Every vector is reused from the built index; only the FAISS structure differs.
    index = idx.build(docs, issues, embedder, tmp_path / "ix", previous=built[1], index_type=index_type)
    assert index.manifest.embedded == 0 and index.manifest.index_type == index_type
    k = 10
    for q in QUERIES:
        vec = embedder.encode_query(q)
        got = index.search(vec, k)
        scores = index.vectors @ vec
        order = np.argsort(-scores, kind="stable")[:k]
        assert len(got) == k
        for i, s in got:
            assert s == pytest.approx(float(scores[i]), abs=1e-4)
        assert [s for _, s in got] == pytest.approx([float(scores[i]) for i in order], abs=1e-4)
        # Same set of positions, up to ties at the cut-off.
        cutoff = float(scores[order[-1]])
        assert {i for i, s in got if s > cutoff + 1e-5} == {
            int(i) for i in order if scores[i] > cutoff + 1e-5
        }


def test_each_vector_finds_itself(built):
    _, index = built
    for i, vec in enumerate(index.vectors):
        (top, score), *_ = index.search(vec, 1)
        assert top == i and score == pytest.approx(1.0, abs=1e-4)


def test_search_k_larger_than_index(built, embedder):
    _, index = built
    got = index.search(embedder.encode_query("modifier"), 10_000)
    assert sorted(i for i, _ in got) == list(range(len(index.chunks)))
    assert index.search(embedder.encode_query("modifier"), 0) == []


# -- staleness -----------------------------------------------------------------------------------


def test_stale_when_corpus_changes(built, corpus, embedder):
    index_dir, _ = built
    loaded = idx.load(index_dir)
    path = corpus / "0600T.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nA new closing paragraph added by an editor.", encoding="utf-8"
    )
    docs, _ = load_corpus(corpus)
    reason = loaded.stale_reason(docs, embedder.model_name)
    assert reason and "corpus" in reason


def test_stale_when_a_file_is_added(built, corpus, embedder):
    index_dir, _ = built
    shutil.copy2(MULTI_FILES[1], corpus / MULTI_FILES[1].name)
    docs, _ = load_corpus(corpus)
    assert idx.load(index_dir).stale_reason(docs, embedder.model_name)


def test_stale_when_the_same_file_is_read_differently(built, corpus, embedder):
    """A reader that parses an unchanged file into other chunks (a new Markdown reader, say) must not be
    served the index the old reading built."""
    index_dir, _ = built
    docs, _ = load_corpus(corpus)
    doc = docs[0]
    reread = doc.model_copy(update={"chunks": doc.chunks[1:]})
    assert idx.load(index_dir).stale_reason([reread, *docs[1:]], embedder.model_name)
    assert idx.load(index_dir).stale_reason(docs, embedder.model_name) is None


def test_stale_when_model_differs(built, corpus):
    index_dir, _ = built
    docs, _ = load_corpus(corpus)
    reason = idx.load(index_dir).stale_reason(docs, "some/other-model")
    assert reason and "some/other-model" in reason


def test_assistant_load_builds_when_there_is_no_index(corpus, tmp_path, load_bot):
    bot = load_bot(corpus, tmp_path / "fresh")
    assert bot.rebuilt == "no index yet"
    assert (tmp_path / "fresh" / "CURRENT").is_file()
    assert bot.ask("when do I use modifier 53?").answered


def test_assistant_load_rebuilds_on_change_and_not_otherwise(built, corpus, load_bot):
    index_dir, index = built
    second = load_bot(corpus, index_dir)
    assert second.rebuilt is None
    assert second.index.chunks == index.chunks
    path = corpus / "0600T.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("intra-procedural complication", "a vasovagal episode"),
        encoding="utf-8",
    )
    third = load_bot(corpus, index_dir)
    assert third.rebuilt and "corpus" in third.rebuilt
    assert third.index.manifest.embedded == 1
    assert "vasovagal" in third.ask("when do I use modifier 53?").text


def test_assistant_load_rebuilds_when_manifest_names_another_model(built, corpus, load_bot, embedder):
    index_dir, _ = built
    mpath = _live(index_dir) / "manifest.json"
    manifest = json.loads(mpath.read_text(encoding="utf-8"))
    manifest["model"] = "some/other-model"
    mpath.write_text(json.dumps(manifest), encoding="utf-8")
    bot = load_bot(corpus, index_dir)
    assert bot.rebuilt and "model" in bot.rebuilt
    assert bot.index.manifest.model == embedder.model_name
    assert bot.index.manifest.embedded == len(bot.index.chunks)  # other model's vectors are not reused


# -- incremental builds --------------------------------------------------------------------------


def test_incremental_build_reembeds_only_changed_document(multi, embedder):
    corpus, index_dir = multi
    first = idx.load(index_dir)
    assert first.manifest.embedded == len(first.chunks)

    path = corpus / "0441T.txt"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "because of patient intolerance or a vasovagal episode",
        "because of patient intolerance or a hypotensive episode",
    )
    text = text.replace("two freeze-thaw cycles are delivered", "three freeze-thaw cycles are delivered")
    path.write_text(text, encoding="utf-8")
    docs, issues = load_corpus(corpus)
    previous = idx.load(index_dir)
    second = idx.build(docs, issues, embedder, index_dir, previous=previous)

    old_ids = {c.id for c in first.chunks}
    new = [c for c in second.chunks if c.id not in old_ids]
    assert new and all(c.doc_code == "0441T" for c in new)
    assert second.manifest.embedded == len(new) == 2
    old_vec = {c.id: first.vectors[i] for i, c in enumerate(first.chunks)}
    for i, c in enumerate(second.chunks):
        if c.id in old_vec:
            assert np.array_equal(second.vectors[i], old_vec[c.id])
    changed = {
        s
        for s, e in second.manifest.documents.items()
        if e.content_hash != first.manifest.documents[s].content_hash
    }
    assert changed == {"0441T.txt"}
    assert idx.load(index_dir).chunks == second.chunks


def test_removed_document_leaves_the_index(multi, load_bot):
    corpus, index_dir = multi
    first = load_bot(corpus, index_dir)
    assert first.rebuilt is None
    assert {c.doc_code for c in first.index.chunks} == {"0600T", "0441T", "0581T"}
    (corpus / "0581T.txt").unlink()
    bot = load_bot(corpus, index_dir)
    assert bot.rebuilt
    assert {c.doc_code for c in bot.index.chunks} == {"0600T", "0441T"}
    assert "0581T.txt" not in bot.index.manifest.documents
    assert bot.index.manifest.embedded == 0
    ans = bot.ask("modifier 76")
    assert not ans.answered and not ans.citations


def test_bad_file_added_keeps_what_was_indexed(multi, load_bot):
    corpus, index_dir = multi
    shutil.copy2(Path(__file__).parent / "data" / "bad" / "binary.txt", corpus / "binary.txt")
    bot = load_bot(corpus, index_dir)
    assert {c.doc_code for c in bot.index.chunks} == {"0600T", "0441T", "0581T"}
    assert bot.rebuilt is None  # a skipped file does not change what the index serves
    assert any(i.level == "error" and "binary.txt" in i.path for i in bot.issues)
    assert bot.ask("modifier 53 for 0441T").answered


# -- corrupted index files -----------------------------------------------------------------------


def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 16] = bytes(b ^ 0xFF for b in data[mid : mid + 16])
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _edit_chunk_store(path: Path) -> None:
    path.write_text(
        path.read_text(encoding="utf-8").replace("Discontinued procedure", "Discontinued procedures"),
        encoding="utf-8",
    )


CORRUPTIONS = {
    "vectors.npy flipped": ("vectors.npy", _flip_bytes),
    "chunks.jsonl edited": ("chunks.jsonl", _edit_chunk_store),
    "chunks.jsonl truncated": ("chunks.jsonl", _truncate),
    "vectors.faiss truncated": ("vectors.faiss", _truncate),
    "vectors.npy missing": ("vectors.npy", Path.unlink),
    "manifest.json missing": ("manifest.json", Path.unlink),
    "manifest.json garbage": ("manifest.json", lambda p: p.write_text("{not json", encoding="utf-8")),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_corrupted_index_is_refused_naming_file_and_command(built, case):
    index_dir, _ = built
    name, damage = CORRUPTIONS[case]
    damage(_live(index_dir) / name)
    with pytest.raises(IndexFileError) as info:
        idx.load(index_dir)
    msg = str(info.value)
    assert name in msg
    assert "assistant build" in msg


def test_manifest_with_another_dimension_is_refused(built):
    index_dir, _ = built
    mpath = _live(index_dir) / "manifest.json"
    manifest = json.loads(mpath.read_text(encoding="utf-8"))
    manifest["dim"] = 512
    mpath.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexFileError, match="assistant build"):
        idx.load(index_dir)


def test_missing_current_pointer(built):
    index_dir, _ = built
    (index_dir / "CURRENT").unlink()
    with pytest.raises(IndexFileError, match="assistant build"):
        idx.load(index_dir)


def test_current_pointing_nowhere(built):
    index_dir, _ = built
    (index_dir / "CURRENT").write_text("build-0", encoding="utf-8")
    with pytest.raises(IndexFileError, match="assistant build"):
        idx.load(index_dir)


def test_current_pointer_with_garbage_bytes(built):
    index_dir, _ = built
    (index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(IndexFileError, match="assistant build"):
        idx.load(index_dir)


def test_assistant_load_rebuilds_over_garbage_current(built, corpus, load_bot):
    index_dir, _ = built
    (index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00garbage")
    bot = load_bot(corpus, index_dir)
    assert bot.rebuilt
    assert bot.ask("when do I use modifier 53?").answered


# A rebuild re-embeds everything; three kinds of damage keep the suite quick.
@pytest.mark.parametrize("case", ["vectors.npy flipped", "vectors.faiss truncated", "manifest.json missing"])
def test_assistant_load_rebuilds_a_corrupted_index_and_answers(built, corpus, load_bot, case):
    index_dir, index = built
    name, damage = CORRUPTIONS[case]
    damage(_live(index_dir) / name)
    bot = load_bot(corpus, index_dir)
    assert bot.rebuilt and name in bot.rebuilt
    assert bot.index.chunks == index.chunks
    ans = bot.ask("when do I use modifier 53?")
    assert ans.answered and "Discontinued procedure" in ans.text
    assert idx.load(index_dir).chunks == index.chunks


# -- atomic builds -------------------------------------------------------------------------------


class SimulatedCrash(Exception):
    pass


def _crash(*args, **kwargs):
    raise SimulatedCrash("the build died here")


def _changed_docs(corpus: Path):
    path = corpus / "0600T.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Reduced services", "Reduced service level"),
        encoding="utf-8",
    )
    return load_corpus(corpus)


@pytest.mark.parametrize("target", ["numpy.save", "faiss.write_index", "os.replace"])
def test_crash_mid_build_leaves_previous_index_live(built, corpus, embedder, monkeypatch, target):
    import faiss

    index_dir, old = built
    pointer_before = (index_dir / "CURRENT").read_text(encoding="utf-8")
    docs, issues = _changed_docs(corpus)
    module, attr = {
        "numpy.save": (np, "save"),
        "faiss.write_index": (faiss, "write_index"),
        "os.replace": (os, "replace"),
    }[target]
    with monkeypatch.context() as m:
        m.setattr(module, attr, _crash)
        with pytest.raises(SimulatedCrash):
            idx.build(docs, issues, embedder, index_dir, previous=idx.load(index_dir))
    assert (index_dir / "CURRENT").read_text(encoding="utf-8") == pointer_before
    assert len(list(index_dir.glob("build-*"))) == 2  # the half-written folder is left, not live
    loaded = idx.load(index_dir)
    assert loaded.chunks == old.chunks
    assert np.array_equal(loaded.vectors, old.vectors)
    # The next good build takes over and clears the debris.
    new = idx.build(docs, issues, embedder, index_dir, previous=loaded)
    assert idx.load(index_dir).chunks == new.chunks
    assert [p.name for p in index_dir.glob("build-*")] == [_live(index_dir).name]


def test_crash_with_oserror_is_an_index_file_error(built, corpus, embedder, monkeypatch):
    index_dir, old = built
    docs, issues = _changed_docs(corpus)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    previous = idx.load(index_dir)
    monkeypatch.setattr(np, "save", disk_full)
    with pytest.raises(IndexFileError, match="No space left"):
        idx.build(docs, issues, embedder, index_dir, previous=previous)
    monkeypatch.undo()
    assert idx.load(index_dir).chunks == old.chunks


CHILD = r"""
import sys, time
from pathlib import Path
import faiss
real = faiss.write_index
def slow_write(*args):
    real(*args)
    Path(sys.argv[3]).write_text("in build")
    time.sleep(120)
faiss.write_index = slow_write
from assistant.cli import main
raise SystemExit(main(["--corpus", sys.argv[1], "--index", sys.argv[2], "build"]))
"""


def test_sigkill_during_build_leaves_previous_index(built, corpus, tmp_path, load_bot):
    """A real `assistant build` process killed (SIGKILL) while it writes the new index folder."""
    index_dir, old = built
    before = load_bot(corpus, index_dir)
    answer_before = before.ask("when do I use modifier 53?")
    marker = tmp_path / "marker"
    _changed_docs(corpus)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(corpus), str(index_dir), str(marker)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            assert time.monotonic() < deadline, "the build never reached the write"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    loaded = idx.load(index_dir)
    assert loaded.chunks == old.chunks
    # Restore the corpus the old index was built for: it answers exactly as before the kill.
    shutil.copy2(CORPUS / "0600T.txt", corpus / "0600T.txt")
    after = load_bot(corpus, index_dir)
    assert after.rebuilt is None
    assert after.ask("when do I use modifier 53?") == answer_before


def test_unwritable_index_location_is_an_index_file_error(corpus, tmp_path, embedder):
    """Writing under a regular file fails even as root; the message must name the fix."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    docs, issues = load_corpus(corpus)
    with pytest.raises(IndexFileError) as info:
        idx.build(docs, issues, embedder, blocker / "index")
    msg = str(info.value)
    assert str(blocker / "index") in msg
    assert "writable" in msg


def test_unwritable_index_message_names_existing_cli_flag(corpus, tmp_path, embedder):
    from assistant.cli import build_parser

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    docs, issues = load_corpus(corpus)
    with pytest.raises(IndexFileError) as info:
        idx.build(docs, issues, embedder, blocker / "index")
    flags = set(re.findall(r"--[a-z][a-z-]*", str(info.value)))
    known = {opt for action in build_parser()._actions for opt in action.option_strings}
    assert flags and flags <= known, f"{flags - known} are not options of the CLI"


def test_read_only_index_dir(built, corpus, embedder):
    index_dir, old = built
    index_dir.chmod(0o555)
    try:
        if os.access(index_dir, os.W_OK):
            pytest.skip("running as root: chmod does not make the folder read-only")
        docs, issues = _changed_docs(corpus)
        with pytest.raises(IndexFileError) as info:
            idx.build(docs, issues, embedder, index_dir, previous=old)
        assert str(index_dir) in str(info.value)
        assert idx.load(index_dir).chunks == old.chunks
    finally:
        index_dir.chmod(0o755)
