"""The facade: load (or build) the index for a corpus and answer questions about it."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from . import answer as tpl
from . import index as idx
from .embed import DEFAULT_MODEL, Embedder, embed_text
from .errors import IndexFileError
from .ingest import code_key, load_corpus, sentences
from .models import Answer, Chunk, CodeWarning, Document, Hit, IngestIssue
from .query import Catalog, Query, parse, tokenize
from .retrieve import Mode, Retriever

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
MAX_QUESTION_CHARS = 2000


class Settings(BaseModel):
    """Where the corpus and index live, which model embeds, and the abstention thresholds."""

    model_config = ConfigDict(frozen=True)
    corpus_dir: Path = Path(os.environ.get("ASSISTANT_CORPUS", ROOT / "corpus"))
    index_dir: Path = Path(os.environ.get("ASSISTANT_INDEX", ROOT / "index"))
    model: str = os.environ.get("ASSISTANT_MODEL", DEFAULT_MODEL)
    mode: Mode = "hybrid"
    # Below this cosine similarity a passage found for a question without a code is not an answer.
    min_dense: float = 0.28
    # Needed by a labelled field ("Typical site of service: …") whose label the question names.
    min_dense_label: float = 0.05
    # Needed when none of the question's distinctive words occur in the passage.
    min_dense_no_overlap: float = 0.50
    # ...and when that passage is a table row offered as the code for a described situation.
    min_dense_row: float = 0.70
    # A filtered list keeps rows whose similarity is within this margin of the best row.
    list_margin: float = 0.06
    list_max: int = 8
    # Prose passages whose sentences are scored, and how close a second sentence must be to be quoted too.
    prose_passages: int = 8
    row_candidates: int = 10
    sentence_margin: float = 0.04
    # Sentence score bonuses: per distinctive question word it contains; when the question names its
    # label (a bullet's "Typical site of service:" or its section's heading).
    term_weight: float = 0.02
    label_weight: float = 0.25
    self_reference_penalty: float = 0.15


SELF_REFERENCE = re.compile(r"\b(this|the) (report|publication|analysis|document)\b|\breaders\b", re.I)


def _label_match(chunk: Chunk, sentence: str, asked: set[str]) -> bool:
    """Whether the question names what this sentence is: its bullet label or its section heading."""
    label = sentence.split(":", 1)[0] if ":" in sentence[:60] else chunk.section[-1]
    words = set(tokenize(label))
    return bool(words) and words <= asked


class Assistant:
    """Answers questions about a corpus of coding reports, citing the passages it quotes."""

    def __init__(self, settings: Settings, docs: list[Document], issues: list[IngestIssue],
                 index: idx.Index, embedder: Embedder) -> None:
        self.settings, self.docs, self.issues, self.index, self.embedder = settings, docs, issues, index, embedder
        self.catalog = Catalog(index.chunks)
        self.findings: dict[str, list] = {}
        for f in index.manifest.findings:
            self.findings.setdefault(f.chunk_id, []).append(f)
        self.retriever = Retriever(index, embedder, settings.mode)
        self.rebuilt: str | None = None

    @classmethod
    def load(cls, settings: Settings | None = None, rebuild: bool = False, warm: bool = True, **overrides) -> Assistant:
        """Open the corpus and its index, building or refreshing the index when it doesn't match."""
        settings = settings or Settings(**overrides)
        docs, issues = load_corpus(settings.corpus_dir)
        for issue in issues:
            log.warning("%s", issue)
        embedder = Embedder(settings.model)
        previous, reason = None, "forced by `assistant build`" if rebuild else None
        try:
            previous = idx.load(settings.index_dir)
            reason = reason or previous.stale_reason(docs, embedder.model_name)
        except IndexFileError as exc:
            reason = f"{exc}" if (settings.index_dir / "CURRENT").exists() else "no index yet"
        index = previous
        if reason is not None or previous is None:
            log.warning("building the index in %s: %s", settings.index_dir, reason)
            index = idx.build(docs, issues, embedder, settings.index_dir, previous=previous)
        bot = cls(settings, docs, issues, index, embedder)  # type: ignore[arg-type]
        bot.rebuilt = reason
        if warm:
            bot.warm_up()
        return bot

    def warm_up(self) -> None:
        """Load the model and the BM25 index now rather than on the first question."""
        self.retriever.warm_up()
        self.embedder.encode_query("warm up")

    # -- answering -----------------------------------------------------------------------------

    def ask(self, question: str, history: list[str] | None = None, document: str | None = None) -> Answer:
        """Answer ``question``; ``history`` is the chat's earlier user turns, oldest first;
        ``document`` restricts the answer to one report (its code)."""
        question = question if isinstance(question, str) else str(question)
        clean = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
        empty = Query(original=question, text="")
        if not clean:
            return tpl.abstain(empty, "Please type a question, e.g. “when do I use modifier 53?”.")
        if len(clean) > MAX_QUESTION_CHARS:
            return tpl.abstain(empty, f"That question is {len(clean):,} characters long; please keep it under "
                               f"{MAX_QUESTION_CHARS:,} (one question at a time).")
        history = [h[:MAX_QUESTION_CHARS] for h in (history or []) if isinstance(h, str)]
        query = parse(clean, self.catalog, history)
        scope = set(query.reports)
        if document and document.strip():
            scope = {document.strip().upper()}
        return self._with_warnings(self._answer(query, scope))

    def _with_warnings(self, ans: Answer) -> Answer:
        """Attach the code-set findings of every cited row: the report's words stay, the official fact follows."""
        warnings = [f.warning() for c in ans.citations for f in self.findings.get(c.chunk_id, [])]
        return ans.model_copy(update={"warnings": warnings}) if warnings else ans

    def _keep(self, scope: set[str], **want):
        def keep(c: Chunk) -> bool:
            return (not scope or c.doc_code in scope) and all(getattr(c, k) == v for k, v in want.items() if v)
        return keep

    def _rows(self, key: str, scope: set[str]) -> list[Chunk]:
        return [self.index.chunks[i] for i in self.catalog.by_key.get(key, [])
                if not scope or self.index.chunks[i].doc_code in scope]

    def _answer(self, q: Query, scope: set[str]) -> Answer:
        warnings: list[CodeWarning] = []
        in_scope = [c for c in self.index.chunks if not scope or c.doc_code in scope]
        if not in_scope:
            named = ", ".join(c for c in sorted(scope) if re.fullmatch(r"[0-9A-Z]{4,10}", c))
            return tpl.abstain(q, f"No report for {named} is in the corpus." if named else
                               "No report with that code is in the corpus; `assistant docs` lists them.")
        rows = [(c, r) for c in q.codes for r in self._rows(c.key, scope)]
        missing = [c for c in q.codes if not self._rows(c.key, scope)]
        note = self._not_listed(q.unknown + tuple(missing), scope)
        if not rows:
            if q.unknown or missing:
                return tpl.abstain(q, note)
        topic = self._uncovered_topic(q, in_scope)
        if topic:
            return tpl.abstain(q, topic)
        if rows:
            hits = [Hit(chunk=r, score=1.0, exact=True) for _, r in rows]
            if q.intent == "compare" and len(hits) >= 2:
                return tpl.compare_answer(q, hits, warnings, note)
            if len(q.codes) >= 2:
                return tpl.list_answer(q, hits, warnings, detail=True, note=note)
            return tpl.row_answer(q, hits, warnings, note)
        if q.intent == "list" and q.target:
            return self._list(q, scope, warnings)
        return self._search(q, scope, warnings)

    def _not_listed(self, refs, scope: set[str]) -> str:
        """Say which codes the report(s) don't list, what they list instead, and who has them."""
        lines = []
        for ref in refs:
            where = " and ".join(f"{s} report" for s in sorted(scope)) if scope else (
                "report" if len(self.docs) <= 1 else "reports")
            elsewhere = sorted({self.index.chunks[i].doc_code for i in self.catalog.by_key.get(ref.key, [])})
            if elsewhere:
                lines.append(f"{ref.raw.upper()} is not in the {where}; it is listed in the "
                             f"{', '.join(elsewhere)} report{'s' if len(elsewhere) > 1 else ''}.")
                continue
            listed = self.catalog.codes_of(ref.type, scope) if ref.type else []
            header = next((c.columns[0] for c in self.index.chunks if c.code_type == ref.type and c.columns), None)
            if listed and header:
                lines.append(f"The {where} list{'s' if where.endswith('report') else ''} {header.lower()}s "
                             f"{', '.join(listed)}; {ref.raw.upper().lstrip('-')} is not among them.")
            else:
                lines.append(f"The {where} doesn't mention {ref.raw.upper()}.")
        return "\n\n".join(lines)

    def _uncovered_topic(self, q: Query, chunks: list[Chunk]) -> str | None:
        """A question about a fact the reports do not state (RVUs, payment, edits…) is not answered."""
        from .query import TOPICS

        for name in q.topics:
            evidence = TOPICS[name][1]
            if not any(evidence.search(c.text) for c in chunks):
                return f"{tpl.NOT_COVERED} It does not give {name}."
        text = " ".join(c.text.lower() for c in chunks)
        absent = [p for p in q.payers if p not in text]
        if absent:
            return f"{tpl.NOT_COVERED} It does not mention {absent[0].title()}."
        return None

    def _list(self, q: Query, scope: set[str], warnings: list[CodeWarning]) -> Answer:
        keep = self._keep(scope, kind="row", code_type=q.target)
        candidates = [c for c in self.index.chunks if keep(c)]
        if not candidates:
            return tpl.abstain(q, f"{tpl.NOT_COVERED} No report in scope has a {q.target} table.")
        terms = self._discriminative(q, candidates)
        if not terms:
            hits = [Hit(chunk=c, score=1.0, exact=True) for c in candidates]
            return tpl.list_answer(q, hits, warnings, detail=False)
        hits = self.retriever.search(q.retrieval_text, keep, k=len(candidates))
        if not hits or not self._supported(q, hits[0], candidates):
            return tpl.abstain(q, tpl.NOT_COVERED)
        top = max(h.dense for h in hits)
        vocab = {t for c in candidates for t in tokenize(embed_text(c))}
        known = terms & vocab
        chosen = [h for h in hits if h.dense >= top - self.settings.list_margin
                  or (known and known <= set(tokenize(embed_text(h.chunk))))][: self.settings.list_max]
        return tpl.list_answer(q, chosen, warnings, detail=True)

    @staticmethod
    def _discriminative(q: Query, candidates: list[Chunk], keep_reports: bool = False) -> set[str]:
        """The question's words that tell candidates apart: in fewer than half of them, not type words."""
        from .query import TYPE_WORDS

        counts: dict[str, int] = {}
        for c in candidates:
            for t in set(tokenize(embed_text(c))):
                counts[t] = counts.get(t, 0) + 1
        words = set(tokenize(q.retrieval_text)) - {t.rstrip("s") for t in TYPE_WORDS} - set(TYPE_WORDS)
        words -= {"list", "all", "every", "related"}
        if not keep_reports:
            words -= {code_key(r).lower() for r in q.reports}
        # A report's title names what all of its passages are about: within one report its words tell
        # none apart (across reports they do, so they stay).
        titles = {c.doc_title for c in candidates}
        if len(titles) == 1:
            words -= set(tokenize(titles.pop()))
        return {t for t in words if counts.get(t, 0) < max(2, len(candidates) / 2) or len(candidates) < 3}

    def _supported(self, q: Query, hit: Hit, candidates: list[Chunk]) -> bool:
        """Whether a passage found without an exact code is close enough to count as the answer.

        Sharing a distinctive word with the question lowers the similarity needed; a table row
        offered as the code for a situation must share one, or be near-identical in meaning.
        """
        terms = self._discriminative(q, candidates)
        if terms & set(tokenize(embed_text(hit.chunk))):
            return hit.dense >= self.settings.min_dense
        need = self.settings.min_dense_row if hit.chunk.kind == "row" else self.settings.min_dense_no_overlap
        return hit.dense >= need

    def _search(self, q: Query, scope: set[str], warnings: list[CodeWarning]) -> Answer:
        """No code named: find the row or the sentences that answer the question, or abstain."""
        row: Hit | None = None
        if q.target or q.intent in ("reverse", "prose"):
            keep = self._keep(scope, kind="row", code_type=q.target)
            rows = [c for c in self.index.chunks if keep(c)]
            best = self._best_row(q, keep, rows)
            if best and self._supported(q, best, rows):
                row = best
            if q.target or q.intent == "reverse":
                return tpl.row_answer(q, [row], warnings) if row else tpl.abstain(q, tpl.NOT_COVERED)
        prose = self._best_sentences(q, scope)
        # A sentence whose label the question names ("service type" → "Service type: …") is a field
        # lookup and wins; otherwise the closer of the best row and the best sentence answers.
        if prose and (row is None or prose[0].exact or prose[0].score > row.dense):
            chunk = prose[0].chunk
            also = [] if scope else sorted({c.doc_code for c in self.index.chunks if c.kind == "prose"
                                            and c.section == chunk.section and c.doc_code != chunk.doc_code})
            return tpl.prose_answer(q, prose[0], prose[1], warnings, also)
        if row is not None:
            return tpl.row_answer(q, [row], warnings)
        return tpl.abstain(q, tpl.NOT_COVERED)

    def _idf_overlap(self, terms: set[str], text: str) -> float:
        """Shared distinctive words, each weighted by how rare it is in the corpus (log N/df)."""
        import math

        n = len(self.index.chunks)
        return sum(math.log((n + 1) / (self.catalog.df.get(t, 0) + 1)) for t in terms & set(tokenize(text)))

    def _section_opening(self, q: Query, hit: Hit, asked: set[str]) -> tuple[Hit, list[str]] | None:
        """For "give me the clinical example" with nothing more specific, the section's first sentences:
        a vignette read from its start, not the one sentence that happens to score best."""
        from .query import INTENT_HINTS

        if q.intent != "clinical_context" or not _label_match(hit.chunk, "", asked):
            return None
        # Words of the report titles describe every passage of their report: they don't narrow the question.
        generic = set(tokenize(INTENT_HINTS[q.intent])) | {"example", "scenario", "vignette", "case", "sample"}
        generic |= {t for d in self.docs for t in tokenize(d.title)}
        if set(tokenize(q.text)) - generic - {code_key(r).lower() for r in q.reports}:
            return None
        first = next(c for c in self.index.chunks if c.kind == "prose" and c.doc_code == hit.chunk.doc_code
                     and c.section == hit.chunk.section)
        return Hit(chunk=first, score=hit.score, dense=hit.dense, exact=True), sentences(first.text)[:2]

    def _best_row(self, q: Query, keep, rows: list[Chunk]) -> Hit | None:
        """The row closest to a described situation. Candidates come from hybrid search; each is then
        scored by its closest cell too (a "When to Use" cell alone matches a situation better than
        the whole row with its code and column names)."""
        hits = self.retriever.search(q.retrieval_text, keep, k=self.settings.row_candidates)
        if not hits:
            return None
        cells = [(n, cell) for n, h in enumerate(hits) for cell in h.chunk.cells[1:] if cell]
        sims = self.embedder.encode_cached([c for _, c in cells]) @ self.embedder.encode_query(q.retrieval_text)
        best_cell = [h.dense for h in hits]
        for (n, _), sim in zip(cells, sims, strict=True):
            best_cell[n] = max(best_cell[n], float(sim))
        terms = self._discriminative(q, rows)
        scored = [(best_cell[n] + self.settings.term_weight * len(terms & set(tokenize(embed_text(h.chunk)))), n)
                  for n, h in enumerate(hits)]
        _, n = max(scored)
        h = hits[n]
        return Hit(chunk=h.chunk, score=h.score, dense=best_cell[n], lexical=h.lexical)

    def _best_sentences(self, q: Query, scope: set[str]) -> tuple[Hit, list[str]] | None:
        """The prose passage and its one to three sentences closest to the question, if close enough.

        Passages are found by hybrid search; their sentences are then scored one by one, so a
        question about one detail quotes that detail rather than its paragraph's first line.
        """
        keep = self._keep(scope, kind="prose")
        hits = self.retriever.search(q.retrieval_text, keep, k=self.settings.prose_passages)
        if not hits:
            return None
        candidates = [c for c in self.index.chunks if keep(c)]
        terms = self._discriminative(q, candidates, keep_reports=True)
        pairs = [(h, s) for h in hits for s in sentences(h.chunk.text)]
        sims = self.embedder.encode_cached([s for _, s in pairs]) @ self.embedder.encode_query(q.retrieval_text)
        asked = set(tokenize(q.retrieval_text))
        # A sentence where the report describes itself ("Readers will learn…") lists topics without
        # saying anything about them: it answers only questions about the report itself.
        about_report = SELF_REFERENCE.search(q.text) is not None
        scored = sorted(((float(sim) + self.settings.term_weight * self._idf_overlap(terms, pairs[i][1])
                          + self.settings.label_weight * _label_match(pairs[i][0].chunk, pairs[i][1], asked)
                          - (0 if about_report or not SELF_REFERENCE.search(pairs[i][1])
                             else self.settings.self_reference_penalty), i)
                         for i, sim in enumerate(sims)), reverse=True)
        best_score, best_i = scored[0]
        hit, sentence = pairs[best_i]
        opening = self._section_opening(q, hit, asked)
        if opening is not None:
            return opening
        overlap = bool(terms & set(tokenize(sentence)))
        dense = float(sims[best_i])
        labelled = _label_match(hit.chunk, sentence, asked) and ":" in sentence[:60]
        # A field the question names by its label is the answer however its value is worded.
        need = (self.settings.min_dense_label if labelled else
                self.settings.min_dense if overlap else self.settings.min_dense_no_overlap)
        if dense < need:
            return None
        quotes = [sentence] + [pairs[i][1] for sc, i in scored[1:3] if pairs[i][0] is hit
                               and sc >= best_score - self.settings.sentence_margin]
        return Hit(chunk=hit.chunk, score=best_score, dense=dense, lexical=hit.lexical, exact=labelled), quotes

    def documents(self) -> list[Document]:
        return list(self.docs)

