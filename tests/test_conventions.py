"""Build progress on a terminal only, and Gradio's own server variables (issue 14, items 5 and 6)."""

from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, REPORTS, ROOT, free_port, stop, wait_serving

from assistant import progress
from assistant.ingest import load_corpus

sys.path.insert(0, str(ROOT))
import app  # noqa: E402  (the repo root holds app.py)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _corpus(tmp_path: Path) -> Path:
    for f in (CORPUS / "0600T.txt", REPORTS / "0441T.txt", REPORTS / "0581T.txt"):
        shutil.copy2(f, tmp_path / f.name)
    return tmp_path


def test_progress_draws_on_a_terminal(tmp_path):
    ticks = iter(range(100))
    out = Terminal()
    with progress.Reporter(out, interval=0, clock=lambda: float(next(ticks))):
        load_corpus(_corpus(tmp_path))
        for done in (512, 1024, 1500):
            progress.report("texts embedded", done, 1500)
    lines = out.getvalue().split("\n")
    assert lines[0].startswith("\rreports parsed 1/3") and "reports parsed 3/3" in lines[0]
    assert "texts embedded 1,024/1,500 · " in lines[1] and " left" in lines[1]
    assert "texts embedded 1,500/1,500" in lines[1].rsplit("\r", 1)[-1]
    assert "/s" in lines[1]


def test_progress_is_silent_when_not_a_terminal(tmp_path):
    out = io.StringIO()
    with progress.Reporter(out):
        load_corpus(_corpus(tmp_path))
        progress.report("texts embedded", 10, 10)
    assert out.getvalue() == ""


def test_no_reporter_no_output(tmp_path, capsys):
    load_corpus(_corpus(tmp_path))
    progress.report("texts embedded", 1, 2)
    assert capsys.readouterr() == ("", "")


def _build(tmp_path: Path, tty: bool) -> str:
    """``assistant build`` on a small corpus; its stderr as a pipe or as a pseudo-terminal."""
    (tmp_path / "corpus").mkdir()
    corpus = _corpus(tmp_path / "corpus")
    cmd = [sys.executable, "-m", "assistant", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "build"]
    if not tty:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT).stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=follower, cwd=ROOT)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize("tty", [True, False])
def test_build_shows_progress_only_on_a_terminal(tmp_path, tty):
    err = _build(tmp_path, tty)
    if tty:
        assert "reports parsed 3/3" in err and "texts embedded" in err, err
    else:
        assert "reports parsed" not in err and "\r" not in err, err


@pytest.mark.parametrize(("host", "port", "env", "want"), [
    (None, None, {}, ("127.0.0.1", 7860)),
    (None, None, {"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "8080"}, ("0.0.0.0", 8080)),
    ("127.0.0.1", None, {"GRADIO_SERVER_NAME": "0.0.0.0", "GRADIO_SERVER_PORT": "8080"}, ("127.0.0.1", 8080)),
    (None, 9000, {"GRADIO_SERVER_PORT": "8080"}, ("127.0.0.1", 9000)),
])
def test_server_address_order(host, port, env, want):
    assert app.server_address(host, port, env) == want


def test_bad_port_variable_says_which():
    with pytest.raises(SystemExit, match="GRADIO_SERVER_PORT='http'"):
        app.server_address(None, None, {"GRADIO_SERVER_PORT": "http"})


@pytest.mark.slow
def test_serve_honours_gradio_server_port(bot, tmp_path):
    """``assistant serve`` with no --port listens where GRADIO_SERVER_PORT says."""
    shutil.copytree(bot.settings.corpus_dir, tmp_path / "corpus")
    shutil.copytree(bot.settings.index_dir, tmp_path / "index")
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
           "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "ASSISTANT_FEEDBACK": str(tmp_path / "feedback.jsonl")}
    log = tmp_path / "serve.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "--corpus", str(tmp_path / "corpus"), "--index",
                                 str(tmp_path / "index"), "serve"], cwd=ROOT, env=env, stdout=fh,
                                stderr=subprocess.STDOUT)
    try:
        wait_serving(proc, port, log, "assistant serve")
    finally:
        stop(proc)
