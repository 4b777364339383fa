"""Exact (flat) versus approximate (HNSW) search over the scale corpus's vectors, at several sizes.

Both indexes come from ``assistant.index._faiss_index``, so the HNSW parameters are the ones the
library ships (M, efConstruction, efSearch). Exact search is the oracle for recall@10.
"""

from __future__ import annotations

import random
import time

import numpy as np
from common import Plan
from stats import Table, pct, spread, verdict

from assistant import index as idx


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


def _numpy_one_thread_ms(vectors: np.ndarray, queries: np.ndarray, k: int) -> list[float]:
    """The same product with BLAS held to one thread: multi-threaded gemv on 2 busy cores can stall."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _numpy_ms(vectors, queries, k)


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
        exact_s, exact = made["flat"].search(queries, k)
        _, approx = made["hnsw"].search(queries, k)
        strict = [len(set(a) & set(e)) / k for a, e in zip(approx.tolist(), exact.tolist(), strict=True)]
        # Identical chunk texts (a modifier row copied across reports) embed identically, so the exact
        # top-k is not unique: an approximate hit counts when it scores as high as the k-th exact hit.
        scores = np.einsum("qd,qkd->qk", queries, sub[np.maximum(approx, 0)])
        recall = [
            float(np.sum((s >= kth - 1e-5) & (a >= 0))) / k
            for s, kth, a in zip(scores, exact_s[:, -1], approx, strict=True)
        ]
        flat_ms = _single_query_ms(made["flat"], queries, k)
        hnsw_ms = _single_query_ms(made["hnsw"], queries, k)
        rows.append(
            {
                "n": len(sub),
                "build_flat": builds["flat"],
                "build_hnsw": builds["hnsw"],
                "recall": float(np.mean(recall)),
                "recall_min": float(np.min(recall)),
                "recall_p5": pct(recall, 5),
                "recall_ids": float(np.mean(strict)),
                "flat_ms": flat_ms,
                "hnsw_ms": hnsw_ms,
                "numpy_ms": _numpy_ms(sub, queries, k),
                "numpy1_ms": _numpy_one_thread_ms(sub, queries, k),
            }
        )
    return rows


def approximate(plan: Plan, bot, eval_items, qs, t: Table, res: dict) -> None:

    from assistant import index as idx

    vectors = bot.index.vectors
    rng = random.Random(5)
    questions = [it.question for it in rng.sample(eval_items, min(100, len(eval_items)))]
    q_vecs = bot.embedder.encode(questions)
    c_vecs = vectors[rng.sample(range(len(vectors)), min(200 - len(questions), len(vectors)))]
    queries = np.vstack([q_vecs, c_vecs])
    sizes = sorted({min(n, len(vectors)) for n in plan.ann_sizes} | {len(vectors)})
    rows = measure(vectors, queries, sizes, plan.ann_repeats)
    res["ann"] = rows
    s = f"flat vs HNSW ({len(queries)} queries: {len(questions)} eval questions + {len(c_vecs)} chunks)"
    for r in rows:
        t.add(
            s,
            f"{r['n']:,} vectors: recall@10 of HNSW vs exact, ties counted (mean · worst query) · by id",
            f"{r['recall']:.4f} · {r['recall_min']:.1f} · {r['recall_ids']:.4f}",
            verdict(r["recall"], 0.98, "", lower_is_better=False),
        )
        t.add(
            s,
            f"{r['n']:,} vectors: build flat · HNSW",
            f"{spread(r['build_flat'], ' s', 3)} · {spread(r['build_hnsw'], ' s', 1)}",
        )
        t.add(
            s,
            f"{r['n']:,} vectors: 1-query search p50/p95 ms: flat · HNSW · numpy matmul · numpy 1 BLAS thread",
            " · ".join(
                f"{pct(r[key], 50):.2f}/{pct(r[key], 95):.2f}"
                for key in ("flat_ms", "hnsw_ms", "numpy_ms", "numpy1_ms")
            ),
        )
    t.add(s, "threshold in use (index.HNSW_THRESHOLD)", f"{idx.HNSW_THRESHOLD:,} chunks")
