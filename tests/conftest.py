"""Shared fixtures: network blocked for the whole session, the real model loaded once, session bots.

The offline switches are set at import, before anything can import huggingface_hub or gradio.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from assistant.fitting import corpus_files  # noqa: E402 (after the offline switches)


def _keep_hypothesis_out_of_the_repo() -> None:
    """Hypothesis keeps its example database in ./.hypothesis; the tests write nothing in the repo."""
    try:
        from hypothesis import configuration
    except ImportError:
        return
    configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "billing-assistant-hypothesis")


_keep_hypothesis_out_of_the_repo()

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
REPORTS = DATA / "reports"
BAD = DATA / "bad"
MULTI_FILES = (CORPUS / "0600T.txt", REPORTS / "0441T.txt", REPORTS / "0581T.txt")
# More reports and their questions, each written by someone who had not seen the pipeline
# (eval/heldout*/); every set runs on the corpus of all of them.
HELDOUT_DIRS = tuple(sorted((ROOT / "eval").glob("heldout*")))
# The full corpus: the shipped report, the fixture reports and every held-out report, in any format.
HELDOUT_FILES = tuple(corpus_files())


class NetworkBlocked(RuntimeError):
    """Raised on any connection to a non-loopback address during the tests.

    A RuntimeError rather than an OSError: libraries treat OSError as "offline, try the cache",
    which would hide an accidental hub download instead of failing loudly.
    """


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX socket path: not the network
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session", autouse=True)
def block_network() -> Iterator[None]:
    """Session-wide so that session fixtures (the model load) run under the block too."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def guard(address: object) -> None:
        if not _is_local(address):
            raise NetworkBlocked(f"outside network access blocked during tests: {address!r}")

    def connect(self, address):
        guard(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        guard(address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        guard(address)
        return real_create_connection(address, *args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", connect)
    mp.setattr(socket.socket, "connect_ex", connect_ex)
    mp.setattr(socket, "create_connection", create_connection)
    try:
        yield
    finally:
        mp.undo()


def wait_serving(proc: subprocess.Popen, port: int, log: Path, what: str, timeout: float = 180) -> None:
    """Poll the Gradio page of a server process until it answers; fail with its log if it exits or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} exited {proc.returncode}: {log.read_text(errors='replace')[-2000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"{what} did not serve on {port} within {timeout:.0f} s: {log.read_text(errors='replace')[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server process, killing it if it does not exit."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(bot) -> Iterator[tuple[str, object]]:
    """(url, demo): ``app.py``'s UI over ``bot``, in-process, on a free loopback port; closed after."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import app

    demo = app.build_ui(bot)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                **app.launch_options())
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        demo.close()


def copy_corpus(files: tuple[Path, ...] | list[Path], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, dest / f.name)
    return dest


def make_bot(corpus_dir: Path, index_dir: Path, embedder):
    """Build an index for ``corpus_dir`` with the given (already loaded) embedder and wrap it.

    ``Assistant.load`` creates its own ``Embedder``; building through ``index.build`` and the
    constructor lets every session bot share the one model load.
    """
    from assistant import Assistant, Settings
    from assistant import index as idx
    from assistant.ingest import load_corpus

    settings = Settings(corpus_dir=corpus_dir, index_dir=index_dir, model=embedder.model_name)
    docs, issues = load_corpus(corpus_dir)
    index = idx.build(docs, issues, embedder, index_dir)
    bot = Assistant(settings, docs, issues, index, embedder)
    bot.warm_up()
    return bot


@pytest.fixture(scope="session")
def embedder():
    from assistant.embed import Embedder

    emb = Embedder()
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def shipped_build(embedder, tmp_path_factory):
    """One real build of the shipped report per session: (corpus, index folder, the Index the build
    returned). Embedding is the slow part; tests that change files work on copies."""
    from assistant import index as idx
    from assistant.ingest import load_corpus

    base = tmp_path_factory.mktemp("shipped")
    corpus = copy_corpus([CORPUS / "0600T.txt"], base / "corpus")
    docs, issues = load_corpus(corpus)
    return corpus, base / "index", idx.build(docs, issues, embedder, base / "index")


@pytest.fixture(scope="session")
def bot(embedder, tmp_path_factory):
    base = tmp_path_factory.mktemp("bot")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    return make_bot(corpus, base / "index", embedder)


@pytest.fixture(scope="session")
def multi_bot(embedder, tmp_path_factory):
    base = tmp_path_factory.mktemp("multi")
    corpus = copy_corpus(MULTI_FILES, base / "corpus")
    return make_bot(corpus, base / "index", embedder)


@pytest.fixture(scope="session")
def heldout_bot(embedder, tmp_path_factory):
    base = tmp_path_factory.mktemp("heldout")
    corpus = copy_corpus(HELDOUT_FILES, base / "corpus")
    return make_bot(corpus, base / "index", embedder)


@pytest.fixture
def load_bot(embedder, monkeypatch) -> Callable:
    """``Assistant.load`` itself (staleness checks, rebuilds), sharing the session's model.

    Only the ``Embedder`` constructor is swapped, for the same real, already warmed embedder.
    """
    import assistant.assistant as facade

    monkeypatch.setattr(facade, "Embedder", lambda model=None, *a, **kw: embedder)

    def load(corpus_dir: Path, index_dir: Path, **kw):
        from assistant import Assistant, Settings

        return Assistant.load(
            Settings(corpus_dir=corpus_dir, index_dir=index_dir, model=embedder.model_name), **kw
        )

    return load


def chunk_by_id(bot) -> dict:
    return {c.id: c for c in bot.index.chunks}


def assert_citations_resolve(bot, answer) -> None:
    """Every citation names a chunk of the index and quotes a verbatim span of it."""
    chunks = chunk_by_id(bot)
    for cit in answer.citations:
        assert cit.chunk_id in chunks, f"citation {cit.n} names unknown chunk {cit.chunk_id}"
        chunk = chunks[cit.chunk_id]
        assert cit.quote, f"citation {cit.n} has an empty quote"
        assert cit.quote in chunk.text, (
            f"citation {cit.n} quote is not verbatim in {cit.chunk_id}: {cit.quote!r}"
        )
        assert cit.document == chunk.doc_code
        assert tuple(cit.section) == tuple(chunk.section)
