"""The passage store: an embedding of every sentence and table cell that answers can quote.

Answers are ranked sentence by sentence (prose) and cell by cell (rows), so the texts compared
with a question are known when the index is built. Embedding them then, and storing them beside
the chunk vectors, leaves a question one model call: its own embedding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .embed import Embedder
from .errors import IndexFileError
from .ingest import sentences
from .models import Chunk

FILES = ("passages.npy", "passages.json")


def passage_texts(chunks: Iterable[Chunk]) -> list[str]:
    """Every distinct text the selector embeds: the sentences of prose chunks (as ``ingest.sentences``
    cuts them) and the non-empty cells after a row's code, in first-seen order."""
    out: dict[str, None] = {}
    for c in chunks:
        for text in (sentences(c.text) if c.kind == "prose" else [cell for cell in c.cells[1:] if cell]):
            out.setdefault(text, None)
    return list(out)


class Passages:
    """Texts and their normalised embeddings, row for row."""

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        self.texts, self.vectors = texts, vectors

    @classmethod
    def empty(cls, dim: int) -> Passages:
        return cls([], np.zeros((0, dim), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.texts)

    @classmethod
    def embed(cls, chunks: list[Chunk], embedder: Embedder, dim: int,
              previous: Passages | None = None) -> tuple[Passages, int]:
        """The store for ``chunks``, reusing ``previous`` vectors by text (its model and dimension must
        match: the caller checks); returns it with the number of texts the model embedded."""
        texts = passage_texts(chunks)
        vectors = np.zeros((len(texts), dim), dtype=np.float32)
        # Keyed by text rather than by report: a sentence shared by two reports (boilerplate) is reused
        # whichever of them changed.
        known = {t: i for i, t in enumerate(previous.texts)} if previous is not None else {}
        todo = []
        for i, t in enumerate(texts):
            if t in known:
                vectors[i] = previous.vectors[known[t]]  # type: ignore[union-attr]
            else:
                todo.append(i)
        if todo:
            vectors[todo] = embedder.encode([texts[i] for i in todo])
        return cls(texts, vectors), len(todo)

    def save(self, folder: Path) -> None:
        np.save(folder / "passages.npy", self.vectors, allow_pickle=False)
        (folder / "passages.json").write_text(json.dumps(self.texts, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, expected: int, dim: int) -> Passages:
        """Read the store; a file that is unreadable or disagrees with the manifest is an IndexFileError."""
        try:
            texts = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
            vectors = np.load(folder / "passages.npy", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise IndexFileError(f"passage store in {folder} cannot be read ({exc}); run `assistant build`") from exc
        if (not isinstance(texts, list) or not all(isinstance(t, str) for t in texts) or vectors.ndim != 2
                or not (len(texts) == vectors.shape[0] == expected) or (len(texts) and vectors.shape[1] != dim)
                or vectors.dtype != np.float32):
            raise IndexFileError(f"passage store in {folder} is inconsistent (texts "
                                 f"{len(texts) if isinstance(texts, list) else type(texts).__name__}, vectors "
                                 f"{vectors.shape} {vectors.dtype}, manifest {expected}); run `assistant build`")
        return cls(texts, vectors)
