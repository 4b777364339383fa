"""Measurements that need a fresh process: CLI and app cold starts, builds with their peak RSS,
and a phase breakdown of ``Assistant.load`` (run as ``python bench/probes.py phases …``)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "PYTHONUNBUFFERED": "1",
}


@dataclass
class Run:
    seconds: float
    rss_mb: float
    rc: int
    stdout: str
    stderr: str


def timed(cmd: list[str], timeout: float = 3600) -> Run:
    """Run ``cmd`` to completion: wall seconds and its own peak RSS (``wait4`` gives one child's rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=out, stderr=err)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.kill(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in kilobytes on Linux.
        return Run(
            seconds,
            usage.ru_maxrss / 1024,
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def cli(corpus: Path, index: Path, *args: str) -> list[str]:
    return [str(BIN / "assistant"), "--corpus", str(corpus), "--index", str(index), *args]


def cold_ask(corpus: Path, index: Path, question: str) -> Run:
    run = timed(cli(corpus, index, "ask", question), timeout=600)
    if run.rc != 0 or not run.stdout.strip():
        raise RuntimeError(f"assistant ask {question!r} failed (rc {run.rc}): {run.stderr[-2000:]}")
    return run


def build(corpus: Path, index: Path) -> Run:
    run = timed(cli(corpus, index, "build"))
    if run.rc != 0:
        raise RuntimeError(f"assistant build failed (rc {run.rc}): {run.stderr[-2000:]}")
    return run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_start(corpus: Path, index: Path, timeout: float = 300) -> float:
    """Seconds from launching ``python app.py`` to its page answering HTTP 200; the server is then stopped."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        # Its own session, so stopping it stops exactly the processes this call started.
        proc = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(port), "--corpus", str(corpus), "--index", str(index)],
            cwd=ROOT,
            env=ENV,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"app.py exited with {proc.returncode}: {log.read().decode()[-2000:]}")
                if time.perf_counter() - start > timeout:
                    raise RuntimeError(f"app.py did not serve {url} within {timeout:.0f} s")
                try:
                    with urllib.request.urlopen(url, timeout=2) as resp:
                        if resp.status == 200:
                            return time.perf_counter() - start
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    pass
                time.sleep(0.05)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def phases(corpus: Path, index: Path, question: str | None = None) -> dict:
    """Run the phases child: import, Assistant.load (with a breakdown) and optionally one ask."""
    cmd = [sys.executable, str(Path(__file__)), "phases", "--corpus", str(corpus), "--index", str(index)]
    run = timed(cmd + (["--ask", question] if question else []), timeout=3600)
    if run.rc != 0:
        raise RuntimeError(f"phases child failed (rc {run.rc}): {run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["process seconds"] = run.seconds
    result["peak RSS MB"] = run.rss_mb
    return result


def _phases_child(corpus: Path, index: Path, question: str | None) -> dict:
    """In the child: time each stage of a cold ``Assistant.load`` by wrapping the library's functions."""
    t0 = time.perf_counter()
    import assistant.assistant as facade
    import assistant.embed as embed
    import assistant.index as idx

    timers: dict[str, float] = {"import assistant": time.perf_counter() - t0}

    def wrap(owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                timers[label] = timers.get(label, 0.0) + time.perf_counter() - start

        setattr(owner, name, timed_call)

    wrap(facade, "load_corpus", "parse corpus")
    wrap(idx, "load", "read index (JSON + checksums)")
    wrap(idx, "build", "index build")
    wrap(idx, "_faiss_index", "  of which FAISS construct")
    wrap(idx, "_prune", "  of which prune old build")
    wrap(idx, "_sha256", "  of which sha256 (load + build)")
    if hasattr(idx, "audit_chunks"):
        wrap(idx, "audit_chunks", "  of which code-set audit")
    wrap(embed.Embedder, "warm_up", "model load")
    wrap(embed.Embedder, "encode", "  encode")
    wrap(facade.Assistant, "__init__", "Assistant() (catalog)")
    start = time.perf_counter()
    bot = facade.Assistant.load(facade.Settings(corpus_dir=corpus, index_dir=index), warm=False)
    timers["Assistant.load"] = time.perf_counter() - start
    if question:
        start = time.perf_counter()
        bot.ask(question)
        timers["first ask"] = time.perf_counter() - start
    m = bot.index.manifest
    timers.update(
        {
            "embedded": m.embedded,
            "build_seconds": m.build_seconds,
            "n_chunks": m.n_chunks,
            "index_type": m.index_type,
            "rebuilt": bot.rebuilt or "",
        }
    )
    return timers


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["phases"])
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--ask")
    args = p.parse_args(argv)
    print(json.dumps(_phases_child(args.corpus, args.index, args.ask)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
