"""Load test of issue 7: the app on loopback, many ``gradio_client`` clients asking at once.

    .venv/bin/python bench/load.py [--clients 20] [--questions 25] [--corpus corpus/]

Starts ``python app.py`` as a subprocess on 127.0.0.1 and a free port, over a temporary copy of the
corpus (the app builds its own index there, so the repository's ``index/`` is neither read nor
written). One client first asks every drawn question once: those are the reference answers. Then
``--clients`` threads, each with its own ``Client`` (its own Gradio session), ask ``--questions``
questions each, drawn from ``eval/questions.jsonl`` with their chat history. Every answer must equal
the reference for the same question and history: text, answered, and the cited chunk ids.

Bounded: every request has a timeout, the run has a deadline after which no new request is sent,
and the server is stopped at the end whatever happened. Only loopback URLs are accepted.
Prints a table; exits 0 when there were no errors, no skipped requests and no mismatches.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# Imported by path from tests/test_load.py too, so the bench folder may not be on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats import pct  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
# Keep the client and the server off the network: no analytics, no hub telemetry, no model download.
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}
os.environ.update(OFFLINE_ENV)

Key = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Plan:
    clients: int = 20
    questions: int = 25
    seed: int = 0
    request_timeout: float = 60.0
    deadline: float = 900.0


@dataclass
class Report:
    """What a run measured; ``ok`` when every request came back and matched its reference."""

    plan: Plan
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    skipped: int = 0
    identical_json: int = 0
    wall_s: float = 0.0
    reference_ms: list[float] = field(default_factory=list)
    distinct: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.mismatches and not self.skipped

    def summary(self) -> dict:
        lat = self.latencies_ms
        return {
            "clients": self.plan.clients,
            "questions_per_client": self.plan.questions,
            "sent": self.sent,
            "answered": len(lat),
            "errors": len(self.errors),
            "skipped": self.skipped,
            "mismatches": len(self.mismatches),
            "identical_json": self.identical_json,
            "distinct_questions": self.distinct,
            "p50_ms": pct(lat, 50),
            "p95_ms": pct(lat, 95),
            "max_ms": max(lat, default=float("nan")),
            "throughput_rps": len(lat) / self.wall_s if self.wall_s else float("nan"),
            "wall_s": self.wall_s,
            "reference_p50_ms": pct(self.reference_ms, 50),
            "first_errors": self.errors[:5],
            "first_mismatches": self.mismatches[:5],
        }


def require_loopback(url: str) -> None:
    """Refuse any target but this machine: a load test must never hit someone else's server."""
    host = urlsplit(url).hostname or ""
    if host != "localhost":
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
        raise ValueError(f"load tests only target loopback addresses, not {host!r} (use 127.0.0.1)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def draw(items: list, plan: Plan) -> list[list[Key]]:
    """Each client's questions (with their history): a seeded sample of the eval items, per client."""
    pool: list[Key] = [(it.question, tuple(it.history)) for it in items]
    out = []
    for n in range(plan.clients):
        rng = random.Random(plan.seed * 1_000_003 + n)
        out.append(
            rng.sample(pool, plan.questions) if plan.questions <= len(pool) else rng.choices(pool, k=plan.questions)
        )
    return out


def comparable(answer: dict) -> tuple:
    """What must not depend on concurrency: the text, whether it answered, and the cited chunks."""
    return answer["text"], answer["answered"], [c["chunk_id"] for c in answer["citations"]]


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def ask(cl, key: Key, timeout: float) -> dict:
    question, history = key
    job = cl.submit(question, list(history), "", api_name="/ask")
    out = job.result(timeout=timeout)
    if not isinstance(out, dict):  # gradio_client returns the JSON output as parsed
        out = json.loads(out)
    return out


def reference(url: str, keys: list[Key], plan: Plan) -> tuple[dict[Key, dict], list[float]]:
    """Every distinct (question, history) asked once, by one client, one at a time."""
    cl = client(url)
    answers, times = {}, []
    for key in dict.fromkeys(keys):
        start = time.perf_counter()
        answers[key] = ask(cl, key, plan.request_timeout)
        times.append((time.perf_counter() - start) * 1000)
    return answers, times


def run(url: str, items: list, plan: Plan) -> Report:
    """The reference pass, then ``plan.clients`` concurrent clients; bounded by ``plan.deadline``."""
    require_loopback(url)
    report = Report(plan)
    work = draw(items, plan)
    refs, report.reference_ms = reference(url, [k for w in work for k in w], plan)
    report.distinct = len(refs)
    lock = threading.Lock()
    began: list[float] = []
    # The clock starts when every client is connected, so the throughput is of answering, not connecting.
    start_gate = threading.Barrier(plan.clients, action=lambda: began.append(time.perf_counter()))
    stop_at = time.monotonic() + plan.deadline

    def worker(n: int) -> None:
        try:
            cl = client(url)
        except Exception as exc:  # a failed connection is an error of the run, not a crash of the bench
            with lock:
                report.errors.append(f"client {n}: connect: {type(exc).__name__}: {exc}")
                report.skipped += len(work[n])
            start_gate.abort()
            return
        try:
            start_gate.wait(timeout=plan.request_timeout)
        except threading.BrokenBarrierError:
            pass  # another client could not connect; this one still runs its questions
        for i, key in enumerate(work[n]):
            if time.monotonic() > stop_at:
                with lock:
                    report.skipped += len(work[n]) - i
                return
            with lock:
                report.sent += 1
            start = time.perf_counter()
            try:
                got = ask(cl, key, plan.request_timeout)
            except Exception as exc:  # counted and shown: the figure this bench exists to measure
                with lock:
                    report.errors.append(f"client {n} q{i} {key[0][:40]!r}: {type(exc).__name__}: {exc}")
                continue
            ms = (time.perf_counter() - start) * 1000
            with lock:
                report.latencies_ms.append(ms)
                if comparable(got) != comparable(refs[key]):
                    report.mismatches.append(
                        f"client {n} q{i} {key!r}: {comparable(got)!r} != reference {comparable(refs[key])!r}"
                    )
                report.identical_json += got == refs[key]

    threads = [threading.Thread(target=worker, args=(n,), name=f"load-{n}", daemon=True) for n in range(plan.clients)]
    for t in threads:
        t.start()
    launched = time.perf_counter()
    for t in threads:
        # A thread still alive after the deadline plus one request timeout is stuck; daemon threads
        # die with the process, and the report says it did not finish.
        t.join(timeout=max(0.0, stop_at - time.monotonic()) + plan.request_timeout + 5)
    report.wall_s = time.perf_counter() - (began[0] if began else launched)
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        report.errors.append(f"threads still running after the deadline: {', '.join(stuck)}")
    return report


@contextmanager
def serve(corpus: Path, startup_timeout: float = 300.0) -> Iterator[str]:
    """``app.py`` in a subprocess on 127.0.0.1, over a temporary copy of ``corpus``; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        base = Path(tmp)
        shutil.copytree(corpus, base / "corpus")
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        log_path = base / "server.log"
        env = {**os.environ, **OFFLINE_ENV, "ASSISTANT_FEEDBACK": str(base / "feedback.jsonl")}
        cmd = [
            sys.executable,
            str(ROOT / "app.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--corpus",
            str(base / "corpus"),
            "--index",
            str(base / "index"),
        ]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(cmd, cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(url, proc, log_path, startup_timeout)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def _wait_ready(url: str, proc: subprocess.Popen, log_path: Path, timeout: float) -> None:
    stop_at = time.monotonic() + timeout
    while time.monotonic() < stop_at:
        if proc.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"app.py exited with {proc.returncode} before serving:\n{tail}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"app.py did not answer on {url} within {timeout:.0f} s; log: {log_path}")


def table(report: Report) -> str:
    s = report.summary()
    total = s["clients"] * s["questions_per_client"]
    rows = [
        ("clients × questions", f"{s['clients']} × {s['questions_per_client']} = {total} requests", ""),
        ("distinct question+history", f"{s['distinct_questions']} (reference p50 {s['reference_p50_ms']:.0f} ms)", ""),
        (
            "answered",
            f"{s['answered']} of {s['sent']} sent ({s['skipped']} skipped at the deadline)",
            "all" if s["answered"] == total else "MISSED",
        ),
        ("errors", str(s["errors"]), "target 0: " + ("met" if not s["errors"] else "MISSED")),
        ("latency p50 / p95 / max", f"{s['p50_ms']:.0f} / {s['p95_ms']:.0f} / {s['max_ms']:.0f} ms", ""),
        ("throughput", f"{s['throughput_rps']:.1f} answers/s over {s['wall_s']:.1f} s", ""),
        (
            "equal to single-client answer",
            f"{s['answered'] - s['mismatches']} of {s['answered']} (text, answered, cited chunk ids)",
            "all: " + ("met" if not s["mismatches"] else "MISSED"),
        ),
        ("identical JSON (incl. scores)", f"{s['identical_json']} of {s['answered']}", ""),
    ]
    lines = ["| figure | value | target |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    for label, shown in (("error", s["first_errors"]), ("mismatch", s["first_mismatches"])):
        lines += [f"\n{label}: {m}" for m in shown]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Concurrent gradio_client traffic against the app on 127.0.0.1.")
    p.add_argument("--clients", type=int, default=Plan.clients, help="concurrent clients (default 20)")
    p.add_argument("--questions", type=int, default=Plan.questions, help="questions per client (default 25)")
    p.add_argument("--seed", type=int, default=0, help="seed of the question draw")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="corpus folder to copy and serve")
    p.add_argument("--request-timeout", type=float, default=Plan.request_timeout, help="seconds per request")
    p.add_argument("--deadline", type=float, default=Plan.deadline, help="seconds after which no new request is sent")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    args = p.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 1 <= args.questions <= 1000:
        p.error("--clients must be 1–200 and --questions 1–1000")
    sys.path.insert(0, str(ROOT))
    from assistant.evaluate import load_items

    plan = Plan(args.clients, args.questions, args.seed, args.request_timeout, args.deadline)
    items = load_items(QUESTIONS)
    print(f"starting app.py on 127.0.0.1 over a copy of {args.corpus} ...", flush=True)
    with serve(args.corpus) as url:
        print(f"serving on {url}; reference pass, then {plan.clients} × {plan.questions} ...", flush=True)
        report = run(url, items, plan)
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report.summary(), indent=2), encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
