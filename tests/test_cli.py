"""The command line, run as a user runs it: `python -m assistant …` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, REPORTS

from assistant import index as idx
from assistant.ingest import parse, read_text

pytestmark = pytest.mark.slow


def run(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("ASSISTANT_CORPUS", None)
    env.pop("ASSISTANT_INDEX", None)
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


@pytest.fixture(scope="module")
def cli_dirs(tmp_path_factory):
    """A corpus copy and an index built by `assistant build`: (workdir, corpus, index)."""
    base = tmp_path_factory.mktemp("cli")
    corpus = Path(shutil.copytree(CORPUS, base / "corpus"))
    index = base / "index"
    out = run("--corpus", str(corpus), "--index", str(index), "build", cwd=base)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "index rebuilt" in out.stdout, out.stdout
    assert "1 document(s)" in out.stdout
    assert (index / "CURRENT").is_file()
    return base, corpus, index


def ask(cli_dirs, *args: str) -> subprocess.CompletedProcess:
    base, corpus, index = cli_dirs
    return run("--corpus", str(corpus), "--index", str(index), "ask", *args, cwd=base)


def test_ask_json(cli_dirs):
    out = ask(cli_dirs, "--json", "when do I use modifier 53?")
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(out.stdout)
    assert data["answered"] is True
    assert "53" in data["text"] and "Discontinued procedure" in data["text"]
    assert data["citations"][0]["row"] == "modifier table, row 53"
    assert data["citations"][0]["document"] == "0600T"
    chunks = {c.id: c for c in idx.load(cli_dirs[2]).chunks}
    for cit in data["citations"]:
        assert cit["quote"] in chunks[cit["chunk_id"]].text


def test_ask_readable(cli_dirs):
    out = ask(cli_dirs, "when", "do", "I", "use", "modifier", "53?")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Discontinued procedure" in out.stdout
    assert (
        "[1] 0600T report › Clinical & Coding Specifications › Coding Specifications — modifier table, row 53"
        in out.stdout
    )


def test_ask_not_covered(cli_dirs):
    out = ask(cli_dirs, "what does Aetna pay for 0600T?")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "(not covered)" in out.stdout


def test_ask_with_history(cli_dirs):
    out = ask(cli_dirs, "--json", "--history", "when do I use modifier 53?", "and 52?")
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(out.stdout)
    assert data["answered"] is True and "Reduced services" in data["text"]


def test_ask_empty_question(cli_dirs):
    out = ask(cli_dirs, "   ")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "(not covered)" in out.stdout and "question" in out.stdout.lower()


def test_docs_lists_the_report(cli_dirs):
    base, corpus, index = cli_dirs
    out = run("--corpus", str(corpus), "--index", str(index), "docs", cwd=base)
    assert out.returncode == 0, out.stderr[-3000:]
    doc = parse(read_text(CORPUS / "0600T.txt"), source="0600T.txt")
    line = next(li for li in out.stdout.splitlines() if li.startswith("0600T"))
    rows = sum(len(t.rows) for t in doc.tables)
    assert re.match(rf"^0600T\s+text\s+{len(doc.sections)}\s+{len(doc.tables)}\s+{rows}\s+-\s+{len(doc.chunks)}\s+"
                    rf"{re.escape(doc.title)}", line), line


def test_docs_lists_format_tables_rows_and_pages(tmp_path):
    import render

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    render.write((CORPUS / "0600T.txt").read_text(encoding="utf-8"), "pdf", corpus, "0600T")
    render.write((REPORTS / "0441T.txt").read_text(encoding="utf-8"), "docx", corpus, "0441T")
    out = run("--corpus", str(corpus), "--index", str(tmp_path / "index"), "docs", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    by_code = {li.split()[0]: li.split() for li in out.stdout.splitlines()[1:]}
    assert by_code["0600T"][1:6] == ["pdf", "7", "4", "28", "4"] and "(0600T.pdf)" in out.stdout
    assert by_code["0441T"][1] == "docx" and by_code["0441T"][5] == "-"


def test_build_if_needed_is_up_to_date(cli_dirs):
    base, corpus, index = cli_dirs
    out = run("--corpus", str(corpus), "--index", str(index), "build", "--if-needed", cwd=base)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "up to date" in out.stdout


@pytest.mark.parametrize("command", [["build"], ["ask", "modifier 53"], ["docs"]])
def test_bad_corpus_path(tmp_path, command):
    missing = tmp_path / "no-such-corpus"
    out = run("--corpus", str(missing), "--index", str(tmp_path / "index"), *command, cwd=tmp_path)
    assert out.returncode == 2
    assert str(missing) in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "index").exists()


def test_corrupted_index_is_rebuilt_by_ask(cli_dirs, tmp_path):
    """A damaged index is never served: `ask` rebuilds it and answers."""
    base, corpus, index = cli_dirs
    index_copy = Path(shutil.copytree(index, tmp_path / "index"))
    live = index_copy / (index_copy / "CURRENT").read_text(encoding="utf-8").strip()
    (live / "vectors.npy").write_bytes(b"garbage")
    out = run(
        "--corpus", str(corpus), "--index", str(index_copy), "ask", "--json", "modifier 53", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)["answered"] is True
    idx.load(index_copy)


def test_no_command_is_a_usage_error(tmp_path):
    out = run(cwd=tmp_path)
    assert out.returncode == 2
    assert "usage" in out.stderr.lower()


def test_feedback_lists_down_votes_as_eval_candidates(tmp_path):
    from assistant.evaluate import EvalItem

    votes = tmp_path / "feedback.jsonl"
    records = [
        {"question": "mod 53", "history": [], "answered": True, "vote": "up"},
        {"question": "the procedure got cut short partway, what modifier", "history": [], "answered": False,
         "vote": "down"},
        {"question": "and 81", "history": ["mod 53"], "answered": True, "vote": "down"},
        {"question": "and 81", "history": ["mod 53"], "answered": True, "vote": "down"},
    ]
    votes.write_text("\n".join(json.dumps(r) for r in records) + "\nnot json\n", encoding="utf-8")
    out = run("feedback", "--file", str(votes), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    items = [EvalItem.model_validate_json(line) for line in out.stdout.splitlines()]
    assert [i.question for i in items] == ["the procedure got cut short partway, what modifier", "and 81"]
    assert items[0].answerable is True and items[1].history == ["mod 53"]
    assert f"{votes}:5" in out.stderr
