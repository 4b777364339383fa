"""Each blind set answered over its own report beside the shipped one (0600T): accuracy in a small corpus.

    .venv/bin/python bench/own.py [SET ...]

The eval's yardstick (`assistant eval --loro`) answers every set among all the reports at once, where a
question naming no report ("how old was the pt in the example") is ambiguous. A user who adds one report
to the shipped corpus asks about it among two: this prints each held-out set's accuracy there, pooled and
per kind. Nothing is fitted here; the router and selector are the shipped ones (fitted on every set, this
one included, so routing is slightly favoured). Indexes are built in a temporary folder per set.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluate import run  # noqa: E402
from assistant.fitting import eval_sets, load_sets  # noqa: E402
from assistant.ingest import SUFFIXES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="*", help="held-out sets to answer (all when none)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "own-bench")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("assistant").setLevel(logging.ERROR)  # each set builds its index: not news
    paths = eval_sets()
    sets = {n: items for n, items in load_sets(args.sets or None).items() if n.startswith("heldout")}
    kinds: dict[str, list[bool]] = defaultdict(list)
    total: list[bool] = []
    print(f"{'set':<12}{'report':<12}{'n':>5}{'accuracy':>10}")
    for name, items in sets.items():
        report = next(f for f in sorted((paths[name].parent / "reports").iterdir()) if f.suffix.lower() in SUFFIXES)
        corpus = args.work / name / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.mkdir(parents=True)
        for f in (ROOT / "corpus" / "0600T.txt", report):
            shutil.copy2(f, corpus / f.name)
        bot = Assistant.load(Settings(corpus_dir=corpus, index_dir=args.work / name / "index"))
        results = run(bot, items)
        for r in results:
            kinds[r.item.kind].append(r.ok)
        total += [r.ok for r in results]
        print(f"{name:<12}{report.stem:<12}{len(results):>5}{sum(r.ok for r in results) / len(results):>10.1%}",
              flush=True)
    if total:
        print(f"{'pooled':<24}{len(total):>5}{sum(total) / len(total):>10.1%}")
        for kind, oks in sorted(kinds.items()):
            print(f"  {kind:<22}{len(oks):>5}{sum(oks) / len(oks):>10.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
