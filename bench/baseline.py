"""The naive baseline: a framework quickstart's RAG shape, without the LLM.

Split each report's raw text every 500 characters, embed the pieces with the same model and batch
size, put them in a FAISS flat index, and answer with the text of the top-1 piece.
"""

from __future__ import annotations

import time

import numpy as np

from assistant.embed import Embedder
from assistant.models import Answer

CHUNK_CHARS = 500


def split(text: str, size: int = CHUNK_CHARS) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size) if text[i : i + size].strip()]


class Baseline:
    """Dense top-1 over fixed-size pieces; ``build_seconds`` is embedding plus index construction."""

    def __init__(self, embedder: Embedder, texts: list[str], vectors: np.ndarray | None = None) -> None:
        import faiss

        self.embedder = embedder
        self.chunks = [piece for text in texts for piece in split(text)]
        start = time.perf_counter()
        if vectors is None:
            vectors = embedder.encode(self.chunks)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)
        self.build_seconds = time.perf_counter() - start

    def ask(self, question: str) -> Answer:
        # Uncached, like our ask is measured: the question is embedded every time.
        vec = self.embedder.encode([question])
        _, ids = self.index.search(vec, 1)
        return Answer(question=question, text=self.chunks[int(ids[0][0])], answered=True)
