"""Exact (flat) versus approximate (HNSW, and IVF as an alternative) search over the scale corpus's vectors.

Flat and HNSW come from ``assistant.index._faiss_index``, so the HNSW parameters are the ones the
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


def _ivf(vectors: np.ndarray):
    """An IVF-Flat alternative (not what ships): nlist ≈ 4·√n, a quarter of the lists probed."""
    import faiss

    nlist = max(8, int(4 * np.sqrt(len(vectors))))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    index.train(vectors)
    index.add(vectors)
    index.nprobe = max(1, nlist // 4)
    return index


def _recall(queries: np.ndarray, sub: np.ndarray, exact_s: np.ndarray, approx: np.ndarray) -> np.ndarray:
    """recall@k per query. Identical chunk texts (a modifier row copied across reports) embed
    identically, so the exact top-k is not unique: a hit counts when it scores as high as the k-th exact hit."""
    scores = np.einsum("qd,qkd->qk", queries, sub[np.maximum(approx, 0)])
    return ((scores >= exact_s[:, -1:] - 1e-5) & (approx >= 0)).sum(axis=1) / approx.shape[1]


def measure(
    vectors: np.ndarray, queries: np.ndarray, n_questions: int, sizes: list[int], repeats: int, k: int = 10
) -> list[dict]:
    """For each size: build seconds, recall@k against exact search (questions and chunk queries apart),
    and single-query latency of flat, HNSW and IVF indexes and of the numpy product."""
    import faiss

    rows = []
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    for n in sizes:
        sub = np.ascontiguousarray(vectors[:n], dtype=np.float32)
        builds: dict[str, list[float]] = {"flat": [], "hnsw": [], "ivf": []}
        made = {}
        for _ in range(repeats):
            for kind in ("flat", "hnsw", "ivf"):
                start = time.perf_counter()
                made[kind] = _ivf(sub) if kind == "ivf" else idx._faiss_index(sub, kind)
                builds[kind].append(time.perf_counter() - start)
        exact_s, exact = made["flat"].search(queries, k)
        hnsw = made["hnsw"].hnsw
        row: dict = {
            "n": len(sub),
            **{f"build_{kind}": v for kind, v in builds.items()},
            "hnsw_params": f"M {hnsw.nb_neighbors(1)}, efConstruction {hnsw.efConstruction}, efSearch {hnsw.efSearch}",
            "ivf_params": f"nlist {made['ivf'].nlist}, nprobe {made['ivf'].nprobe}",
        }
        for kind in ("hnsw", "ivf"):
            _, approx = made[kind].search(queries, k)
            recall = _recall(queries, sub, exact_s, approx)
            row[f"recall_{kind}"] = float(recall.mean())
            row[f"recall_{kind}_questions"] = float(recall[:n_questions].mean())
            row[f"recall_{kind}_chunks"] = float(recall[n_questions:].mean())
            row[f"recall_{kind}_min"] = float(recall.min())
            row[f"recall_{kind}_ids"] = float(
                np.mean([len(set(a) & set(e)) / k for a, e in zip(approx.tolist(), exact.tolist(), strict=True)])
            )
        threads = faiss.omp_get_max_threads()
        for kind in ("flat", "hnsw", "ivf"):
            row[f"{kind}_ms"] = _single_query_ms(made[kind], queries, k)
        # What-if: one OpenMP thread for a one-query search (faiss splits even a single query across threads).
        faiss.omp_set_num_threads(1)
        try:
            row["flat1_ms"] = _single_query_ms(made["flat"], queries, k)
        finally:
            faiss.omp_set_num_threads(threads)
        row["numpy_ms"] = _numpy_ms(sub, queries, k)
        row["numpy1_ms"] = _numpy_one_thread_ms(sub, queries, k)
        rows.append(row)
    return rows


def approximate(plan: Plan, bot, eval_items, qs, t: Table, res: dict) -> None:
    vectors = bot.index.vectors
    rng = random.Random(5)
    questions = [it.question for it in rng.sample(eval_items, min(100, len(eval_items)))]
    q_vecs = bot.embedder.encode(questions)
    c_vecs = vectors[rng.sample(range(len(vectors)), min(200 - len(questions), len(vectors)))]
    queries = np.vstack([q_vecs, c_vecs])
    sizes = sorted({min(n, len(vectors)) for n in plan.ann_sizes} | {len(vectors)})
    rows = measure(vectors, queries, len(questions), sizes, plan.ann_repeats)
    res["ann"] = rows
    s = f"exact vs approximate search ({len(questions)} eval-question + {len(c_vecs)} chunk queries, k=10)"
    for r in rows:
        n = f"{r['n']:,} vectors"
        for kind, name in (
            ("hnsw", f"HNSW as shipped ({r['hnsw_params']})"),
            ("ivf", f"IVF-Flat, an alternative ({r['ivf_params']})"),
        ):
            t.add(
                s,
                f"{n}: recall@10 of {name}: all · questions · chunks · worst query · by id only",
                f"{r[f'recall_{kind}']:.3f} · {r[f'recall_{kind}_questions']:.3f} · {r[f'recall_{kind}_chunks']:.3f} · "
                f"{r[f'recall_{kind}_min']:.1f} · {r[f'recall_{kind}_ids']:.3f}",
                verdict(r[f"recall_{kind}"], 0.98, "", lower_is_better=False),
            )
        t.add(
            s,
            f"{n}: build flat · HNSW · IVF",
            " · ".join(
                spread(r[f"build_{kind}"], " s", 3 if kind == "flat" else 1) for kind in ("flat", "hnsw", "ivf")
            ),
        )
        t.add(
            s,
            f"{n}: 1-query search p50/p95 ms: flat · flat 1 thread · HNSW · IVF · numpy · numpy 1 BLAS thread",
            " · ".join(
                f"{pct(r[key], 50):.2f}/{pct(r[key], 95):.2f}"
                for key in ("flat_ms", "flat1_ms", "hnsw_ms", "ivf_ms", "numpy_ms", "numpy1_ms")
            ),
        )
    t.add(s, "threshold in use (index.HNSW_THRESHOLD)", f"{idx.HNSW_THRESHOLD:,} chunks")
