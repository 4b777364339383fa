"""Security of issue 7: no pickle, loopback by default, user input is text (never a path, never markup),
input limits, no upload surface, and the whole pipeline offline.

Source checks parse the code with ``ast``; behaviour checks run the real assistant and app. File and
network activity is watched with a ``sys.audit`` hook, which sees what C code does too.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import NetworkBlocked, _is_local, free_port, serving, stop, wait_serving

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
SOURCES = sorted((ROOT / "assistant").rglob("*.py")) + [APP] + sorted((ROOT / "bench").glob("*.py"))
# Modules that deserialize arbitrary objects (pickle and its wrappers) or code (marshal).
UNSAFE_MODULES = {"pickle", "_pickle", "cPickle", "cloudpickle", "dill", "joblib", "shelve", "marshal"}
UNSAFE_CALLS = {"read_pickle", "to_pickle"}
RAW_TAG = re.compile(r"<\s*/?\s*(script|img|iframe|svg|object|embed|a|b|style)\b", re.I)
HOSTILE_HTML = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
                "<a href='javascript:alert(1)'>x</a>"]

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning"),
]


# -- watching file and network activity ----------------------------------------------------------

class Watch:
    """Records audit events while active. Audit hooks cannot be removed, so one hook is installed per
    process and does nothing unless a ``with Watch(...)`` block is running."""

    _current: Watch | None = None
    _installed = False

    def __init__(self, prefixes: tuple[str, ...], this_thread_only: bool = False) -> None:
        self.prefixes, self.events = prefixes, []
        self.thread = threading.get_ident() if this_thread_only else None

    @classmethod
    def _hook(cls, event: str, args: tuple) -> None:
        w = cls._current
        if w is None or not event.startswith(w.prefixes):
            return
        if w.thread is not None and threading.get_ident() != w.thread:
            return
        w.events.append((event, args))

    def __enter__(self) -> Watch:
        if not Watch._installed:
            sys.addaudithook(Watch._hook)
            Watch._installed = True
        Watch._current = self
        return self

    def __exit__(self, *exc) -> None:
        Watch._current = None


FILE_EVENTS = ("open", "os.", "shutil.", "glob.", "pathlib.")
NET_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
              "socket.sendto", "socket.sendmsg")


def _outside(event: str, args: tuple) -> bool:
    """Whether a network event aims at anything but this machine."""
    if event == "socket.connect":
        return not _is_local(args[1])
    if event in ("socket.sendto", "socket.sendmsg"):
        return not any(_is_local(a) for a in args[1:] if isinstance(a, tuple))
    host = args[0] if args else None
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    return host is not None and not _is_local((host, 0))


def test_the_watch_sees_file_and_network_events(tmp_path):
    """The empty-event assertions below mean something only if the watch does see such events."""
    with Watch(FILE_EVENTS, this_thread_only=True) as files:
        (tmp_path / "seen.txt").write_text("x", encoding="utf-8")
    assert any(e == "open" and "seen.txt" in str(a[0]) for e, a in files.events)
    with Watch(NET_EVENTS) as net:
        socket.getaddrinfo("192.0.2.1", 80, type=socket.SOCK_STREAM)  # numeric: no packet leaves
    assert [e for e, a in net.events if _outside(e, a)] == ["socket.getaddrinfo"]


# -- source checks -------------------------------------------------------------------------------

def _trees():
    for path in SOURCES:
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def test_sources_are_scanned():
    names = {p.relative_to(ROOT).as_posix() for p in SOURCES}
    assert {"app.py", "assistant/index.py", "assistant/assistant.py"} <= names


def test_no_pickle_anywhere():
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [_where(path, node) for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
                found.append(_where(path, node))
            elif isinstance(node, ast.Name) and node.id in UNSAFE_MODULES:
                found.append(_where(path, node))
            elif isinstance(node, ast.Attribute) and node.attr in UNSAFE_CALLS:
                found.append(_where(path, node))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
                  and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("__import__", "import_module")
                  and node.args and isinstance(node.args[0], ast.Constant)
                  and str(node.args[0].value).split(".")[0] in UNSAFE_MODULES):
                found.append(_where(path, node))
    assert not found, f"pickle-like deserialization in: {found}"


def _numpy_aliases(tree: ast.AST) -> set[str]:
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name == "numpy"}
    return aliases


def _calls(tree: ast.AST, module_aliases: set[str], name: str):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name
                and isinstance(node.func.value, ast.Name) and node.func.value.id in module_aliases):
            yield node


def test_np_load_always_refuses_pickles():
    loads, bad = 0, []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "numpy" and any(
                    a.name in ("load", "save") for a in node.names):
                bad.append(f"{_where(path, node)} imports numpy.load/save bare: call np.load(..., allow_pickle=False)")
        for fn in ("load", "save"):
            for call in _calls(tree, _numpy_aliases(tree), fn):
                loads += fn == "load"
                kw = {k.arg: k.value for k in call.keywords}
                flag = kw.get("allow_pickle")
                if not (isinstance(flag, ast.Constant) and flag.value is False):
                    bad.append(f"{_where(path, call)}: np.{fn} without allow_pickle=False")
        for call in _calls(tree, {"torch"}, "load"):
            kw = {k.arg: k.value for k in call.keywords}
            flag = kw.get("weights_only")
            if not (isinstance(flag, ast.Constant) and flag.value is True):
                bad.append(f"{_where(path, call)}: torch.load without weights_only=True")
    assert not bad, bad
    assert loads, "no np.load found: the scan is not looking where the index is read"


def test_a_pickled_vectors_file_is_refused_not_run(bot, tmp_path):
    """Even with a matching checksum (an attacker who can write the index can rewrite the manifest), a
    vectors.npy holding a pickle is refused by np.load, and the pickle's payload never runs."""
    import numpy as np

    from assistant import index as idx
    from assistant.errors import IndexFileError

    index_dir = tmp_path / "index"
    shutil.copytree(bot.settings.index_dir, index_dir)
    folder = index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    sha = hashlib.sha256((folder / "chunks.jsonl").read_bytes()).hexdigest()
    assert manifest["checksums"]["chunks.jsonl"] == sha, "checksum format changed: update this test"

    marker = tmp_path / "payload-ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    np.save(folder / "vectors.npy", np.array([Payload()], dtype=object), allow_pickle=True)
    manifest["checksums"]["vectors.npy"] = hashlib.sha256((folder / "vectors.npy").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexFileError, match="cannot be read.*assistant build"):
        idx.load(index_dir)
    assert not marker.exists()


# -- bind address --------------------------------------------------------------------------------

def test_host_defaults_to_loopback():
    """No --host and no GRADIO_SERVER_NAME: loopback (issue 14 moved the default out of argparse so that
    Gradio's own variables are honoured; see test_serve_env.py)."""
    if str(APP.parent) not in sys.path:
        sys.path.insert(0, str(APP.parent))
    import app

    assert app.server_address(None, None, {}) == ("127.0.0.1", 7860)


def test_app_never_shares_publicly():
    """``share=True`` would open a public tunnel to the app; nothing in app.py asks for one."""
    tree = ast.parse(APP.read_text(encoding="utf-8"))
    shares = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "share"
              and not (isinstance(n.value, ast.Constant) and n.value.value is False)]
    assert not shares, f"app.py passes share= at lines {shares}"


def _listening(port: int) -> list[str]:
    """Local addresses of the TCP sockets listening on ``port``, from /proc/net/tcp{,6}."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(addr)
                # /proc prints each 32-bit word in host (little-endian) order.
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                out.append(socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, words))
    return out


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the listening sockets from /proc")
def test_app_main_listens_on_loopback_only(bot, tmp_path):
    """``python app.py`` with no --host: every socket it listens on is a loopback address."""
    shutil.copytree(bot.settings.corpus_dir, tmp_path / "corpus")
    shutil.copytree(bot.settings.index_dir, tmp_path / "index")
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
           "TRANSFORMERS_OFFLINE": "1", "ASSISTANT_FEEDBACK": str(tmp_path / "feedback.jsonl")}
    env.pop("GRADIO_SERVER_NAME", None)
    log = tmp_path / "app.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, str(APP), "--port", str(port), "--corpus", str(tmp_path / "corpus"),
                                 "--index", str(tmp_path / "index")], cwd=tmp_path, env=env, stdout=fh,
                                stderr=subprocess.STDOUT)
    try:
        wait_serving(proc, port, log, "app.py")
        addresses = _listening(port)
        assert addresses, f"nothing listens on port {port}"
        assert all(ip in ("127.0.0.1", "::1") for ip in addresses), addresses
    finally:
        stop(proc)


# -- user input is text, never a path ------------------------------------------------------------

PATHS = ["../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "file:///etc/passwd", "~/.ssh/id_rsa",
         "corpus/0600T.txt", "\x00/etc/passwd"]


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS)
def test_document_is_a_report_code_not_a_path(bot, path):
    bot.ask("when do I use modifier 53?")  # anything loaded lazily is loaded before the watch
    with Watch(FILE_EVENTS, this_thread_only=True) as w:
        ans = bot.ask("when do I use modifier 53?", document=path)
    assert not ans.answered and not ans.citations
    assert "root:" not in ans.text
    assert w.events == [], f"asking with document={path!r} touched the file system: {w.events[:5]}"


@pytest.mark.slow
def test_an_existing_report_file_as_document_is_not_read(bot):
    real_file = str(next(bot.settings.corpus_dir.glob("*.txt")).resolve())
    bot.ask("when do I use modifier 53?")
    with Watch(FILE_EVENTS, this_thread_only=True) as w:
        ans = bot.ask("when do I use modifier 53?", document=real_file)
    assert not ans.answered and not ans.citations
    assert w.events == []


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS)
def test_a_path_in_the_question_or_history_is_just_text(bot, path):
    bot.ask("when do I use modifier 53?")
    with Watch(FILE_EVENTS, this_thread_only=True) as w:
        asked = bot.ask(path)
        followed = bot.ask("and 52?", history=[path])
    assert not asked.answered
    assert "root:" not in asked.text + followed.text
    assert w.events == [], w.events[:5]


# -- the app over HTTP -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(bot):
    """(url, demo): the app on the session bot, in-process, on a free loopback port."""
    with serving(bot) as url_demo:
        yield url_demo


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


@pytest.mark.slow
def test_api_treats_paths_as_text(served):
    cl = _client(served[0])
    for question, document in [("../../etc/passwd", ""), ("when do I use modifier 53?", "../../etc/passwd"),
                               ("when do I use modifier 53?", "/etc/passwd")]:
        out = cl.predict(question, [], document, api_name="/ask")
        assert out["answered"] is False and out["citations"] == []
        assert "root:" not in out["text"]


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/etc/passwd", "../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "app.py",
                                  "corpus/0600T.txt", "/proc/self/environ"])
def test_the_file_route_serves_no_local_file(served, path):
    """Gradio's file route serves only files the app handed out; the app hands out none."""
    import httpx

    r = httpx.get(served[0] + "gradio_api/file=" + path, timeout=10)
    assert r.status_code in (403, 404), (path, r.status_code)
    assert "root:" not in r.text


@pytest.mark.slow
def test_ui_has_no_upload_component_and_api_takes_no_file(served):
    import gradio as gr

    demo = served[1]
    kinds = (gr.File, gr.UploadButton, gr.Image, gr.ImageEditor, gr.Audio, gr.Video, gr.MultimodalTextbox,
             gr.Model3D, gr.Gallery)
    uploads = [type(b).__name__ for b in demo.blocks.values() if isinstance(b, kinds)]
    assert uploads == []
    info = _client(served[0]).view_api(print_info=False, return_format="dict")
    assert list(info["named_endpoints"]) == ["/ask"]
    params = info["named_endpoints"]["/ask"]["parameters"]
    assert [p["parameter_name"] for p in params] == ["question", "history", "document"]
    assert "filepath" not in json.dumps(params).lower()


@pytest.mark.slow
def test_the_upload_route_is_size_limited(served):
    import httpx

    r = httpx.post(served[0] + "gradio_api/upload", files={"files": ("big.bin", b"\0" * (2 * 1024 * 1024))},
                   timeout=30)
    if r.status_code == 200:  # keep Gradio's upload folder clean even when the limit is missing
        for p in r.json():
            shutil.rmtree(Path(p).parent, ignore_errors=True)
    assert r.status_code == 413


# -- rendering -----------------------------------------------------------------------------------

def _app():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import app

    return app


def _hostile_answer(answered: bool, question: str = "q"):
    from assistant import Answer, Citation
    from assistant.models import CodeWarning

    html = " ".join(HOSTILE_HTML)
    cite = Citation(n=1, chunk_id="X-1", document=f"0600T {html}", doc_title=html, source=f"{html}.txt",
                    section=("Coding", html), row=f"modifier table, row {html}", quote=html, score=1.0)
    warning = CodeWarning(code="53", kind="k", document="0600T", report_says=html, official=html, source=html,
                          message=f"⚠ {html}")
    return Answer(question=question, text=f"**Modifier 53** {html}", answered=answered,
                  citations=[cite] if answered else [], warnings=[warning] if answered else [])


@pytest.mark.parametrize("answered", [True, False])
def test_render_answer_escapes_every_field(answered):
    app = _app()
    question = "modifier 53 " + " ".join(HOSTILE_HTML)
    out = app.render_answer(question, _hostile_answer(answered, question))
    # Only the app's own wrappers are tags; every user or report '<' arrives as '&lt;'.
    assert RAW_TAG.search(out) is None, out
    assert "&lt;script&gt;" in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert set(re.findall(r"<(\w+)", out)) <= {"div"}


def test_render_answer_of_a_blank_or_long_question_escapes_too():
    app = _app()
    from assistant import Answer

    for question in ("   ", "x" * 2001):
        ans = Answer(question=question, text="<script>alert(1)</script>", answered=False)
        out = app.render_answer(question, ans)
        assert 'class="notice"' in out and RAW_TAG.search(out) is None


@pytest.mark.slow
@pytest.mark.parametrize("markup", HOSTILE_HTML)
def test_rendered_answers_to_html_questions_carry_no_tag(bot, markup):
    app = _app()
    for question, document in [(f"modifier 53 {markup}", None), (markup, None),
                               ("modifier 53", markup), (f"{markup} and 52?", None)]:
        out = app.render_answer(question, bot.ask(question, document=document))
        assert RAW_TAG.search(out) is None, (question, document, out)
        assert "onerror=" not in out.lower() or "&lt;" in out


@pytest.mark.slow
def test_an_unknown_document_is_not_reflected_as_markdown(bot):
    app = _app()
    out = app.render_answer("modifier 53", bot.ask("modifier 53", document="[click](http://evil.example)"))
    assert "](" not in out and "evil.example" not in out.lower()


# -- input limits ----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("size", [2_001, 100_000])
def test_long_questions_are_refused_fast(bot, size):
    from assistant.assistant import MAX_QUESTION_CHARS

    assert MAX_QUESTION_CHARS == 2_000
    start = time.perf_counter()
    ans = bot.ask("modifier 53 " + "x" * size)
    assert time.perf_counter() - start < 1.0
    assert not ans.answered and "2,000" in ans.text and not ans.citations


@pytest.mark.slow
def test_a_question_at_the_limit_is_not_refused(bot):
    question = "when do I use modifier 53? " + "x" * (2_000 - 27)
    assert len(question) == 2_000
    assert "characters long" not in bot.ask(question).text


def test_report_files_over_5_mb_are_refused_and_the_others_load(tmp_path):
    from assistant.ingest import MAX_BYTES, load_corpus

    assert MAX_BYTES == 5_000_000
    shutil.copy2(ROOT / "corpus" / "0600T.txt", tmp_path / "0600T.txt")
    big = tmp_path / "huge.txt"
    big.write_bytes(b"CPT 0999T: Huge\n" + b"x" * MAX_BYTES)
    docs, issues = load_corpus(tmp_path)
    assert [d.code for d in docs] == ["0600T"]
    refused = [i for i in issues if "huge.txt" in i.path]
    assert refused and refused[0].level == "error" and "limit" in str(refused[0])


# -- offline ---------------------------------------------------------------------------------------

def test_the_network_block_is_active():
    """The offline test below means something only if outside connections fail loudly here."""
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


@pytest.mark.slow
def test_build_ask_and_app_work_offline(tmp_path):
    """With outside access blocked (conftest), a fresh model load, index build, ask, the app's import,
    UI build, launch and an /ask round trip all succeed, and none of them even tries an outside host."""
    from assistant import Assistant, Settings

    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    with Watch(NET_EVENTS) as w:
        bot = Assistant.load(Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index"))
        ans = bot.ask("when do I use modifier 53?")
        app = _app()
        demo = app.build_ui(bot)
        port = free_port()
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                    **app.launch_options())
        try:
            out = _client(f"http://127.0.0.1:{port}/").predict("when do I use modifier 53?", [], "", api_name="/ask")
        finally:
            demo.close()
    assert ans.answered and ans.citations
    assert (out["text"], out["answered"]) == (ans.text, ans.answered)
    outside = [(e, a[1] if e == "socket.connect" else a[:2]) for e, a in w.events if _outside(e, a)]
    assert outside == [], f"outside network attempts: {outside[:5]}"
    assert any(e == "socket.connect" for e, _ in w.events), "the watch saw no connection at all"


@pytest.mark.parametrize("typed", [
    "[click me](http://evil.example/x) modifier 53",
    "see http://evil.example/y please",
    "![img](http://evil.example/i.png) modifier 22",
    "<img src=x onerror=alert(1)> www.evil.example",
])
def test_typed_links_and_images_stay_text(typed):
    """The user's own message is shown as typed: markdown or HTML in it never becomes a link or image."""
    import markdown_it

    app = _app()
    rendered = markdown_it.MarkdownIt("commonmark").render(app.plain_text(typed))
    assert "<a " not in rendered and "<img" not in rendered
    assert "://" not in app.plain_text(typed)  # nothing left for a linkifier to turn into a link
