"""The embedding model through ONNX Runtime: exported once, checked against sentence-transformers, used
by later processes without torch, and never used when the export is missing, partial or failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.embed import Embedder, resolve_model
from assistant.onnxmodel import PROBES, OnnxModel

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["when do I use modifier 53?", "taxonmy for ent", "Modifier 53 | Discontinued procedure | Use when the IRE "
         "was started but terminated", "a long passage " * 200]


@pytest.fixture(scope="module")
def exported(embedder, tmp_path_factory) -> Path:
    """A cache folder holding a checked export of the shipped model."""
    from sentence_transformers import SentenceTransformer

    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_CACHE", str(cache))
        path = resolve_model(None)
        OnnxModel.export(path, SentenceTransformer(str(path), device="cpu"))
    return cache


def test_the_export_gives_the_sentence_transformers_vectors(exported, embedder, monkeypatch):
    (check,) = [json.loads(p.read_text()) for p in exported.glob("onnx/*/check.json")]
    assert check["ok"] and check["max_diff"] <= 1e-5 and check["max_length"] == 256
    monkeypatch.setenv("ASSISTANT_CACHE", str(exported))
    onnx = OnnxModel.load(resolve_model(None))
    assert onnx is not None
    want = embedder._model.encode(TEXTS, normalize_embeddings=True) if embedder._model is not None else None
    got = onnx.encode(TEXTS, batch_size=3)  # batches of unequal length are padded apart
    if want is None:  # the session's embedder already runs through ONNX: compare with torch directly
        from sentence_transformers import SentenceTransformer

        want = SentenceTransformer(str(resolve_model(None)), device="cpu").encode(TEXTS, normalize_embeddings=True)
    assert np.abs(got - want).max() <= 1e-5
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_a_later_process_embeds_without_torch(exported):
    code = ("import sys; from assistant.embed import Embedder; e = Embedder(); e.warm_up(); "
            "v = e.encode(['when do I use modifier 53?']); "
            "print(e.runtime, 'torch' in sys.modules, 'sentence_transformers' in sys.modules, v.shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, "ASSISTANT_CACHE": str(exported)}, check=True)
    assert out.stdout.split() == ["onnxruntime", "False", "False", "(1,", "384)"], out.stderr[-2000:]


@pytest.mark.parametrize("damage", ["check_failed", "model_truncated", "check_missing"])
def test_a_failed_or_partial_export_is_not_used(exported, tmp_path, monkeypatch, damage):
    import shutil

    broken = tmp_path / "cache"
    shutil.copytree(exported, broken)
    (folder,) = broken.glob("onnx/*")
    if damage == "check_failed":
        (folder / "check.json").write_text(json.dumps({"ok": False, "error": "RuntimeError: could not trace"}))
    elif damage == "model_truncated":
        data = (folder / "model.onnx").read_bytes()
        (folder / "model.onnx").write_bytes(data[: len(data) // 3])
    else:
        (folder / "check.json").unlink()
    monkeypatch.setenv("ASSISTANT_CACHE", str(broken))
    assert OnnxModel.load(resolve_model(None)) is None


def test_torch_can_be_asked_for(monkeypatch, exported):
    monkeypatch.setenv("ASSISTANT_CACHE", str(exported))
    monkeypatch.setenv("ASSISTANT_RUNTIME", "torch")
    emb = Embedder()
    emb.warm_up()
    assert emb.runtime == "sentence-transformers"
    assert emb.encode(list(PROBES[:1])).shape == (1, 384)
