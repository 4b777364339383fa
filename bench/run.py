"""The benchmark of issue 6: one command, one table of medians and spreads.

    .venv/bin/python bench/run.py [--quick] [--scale N] [--big] [--first-pass]

Sections: cold start (CLI and app), warm ``ask`` on the real corpus against a naive baseline,
first-pass ``ask`` (every question new to a fresh process) on the real and a four-report corpus,
index build on the real corpus, a synthetic corpus of N reports (build, incremental rebuild, ask),
exact versus HNSW search at several sizes, and raw ``model.encode`` throughput as the build's limit.
Everything is written under ``bench/out/`` (git-ignored); the table also goes to
``bench/out/results.md`` and every raw figure to ``bench/out/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime

import ann
import first
import limit
import real
import scale
from common import OUT, Plan
from stats import Table


class Noise:
    """CPU time other processes took while a section ran: on 2 cores, another busy process distorts
    every figure (torch's threads stall when a core is taken), so the table says how busy it was."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    @staticmethod
    def _busy() -> float:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _ours() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def run(self, name: str, fn, *args):
        busy, ours, start = self._busy(), self._ours(), time.perf_counter()
        try:
            return fn(*args)
        finally:
            wall = time.perf_counter() - start
            others = max(0.0, (self._busy() - busy) - (self._ours() - ours))
            self.rows.append((name, wall, others / (wall * (os.cpu_count() or 1))))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Benchmark the assistant (issue 6).")
    p.add_argument("--quick", action="store_true", help="smoke run: fewer repeats, 100 reports (< 2 min)")
    p.add_argument("--scale", type=int, help="synthetic reports for the scale section (default 1,000)")
    p.add_argument("--big", action="store_true", help="scale section with 10,000 reports (slow)")
    p.add_argument(
        "--reuse-scale-build",
        action="store_true",
        help="keep the scale index of an earlier run and reprint its build figures (for re-measuring "
        "latency without a 10-minute rebuild)",
    )
    p.add_argument("--first-pass", action="store_true",
                   help="only the first-pass section (real and four-report corpus; ~2 min)")
    args = p.parse_args(argv)
    plan = Plan.make(args.quick, args.scale, args.big)
    plan.reuse_scale_build = args.reuse_scale_build
    OUT.mkdir(parents=True, exist_ok=True)
    import torch

    started = time.perf_counter()
    res: dict = {
        "plan": plan.__dict__,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_before": os.getloadavg(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
    }
    print(
        f"bench: {plan.n_reports:,} synthetic reports, {'quick' if args.quick else 'full'} run; "
        f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    t = Table()
    noise = Noise()
    if args.first_pass:
        noise.run("first pass", first.first_pass, plan.first_runs, t, res)
        return _finish(t, res, noise, started)
    corpus, index = noise.run("real corpus build", real.real_corpus, plan, t, res)
    noise.run("cold start", real.cold_start, plan, corpus, index, t, res)
    _, items = noise.run("warm ask + baseline", real.warm_real, plan, corpus, index, t, res)
    noise.run("first pass", first.first_pass, plan.first_runs, t, res)
    bot, scorpus, qs = noise.run("scale", scale.scale, plan, t, res)
    noise.run("flat vs HNSW", ann.approximate, plan, bot, items, qs, t, res)
    noise.run("limit", limit.limit, plan, bot, scorpus, t, res)
    return _finish(t, res, noise, started)


def _finish(t: Table, res: dict, noise: Noise, started: float) -> int:
    for name, wall, share in noise.rows:
        t.add(
            "machine load (noise)",
            f"other processes' CPU during “{name}” ({wall:.0f} s)",
            f"{share:.0%} of {os.cpu_count()} CPUs",
        )
    res["noise"] = noise.rows
    res["load_after"] = os.getloadavg()
    res["seconds"] = time.perf_counter() - started
    header = (
        f"`{' '.join(['.venv/bin/python', 'bench/run.py', *sys.argv[1:]])}` · {res['started']} · "
        f"{res['cpus']} CPUs, torch threads {res['torch_threads']} · load average {res['load_before'][0]:.2f} "
        f"before, {res['load_after'][0]:.2f} after · {res['seconds'] / 60:.1f} min"
    )
    table = f"{header}\n\n{t.markdown()}\n"
    (OUT / "results.md").write_text(table, encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    print("\n" + table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
