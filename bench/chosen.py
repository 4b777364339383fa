"""Each blind set answered on the full corpus with its report chosen ("Answer from" in the app, ``--document``
in the CLI): accuracy once routing is the user's choice.

    .venv/bin/python bench/chosen.py [SET ...]

The eval's yardstick (`assistant eval --loro`) lets the router pick the report, and a question naming none
("how old was the pt in the example") is ambiguous among every report. A trainer or biller working through
one report can choose it: this prints each held-out set's accuracy then, pooled and per kind, beside the
same questions left to the router, so the gap is what routing costs. Nothing is fitted here; the selector
is the shipped one. The corpus is that of `assistant eval --loro` (built once in ``--work``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluate import run  # noqa: E402
from assistant.fitting import eval_sets, full_corpus, load_sets  # noqa: E402
from assistant.ingest import SUFFIXES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="*", help="held-out sets to answer (all when none)")
    ap.add_argument("--work", type=Path, default=ROOT / "artifacts" / "eval-corpus")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    bot = full_corpus(args.work)
    paths = eval_sets()
    sets = {n: items for n, items in load_sets(args.sets or None).items() if n.startswith("heldout")}
    kinds: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    means: list[tuple[float, float]] = []
    print(f"{'set':<12}{'report':<10}{'n':>5}{'chosen':>9}{'routed':>9}")
    for name, items in sets.items():
        report = next(f for f in sorted((paths[name].parent / "reports").iterdir()) if f.suffix.lower() in SUFFIXES)
        chosen, routed = run(bot, items, document=report.stem), run(bot, items)
        for c, r in zip(chosen, routed, strict=True):
            kinds[c.item.kind].append((c.ok, r.ok))
        means.append((sum(c.ok for c in chosen) / len(items), sum(r.ok for r in routed) / len(items)))
        print(f"{name:<12}{report.stem:<10}{len(items):>5}{means[-1][0]:>9.1%}{means[-1][1]:>9.1%}", flush=True)
    if means:
        print(f"{'mean':<22}{sum(len(v) for v in sets.values()):>5}{sum(m[0] for m in means) / len(means):>9.1%}"
              f"{sum(m[1] for m in means) / len(means):>9.1%}")
        print(f"{'worst':<27}{min(m[0] for m in means):>9.1%}{min(m[1] for m in means):>9.1%}")
        for kind, oks in sorted(kinds.items()):
            print(f"  {kind:<20}{len(oks):>5}{sum(c for c, _ in oks) / len(oks):>9.1%}"
                  f"{sum(r for _, r in oks) / len(oks):>9.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
