"""The index folder: FAISS vectors, the chunk store (JSONL) and a manifest, written atomically.

``index/CURRENT`` names the live build folder. A build writes a new folder, checks it, then
replaces ``CURRENT`` in one ``os.replace``: a build killed at any point leaves the previous index live.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ValidationError

from .audit import Finding, audit_chunks, codeset_versions
from .chunks import sentences
from .embed import Embedder, embed_text
from .errors import IndexFileError
from .models import Chunk, Document, IngestIssue
from .passages import FILES as PASSAGE_FILES
from .passages import Passages, passage_texts

SCHEMA_VERSION = 3  # 2: manifest carries code-set findings; 3: the passage store (sentence and cell vectors)
# Chunks. Measured on 2 cores (bench/): exact flat search of 39k vectors takes ~2-15 ms a query and
# 0.04 s to build, while HNSW (M=32, efSearch=128) took 4.8 s to build and its recall@10 fell to 0.89
# at that size. Exact search is the better trade until well past 100k chunks (~2,500 reports).
HNSW_THRESHOLD = 150_000
CHUNK_FILES = ("vectors.faiss", "vectors.npy", "chunks.jsonl")
FILES = (*CHUNK_FILES, *PASSAGE_FILES)


class DocEntry(BaseModel):
    code: str
    title: str
    content_hash: str
    chunks: int
    sections: int


class Manifest(BaseModel):
    schema_version: int
    model: str
    dim: int
    corpus_hash: str
    documents: dict[str, DocEntry]
    n_chunks: int
    index_type: str
    built_at: str
    build_seconds: float
    embedded: int
    checksums: dict[str, str]
    issues: list[IngestIssue] = []
    # Rows that disagree with the official code sets (ICD-10-CM, NUCC), found at build time.
    findings: list[Finding] = []
    codesets: dict[str, str] = {}
    # The passage store (schema 3): distinct sentences and cells, and how many this build embedded.
    n_passages: int = 0
    passages_embedded: int = 0


def _n_sentences(chunk: Chunk) -> int:
    return len(sentences(chunk.text)) if chunk.kind == "prose" else 0


def corpus_hash(docs: list[Document]) -> str:
    """The files and what was read from them: a parser that reads the same file differently (a new
    reader for its format, a table's code column found elsewhere, sentences split elsewhere) changes the
    chunk ids, the codes rows carry or the sentences stored, so the index is rebuilt, not served stale."""
    h = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d.source):
        read = ",".join(f"{c.id}/{c.code or ''}/{c.code_type or ''}/{_n_sentences(c)}" for c in doc.chunks)
        h.update(f"{doc.source}\0{doc.content_hash}\0{read}\n".encode())
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Index:
    """A loaded index: chunks, their vectors and the FAISS structure over them."""

    def __init__(self, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray, faiss_index,
                 passages: Passages | None = None) -> None:
        self.manifest, self.chunks, self.vectors, self.faiss = manifest, chunks, vectors, faiss_index
        # An index of an older schema has no store; it loads so its chunk vectors can be reused.
        self.passages = passages if passages is not None else Passages.empty(manifest.dim)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Top-k (chunk position, inner product) pairs for one normalised query vector."""
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        scores, ids = self.faiss.search(query.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def stale_reason(self, docs: list[Document], model: str) -> str | None:
        """Why this index may not serve ``docs`` with ``model``, or None when it matches."""
        m = self.manifest
        if m.schema_version != SCHEMA_VERSION:
            return f"schema version {m.schema_version} (this code writes {SCHEMA_VERSION})"
        if m.model != model:
            return f"built with model {m.model!r}, settings ask for {model!r}"
        if m.corpus_hash != corpus_hash(docs):
            return "the corpus changed since the last build"
        return None


def _faiss_index(vectors: np.ndarray, index_type: str):
    import faiss

    dim = vectors.shape[1]
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 512  # recall@10 0.89 at efSearch 128 on 39k chunks (bench/): search wider
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def build(docs: list[Document], issues: list[IngestIssue], embedder: Embedder, index_dir: Path,
          previous: Index | None = None, index_type: str | None = None) -> Index:
    """Embed every chunk (reusing vectors of unchanged chunks from ``previous``) and write a new index."""
    import faiss

    start = time.perf_counter()
    chunks = [c for doc in docs for c in doc.chunks]
    # With every vector reusable, the model need not load at all (its import alone takes seconds).
    same_model = previous is not None and previous.manifest.model == embedder.model_name
    if same_model and {c.id for c in chunks} <= {c.id for c in previous.chunks} and (  # type: ignore[union-attr]
            set(passage_texts(chunks)) <= set(previous.passages.texts)):  # type: ignore[union-attr]
        dim = previous.manifest.dim  # type: ignore[union-attr]
    else:
        dim = embedder.dim
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    reuse: dict[str, int] = {}
    reusable = previous is not None and previous.manifest.model == embedder.model_name and previous.manifest.dim == dim
    if reusable:
        reuse = {c.id: i for i, c in enumerate(previous.chunks)}  # type: ignore[union-attr]
    todo = [i for i, c in enumerate(chunks) if c.id not in reuse]
    for i, c in enumerate(chunks):
        if c.id in reuse:
            vectors[i] = previous.vectors[reuse[c.id]]  # type: ignore[union-attr]
    if todo:
        vectors[todo] = embedder.encode([embed_text(chunks[i]) for i in todo])
    passages, passages_embedded = Passages.embed(chunks, embedder, dim, previous.passages if reusable else None)  # type: ignore[union-attr]
    # Audit only rows new to this build: an unchanged row's id (a content hash) keeps its findings,
    # unless the code sets changed since.
    codesets = codeset_versions()
    audited = previous is not None and previous.manifest.codesets == codesets
    known = {c.id for c in previous.chunks} if audited else set()  # type: ignore[union-attr]
    ids = {c.id for c in chunks}
    findings = [f for f in (previous.manifest.findings if audited else []) if f.chunk_id in ids]  # type: ignore[union-attr]
    findings += audit_chunks(c for c in chunks if c.id not in known)
    order = {c.id: i for i, c in enumerate(chunks)}
    findings.sort(key=lambda f: order[f.chunk_id])
    kind = index_type or ("hnsw" if len(chunks) >= HNSW_THRESHOLD else "flat")
    fx = _faiss_index(vectors, kind)

    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        target = index_dir / f"build-{time.time_ns()}"
        target.mkdir()
        faiss.write_index(fx, str(target / "vectors.faiss"))
        np.save(target / "vectors.npy", vectors, allow_pickle=False)
        with (target / "chunks.jsonl").open("w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(c.model_dump_json() + "\n")
        passages.save(target)
        manifest = Manifest(
            schema_version=SCHEMA_VERSION, model=embedder.model_name, dim=dim, corpus_hash=corpus_hash(docs),
            documents={d.source: DocEntry(code=d.code, title=d.title, content_hash=d.content_hash,
                                          chunks=len(d.chunks), sections=len(d.sections)) for d in docs},
            n_chunks=len(chunks), index_type=kind, built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - start, 3), embedded=len(todo),
            checksums={name: _sha256(target / name) for name in FILES}, issues=issues,
            findings=findings, codesets=codesets, n_passages=len(passages), passages_embedded=passages_embedded,
        )
        (target / "manifest.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        for name in (*FILES, "manifest.json"):
            with (target / name).open("rb") as fh:
                os.fsync(fh.fileno())
        pointer = index_dir / "CURRENT.tmp"
        pointer.write_text(target.name, encoding="utf-8")
        os.replace(pointer, index_dir / "CURRENT")
    except OSError as exc:
        raise IndexFileError(f"cannot write the index to {index_dir}: {exc.strerror or exc}; make the folder "
                             "writable or choose another with --index") from exc
    _prune(index_dir, keep=target.name)
    return Index(manifest, chunks, vectors, fx, passages)


def _prune(index_dir: Path, keep: str) -> None:
    for old in index_dir.glob("build-*"):
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def load(index_dir: Path) -> Index:
    """Load the live index, verifying every file against the manifest's checksums."""
    import faiss

    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexFileError(f"no index in {index_dir}; run `assistant build`")
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexFileError(f"index pointer {pointer} is unreadable ({exc}); run `assistant build`") from exc
    if not name.startswith("build-") or "/" in name or "\\" in name:
        raise IndexFileError(f"index pointer {pointer} names {name[:40]!r}, not a build folder; run `assistant build`")
    folder = index_dir / name
    try:
        manifest = Manifest.model_validate_json((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise IndexFileError(f"index manifest {folder / 'manifest.json'} is missing or invalid; "
                             "run `assistant build`") from exc
    # An index of an older schema has no passage store: it loads, and stale_reason names its version.
    for name in FILES if manifest.schema_version >= 3 else CHUNK_FILES:
        path = folder / name
        if not path.is_file() or _sha256(path) != manifest.checksums.get(name):
            raise IndexFileError(f"index file {path} is missing or does not match its checksum; "
                                 "run `assistant build`")
    try:
        chunks = [Chunk.model_validate_json(line) for line in
                  (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        fx = faiss.read_index(str(folder / "vectors.faiss"))
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexFileError(f"index in {folder} cannot be read ({exc}); run `assistant build`") from exc
    if not (len(chunks) == manifest.n_chunks == vectors.shape[0] == fx.ntotal) or (
            len(chunks) and vectors.shape[1] != manifest.dim):
        raise IndexFileError(f"index in {folder} is inconsistent (chunks {len(chunks)}, vectors "
                             f"{vectors.shape}, faiss {fx.ntotal}, manifest {manifest.n_chunks}); "
                             "run `assistant build`")
    passages = Passages.load(folder, manifest.n_passages, manifest.dim) if manifest.schema_version >= 3 else None
    return Index(manifest, chunks, vectors, fx, passages)
