"""Exact (flat) versus approximate (HNSW) search over the scale corpus's vectors, at several sizes.

Both indexes come from ``assistant.index._faiss_index``, so the HNSW parameters are the ones the
library ships (M, efConstruction, efSearch). Exact search is the oracle for recall@10.
"""

from __future__ import annotations

import time

import numpy as np

from assistant import index as idx

from stats import pct


def _single_query_ms(fx, queries: np.ndarray, k: int) -> list[float]:
    out = []
    for q in queries:
        start = time.perf_counter()
        fx.search(q.reshape(1, -1), k)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _numpy_ms(vectors: np.ndarray, queries: np.ndarray, k: int) -> list[float]:
    """What the retriever does for a filtered subset of ≤ 20k rows: a matrix product and a partial sort."""
    out = []
    for q in queries:
        start = time.perf_counter()
        scores = vectors @ q
        np.argpartition(-scores, k)[:k]
        out.append((time.perf_counter() - start) * 1000)
    return out


def measure(vectors: np.ndarray, queries: np.ndarray, sizes: list[int], repeats: int, k: int = 10) -> list[dict]:
    """For each size: build seconds (flat, HNSW), recall@k of HNSW against flat, single-query latency."""
    rows = []
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    for n in sizes:
        sub = np.ascontiguousarray(vectors[:n], dtype=np.float32)
        builds: dict[str, list[float]] = {"flat": [], "hnsw": []}
        made = {}
        for _ in range(repeats):
            for kind in ("flat", "hnsw"):
                start = time.perf_counter()
                made[kind] = idx._faiss_index(sub, kind)
                builds[kind].append(time.perf_counter() - start)
        _, exact = made["flat"].search(queries, k)
        _, approx = made["hnsw"].search(queries, k)
        recall = [len(set(a) & set(e)) / k for a, e in zip(approx.tolist(), exact.tolist(), strict=True)]
        flat_ms = _single_query_ms(made["flat"], queries, k)
        hnsw_ms = _single_query_ms(made["hnsw"], queries, k)
        rows.append({"n": len(sub), "build_flat": builds["flat"], "build_hnsw": builds["hnsw"],
                     "recall": float(np.mean(recall)), "recall_min": float(np.min(recall)),
                     "recall_p5": pct(recall, 5),
                     "flat_ms": flat_ms, "hnsw_ms": hnsw_ms, "numpy_ms": _numpy_ms(sub, queries, k)})
    return rows
