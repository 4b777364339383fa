"""Command line: build, ask, docs, eval, serve. ``main`` returns the exit code."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .errors import AssistantError


def _settings(args: argparse.Namespace):
    from .assistant import Settings

    kw = {k: v for k, v in (("corpus_dir", args.corpus), ("index_dir", args.index), ("model", args.model)) if v}
    return Settings(**kw)


def _load(args: argparse.Namespace, rebuild: bool = False, warm: bool = True):
    from .assistant import Assistant

    return Assistant.load(_settings(args), rebuild=rebuild, warm=warm)


def cmd_build(args: argparse.Namespace) -> int:
    from .progress import Reporter

    with Reporter(sys.stderr):  # draws only on a terminal
        bot = _load(args, rebuild=not args.if_needed, warm=False)
    m = bot.index.manifest
    for issue in bot.issues:
        print(issue, file=sys.stderr)
    state = "rebuilt" if bot.rebuilt else "up to date"
    print(f"index {state}: {len(m.documents)} document(s), {m.n_chunks} chunks, {m.embedded} embedded, "
          f"{m.n_passages} sentences and cells, {m.passages_embedded} embedded, "
          f"{m.index_type} index, {m.build_seconds:.2f} s, built {m.built_at} in {bot.settings.index_dir}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    bot = _load(args, warm=False)
    ans = bot.ask(" ".join(args.question), history=args.history or [], document=args.document)
    if args.json:
        print(ans.model_dump_json(indent=2))
    else:
        print(ans.markdown() if ans.answered else f"(not covered) {ans.text}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    bot = _load(args, warm=False)
    print(f"{'code':<8} {'format':<8} {'sections':>8} {'tables':>6} {'rows':>5} {'pages':>5} {'chunks':>7}  "
          "title  (file)")
    for doc in bot.documents():
        rows = sum(len(t.rows) for t in doc.tables)
        pages = str(doc.pages) if doc.pages else "-"
        print(f"{doc.code:<8} {doc.format:<8} {len(doc.sections):>8} {len(doc.tables):>6} {rows:>5} {pages:>5} "
              f"{len(doc.chunks):>7}  {doc.title}  ({doc.source})")
    for issue in bot.issues:
        print(issue, file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from . import evaluate

    if args.loro or args.fit:
        return _eval_loro(args)
    bot = _load(args)
    items = evaluate.load_items(Path(args.questions))
    results = evaluate.run(bot, items)
    summary = evaluate.summarize(results)
    if not args.quiet:
        print(evaluate.report(results, summary))
    if args.retrieval:
        print(evaluate.ablation(bot, items))
    if args.json:
        evaluate.write_json(Path(args.json), results, summary)
    fails = evaluate.gate(summary, evaluate.load_floor() if args.floor else None)
    for f in fails:
        print(f"below threshold: {f}", file=sys.stderr)
    return 1 if fails and not args.no_gate else 0


def _eval_loro(args: argparse.Namespace) -> int:
    """Every question set on the full corpus: leave-one-report-out figures, and (--fit) the refit selector."""
    from . import fitting

    bot = fitting.full_corpus(Path(args.work), _settings(args))
    sets = fitting.load_sets()
    # The router is fitted too: each set is answered with a router fitted without it.
    records = fitting.collect(bot, sets, fitting.router_folds(bot, sets))
    fitted, rules = fitting.loro(records), fitting.rules_folds(records)
    print(fitting.loro_report(fitted, "fitted selector, leave-one-report-out"))
    print(fitting.loro_report(rules, "hand-set rules (only the router fitted)"))
    if args.fit:
        ranker = fitting.train(records)
        ranker.save()
        print(f"selector fitted on {', '.join(ranker.fitted_on)} ({ranker.n_questions} questions, "
              f"{ranker.n_candidates} candidates; threshold {ranker.threshold:.3f}) and saved")
    shipped = fitted if bot.settings.selector == "fitted" else rules
    fails = fitting.gate(shipped, fitting.load_floor() if args.floor else None)
    for f in fails:
        print(f"below threshold: {f}", file=sys.stderr)
    return 1 if fails and not args.no_gate else 0


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit import audit_summary_table

    bot = _load(args, warm=False)
    findings = bot.index.manifest.findings
    print(audit_summary_table(findings))
    return 1 if args.strict and findings else 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from . import evaluate

    path = Path(args.file) if args.file else evaluate.feedback_path()
    if not path.is_file():
        print(f"no feedback yet: {path} does not exist (votes in the chat page are written there)", file=sys.stderr)
        return 0
    items, problems = evaluate.feedback_candidates(path)
    for p in problems:
        print(p, file=sys.stderr)
    for item in items:
        print(item.model_dump_json(exclude={"gold"}))
    print(f"{len(items)} down-voted question(s) from {path}; fill in kind, answerable, must/must_any/must_not "
          "and append them to eval/questions.jsonl", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import app

    # Only what was typed is passed on: app.main falls back to GRADIO_SERVER_NAME / GRADIO_SERVER_PORT.
    argv = (["--host", args.host] if args.host else []) + (["--port", str(args.port)] if args.port else [])
    argv += (["--corpus", args.corpus] if args.corpus else []) + (["--index", args.index] if args.index else [])
    app.main(argv)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistant", description="Cited Q&A over medical-billing coding reports.")
    p.add_argument("--corpus", help="corpus folder (default: corpus/)")
    p.add_argument("--index", help="index folder (default: index/)")
    p.add_argument("--model", help="embedding model folder (default: the packaged all-MiniLM-L6-v2)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what the pipeline does")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="(re)build the index")
    b.add_argument("--if-needed", action="store_true", help="only when the corpus or model changed")
    b.set_defaults(func=cmd_build)

    a = sub.add_parser("ask", help="ask one question")
    a.add_argument("question", nargs="+")
    a.add_argument("--history", action="append", help="an earlier question of the chat (repeatable, oldest first)")
    a.add_argument("--document", help="answer from this report only (its code, e.g. 0600T)")
    a.add_argument("--json", action="store_true", help="print the Answer as JSON")
    a.set_defaults(func=cmd_ask)

    d = sub.add_parser("docs", help="list the indexed documents")
    d.set_defaults(func=cmd_docs)

    e = sub.add_parser("eval", help="run the eval set and gate on its thresholds")
    e.add_argument("--questions", default=str(Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"))
    e.add_argument("--json", help="write a JSON report to this file")
    e.add_argument("--retrieval", action="store_true", help="also print the dense/BM25/hybrid ablation")
    e.add_argument("--quiet", action="store_true", help="only the summary gate")
    e.add_argument("--no-gate", action="store_true", help="exit 0 even below the thresholds")
    e.add_argument("--floor", action="store_true", help="gate on eval/floor.json (what CI enforces) instead "
                   "of the targets")
    e.add_argument("--loro", action="store_true", help="every question set on the full corpus, leave-one-report-out: "
                   "the selector is refitted without each set, then answers it")
    e.add_argument("--fit", action="store_true", help="as --loro, then fit the selector on every set and save it "
                   "(assistant/data/selector.json)")
    e.add_argument("--work", default=str(Path(__file__).resolve().parent.parent / "artifacts" / "eval-corpus"),
                   help="where --loro copies the full corpus and builds its index")
    e.set_defaults(func=cmd_eval)

    au = sub.add_parser("audit", help="check every code in the reports against ICD-10-CM and NUCC")
    au.add_argument("--strict", action="store_true", help="exit 1 when there is any finding (to gate new reports)")
    au.set_defaults(func=cmd_audit)

    f = sub.add_parser("feedback", help="print down-voted chat answers as eval-set candidates (JSONL)")
    f.add_argument("--file", help="feedback file (default: $ASSISTANT_FEEDBACK or feedback/feedback.jsonl)")
    f.set_defaults(func=cmd_feedback)

    s = sub.add_parser("serve", help="start the Gradio chat")
    s.add_argument("--host", help="address to bind (default: $GRADIO_SERVER_NAME, else 127.0.0.1; 0.0.0.0 "
                   "shares it on the network)")
    s.add_argument("--port", type=int, help="port (default: $GRADIO_SERVER_PORT, else 7860)")
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if not args.verbose:
        for noisy in ("bm25s", "sentence_transformers", "transformers", "httpx"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
