"""The answer to a question that names no code: the table row or the report sentences that answer it,
chosen by the hand-set rules (`rules.py`) or by the fitted selector (`rank.py`), or an abstention that
shows the closest passage when it states another value than asked or names the asked thing to rule it out.
"""

from __future__ import annotations

from collections.abc import Callable

from . import answer as tpl
from .config import Settings
from .embed import embed_text
from .gaps import undescribed
from .ingest import code_key
from .models import PROCEDURE_KINDS, Answer, Chunk, Document, Hit
from .query import Query
from .rank import Candidate, Ranker, row_candidates, sentence_candidates
from .rules import RuleSelector, rule_scores
from .select import row_types
from .signals import (
    DEFINITION_WORDS,
    affirms,
    contradicts,
    counts_asked,
    denies,
    negated_words,
    number_fit,
    only_negated,
)
from .vocab import Catalog, stems, tokenize


class Search:
    """Answers a question naming no code from the reports in a scope (all when the scope is empty)."""

    def __init__(self, settings: Settings, docs: list[Document], catalog: Catalog, select: RuleSelector) -> None:
        self.settings, self.docs, self.catalog, self.select = settings, docs, catalog, select
        self._ranker: Ranker | None = None
        # Called with (query, scope, candidates) each time the fitted selector decides (eval collects them).
        self.recorder: Callable[[Query, set[str], list[Candidate]], None] | None = None

    def answer(self, q: Query, scope: set[str]) -> Answer:
        """Find the row or the sentences that answer the question, or abstain."""
        if named := self._spelled_row(q, scope) or self._named_row(q, scope):
            return tpl.row_answer(q, named)
        if ((q.intent == "prose" or q.intent == "list" and not q.target) and not q.payers
                and (entries := self.select.listed_section(q, scope))):
            return tpl.section_answer(q, entries)
        if self.settings.selector == "rules":
            return self._rules(q, scope)
        fixed, candidates = self.candidates(q, scope)
        if fixed is not None:
            return fixed
        choice, p = self.ranker().choose(candidates)
        if self.recorder is not None:
            self.recorder(q, scope, candidates)
        return self.render(q, scope, choice) if choice else tpl.abstain(q, tpl.NOT_COVERED)

    def ranker(self) -> Ranker:
        """The fitted selector (``assistant/data/selector.json`` unless one was given)."""
        if self._ranker is None:
            self._ranker = Ranker.load()
        return self._ranker

    def candidates(self, q: Query, scope: set[str]) -> tuple[Answer | None, list[Candidate]]:
        """Rows and sentences that might answer a question naming no code, or the answer the format
        itself gives (a vignette's opening, a report's descriptor, a follow-up's earlier subject)."""
        if q.subject:
            return self._rules(q, scope), []
        out: list[Candidate] = []
        if self._wants_row(q):
            keep = self.select.keep(scope, kind="row", code_type=row_types(q.target))
            rows = self.select.chunks(scope, kind="row", code_type=row_types(q.target))
            pool = self.select.row_pool(q, keep, rows)
            if pool is not None:
                conflicts = {h.chunk.id: c for h in pool.hits if h.chunk.id in pool.conflicting
                             and (c := contradicts(q.asked_text, embed_text(h.chunk), row=True))}
                supported = [self.select.supported(q, h.model_copy(update={"dense": cell}), rows)
                             for h, cell in zip(pool.hits, pool.cell, strict=True)]
                out += row_candidates(q, pool, conflicts, supported, self.settings)
            # A report's own code is a CPT (or HCPCS) code too; other kinds of code only a row gives.
            if q.target and q.target not in PROCEDURE_KINDS:
                return None, out
        named = self._naming(q)
        pool = self.select.sentence_pool(q, scope, naming=named)
        if pool is None:
            return None, out
        opening = self.select.structural(q, pool, [i for _, i in rule_scores(pool, self.settings)])
        if opening is not None:
            return tpl.prose_answer(q, opening[0], opening[1]), []
        checks = q.asks_code or q.intent == "reverse"
        conflicts = {i: c for i, (_, s) in enumerate(pool.pairs) if checks and (c := contradicts(q.asked_text, s))}
        prose = sentence_candidates(q, pool, conflicts, self.settings)
        if q.target:
            # "<procedure> cpt" is answered by the report's own descriptor only when it names the procedure.
            prose = [c for c in prose if self.select.names_all(q, c.hit.chunk, c.quote or "")]
        return None, out + prose

    def _spelled_row(self, q: Query, scope: set[str]) -> list[Hit]:
        """For "what is a bmp", letters no report spells out in its prose but a table row's name spells by its
        initials ("Basic metabolic panel"): that row, which is what the format says the letters name (the
        rows of every report in scope listing it)."""
        if q.intent != "definition" or q.codes or q.unknown:
            return []
        asked = set(tokenize(q.text)) - stems(DEFINITION_WORDS)
        spelled = self.catalog.read_initials(q.text)
        if len(asked) != 1 or len(spelled) != 1:
            return []
        (abbr, name), = spelled.items()
        if set(tokenize(abbr)) != asked or self.catalog.defined_in.get(abbr):
            return []
        rows = [c for c in self.catalog.spelled_rows.get(name, []) if not scope or c.doc_code in scope]
        return [Hit(chunk=c, score=1.0, exact=True) for c in rows] if len({c.code for c in rows}) == 1 else []

    def _named_row(self, q: Query, scope: set[str]) -> list[Hit]:
        """For "what's the PSC-17", "what is CO-97": a name no prose in scope uses that is a table row's own name
        (its first cell: "PSC-17 (Pediatric Symptom Checklist-17)", "CO-97 (bundled)"), which that row's other
        cells describe; empty unless exactly one name holds every word asked."""
        if q.intent != "definition" or q.codes or q.unknown:
            return []
        asked = set(tokenize(q.text)) - stems(DEFINITION_WORDS) - {code_key(r).lower() for r in q.reports}
        postings, chunks = self.select.postings(), self.select.index.chunks
        holding = [chunks[i] for i in set.intersection(*(postings.get(t, set()) for t in asked))] if asked else []
        holding = [c for c in holding if not scope or c.doc_code in scope]
        if any(c.kind == "prose" for c in holding):
            return []
        rows = [c for c in holding if asked <= set(tokenize(c.cells[0]))]
        return [Hit(chunk=c, score=1.0, exact=True) for c in rows] if len({c.cells[0] for c in rows}) == 1 else []

    @staticmethod
    def _wants_row(q: Query) -> bool:
        """Whether a table row may answer: a kind of code is asked for, or a situation is described
        ("whats the code for us guided elbow injection" opens like a definition but asks for a code)."""
        situation = q.intent in ("prose", "payer") or (q.intent == "definition" and q.asks_code)
        return bool(q.target) or q.intent == "reverse" or (situation and not q.fact_question)

    def _naming(self, q: Query) -> set[str] | None:
        """The codes a sentence must name to answer a question asking for a code (None: any sentence)."""
        if q.target:
            # A HCPCS code (a drug, a supply) is often named only in prose ("…such as J3301 for triamcinolone").
            prose = self.catalog.prose_codes if q.target == "hcpcs" else set()
            return {code_key(d.code).lower() for d in self.docs} | prose
        if q.asks_code:
            return ({code_key(d.code).lower() for d in self.docs} | {k.lower() for k in self.catalog.by_key}
                    | self.catalog.prose_codes)
        return None

    def render(self, q: Query, scope: set[str], c: Candidate) -> Answer:
        """The answer a candidate gives: its row or sentence quoted and cited, or, when it states another
        value than asked or names the asked thing only to rule it out, an abstention that shows it."""
        if c.is_row:
            row = c.hit.chunk
            if c.contradiction and (q.target or q.asks_code):
                asked, stated = c.contradiction
                return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} The closest code it lists, {row.cells[0]}, is for "
                                          f"“{stated}”, not “{asked}”:", c.hit, row.description or row.text)
            return (undescribed(q, c.hit, self.select.retriever.names(row), self.select.affirmed)
                    or tpl.row_answer(q, [c.hit]))
        quote = c.quote or ""
        if c.contradiction:
            return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} The code it describes is for “{c.contradiction[1]}”, "
                                      f"not “{c.contradiction[0]}”:", c.hit, quote)
        ruled_out = self.select.excluded(q, quote) if q.asks_code or q.intent == "reverse" else None
        if ruled_out:
            return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} It names that only to rule it out (“{ruled_out}”):",
                                      c.hit, quote)
        return tpl.prose_answer(q, c.hit, [quote, *c.also], self._also(q, scope, c.hit.chunk))

    def _rules(self, q: Query, scope: set[str]) -> Answer:
        """The hand-set selector (weights and bars in `Settings`), kept for the ablation."""
        row: Hit | None = None
        subject_rows = [r for c in q.subject for r in self.catalog.rows(c.key, c.type, scope)]
        if subject_rows:
            # "is it billed alone" about the code asked before: its row, or a sentence naming it.
            ids = {r.id for r in subject_rows}
            row, _ = self.select.best_row(q, lambda c: c.id in ids, subject_rows)
            prose = self.select.best_sentences(q, scope, naming={c.key.lower() for c in q.subject})
            if prose and (row is None or self._closer(q, scope, prose, row, 0.0, _by_number(q, prose[1][0], row))):
                return tpl.prose_answer(q, prose[0], prose[1])
            return tpl.row_answer(q, [Hit(chunk=r, score=1.0, exact=True) for r in subject_rows])
        if self._wants_row(q):
            keep = self.select.keep(scope, kind="row", code_type=row_types(q.target))
            rows = self.select.chunks(scope, kind="row", code_type=row_types(q.target))
            best, other = self.select.best_row(q, keep, rows)
            if best and self.select.supported(q, best, rows):
                row = best
                if lacking := undescribed(q, best, self.select.retriever.names(best.chunk), self.select.affirmed):
                    return lacking
            elif other and (q.target or q.asks_code) and self.select.supported(q, other, rows):
                # The closest code states another side, level or variant than asked ("with esophagitis")...
                asked, stated = contradicts(q.asked_text, embed_text(other.chunk), row=True) or ("", "")
                # ...unless the report's own code is the one asked ("mri brain w and wo contrast cpt" in the
                # 70553 report, whose related rows are the with-only and without-only codes).
                if q.target in PROCEDURE_KINDS and (own := self._own_code(q, scope)):
                    return own
                c = other.chunk
                return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} The closest code it lists, {c.cells[0]}, is for "
                                          f"“{stated}”, not “{asked}”:", other, c.description or c.text)
            # A report's own code is a CPT (or HCPCS) code too: "cryoablation breast tumor cpt" may be
            # answered by the sentence that defines it, when that is closer than any related-code row.
            if q.target and q.target not in PROCEDURE_KINDS:
                return tpl.row_answer(q, [row]) if row else tpl.abstain(q, tpl.NOT_COVERED)
        # A question that asks for a code is answered by a row or by a sentence that names one.
        named = self._naming(q)
        prose = self.select.best_sentences(q, scope, naming=named)
        # The number asked decides between the sentence and the row before anything else does, the every-word
        # bar included.
        decided = _by_number(q, prose[1][0], row) if prose and row is not None else None
        # A sentence answering for a code must hold every word typed, unless the number asked decides for it:
        # "simple repair scalp lac 2cm" is the own code's "2.5 cm or less", not a row's "2.6 cm to 7.5 cm".
        if prose and q.target and not decided and not self.select.names_all(q, prose[0].chunk, prose[1][0]):
            prose = None
        # A sentence whose label the question names ("service type" → "Service type: …") is a field
        # lookup and wins; otherwise the closer of the best row and the best sentence answers.
        # A row must be clearly closer to answer a question that doesn't ask for a code.
        margin = 0.0 if q.asks_code else self.settings.row_margin
        code_asked = q.asks_code or q.intent == "reverse"
        denied = negated_words(q.asked_text)
        if prose and row is not None and denied and affirms(denied, prose[1][0]) and denies(
                denied, embed_text(row.chunk)):
            # "clip placement, no biopsy": the row saying "without biopsy" is that code; a sentence saying
            # "biopsy" unnegated is another service's.
            prose = None
        if (prose and row is not None and code_asked
                and (gone := only_negated(prose[1][0]) & (set(tokenize(q.asked_text)) - denied))
                and affirms(gone, embed_text(row.chunk))):
            # The mirror case, for a code asked: "lap chole and they explored the common bile duct, what code": the
            # sentence saying 47562 is for "no common bile duct exploration" is the code without it; the row
            # stating it is the one with. (Asked whether something is done, a sentence denying it is the answer.)
            prose = None
        if prose and (row is None or prose[0].exact or self._closer(q, scope, prose, row, margin, decided)):
            chunk = prose[0].chunk
            conflict = contradicts(q.asked_text, prose[1][0]) if code_asked else None
            ruled_out = self.select.excluded(q, prose[1][0]) if code_asked and not conflict else None
            if (conflict or ruled_out) and row is not None:
                # The closer sentence (a field the question names by its label included: "Anesthesia: 00566
                # (CABG without pump oxygenator)" for "anesthesia code cabg on pump") states another variant
                # than asked or names it only to rule it out; a supported row, which passed the same
                # with/without check, is the code asked for.
                return tpl.row_answer(q, [row])
            if conflict:
                return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} The code it describes is for “{conflict[1]}”, "
                                          f"not “{conflict[0]}”:", prose[0], prose[1][0])
            if ruled_out:
                return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} It names that only to rule it out (“{ruled_out}”):",
                                          prose[0], prose[1][0])
            return tpl.prose_answer(q, prose[0], prose[1], self._also(q, scope, chunk))
        if row is not None:
            return tpl.row_answer(q, [row])
        return tpl.abstain(q, tpl.NOT_COVERED)

    def _also(self, q: Query, scope: set[str], chunk: Chunk) -> list[str]:
        """The other reports with a section of the same name, when the question chose no report itself: it
        was asked of the whole corpus, or the router chose the report from its words ("is there a clinical
        example" goes to the one report that says "example"). Not when the user named the report, or
        picked it as the document to answer from."""
        if scope and (q.reports or not q.routing):
            return []
        return sorted({c.doc_code for c in self.catalog.chunks if c.kind == "prose" and c.section == chunk.section
                       and c.doc_code != chunk.doc_code})

    def _own_code(self, q: Query, scope: set[str]) -> Answer | None:
        """The answer quoting the sentence that defines a report's own code, when it and the report's title hold
        every word the user typed and state no other value than asked."""
        prose = self.select.best_sentences(q, scope, naming=self._naming(q))
        if prose is None or not self.select.names_all(q, prose[0].chunk, prose[1][0]):
            return None
        if contradicts(q.asked_text, f"{prose[0].chunk.doc_title} {prose[1][0]}"):
            return None
        return tpl.prose_answer(q, prose[0], prose[1])

    def _closer(self, q: Query, scope: set[str], prose: tuple[Hit, list[str]], row: Hit, margin: float,
                decided: bool | None) -> bool:
        """Whether the best sentence beats the best row (by ``margin``) on one scale. A number the question
        gives decides first (``decided``, `_by_number`'s): the one of the two stating a bound that holds it
        answers, not the one stating bounds that miss it ("12 mins of counseling": "greater than 10 minutes",
        not "up to 10 minutes")."""
        if decided is not None:
            return decided
        sentence, cells = self.select.strength(q, scope, (prose[0], prose[1][0]), (row, row.chunk.text))
        return sentence + margin > cells


def _by_number(q: Query, sentence: str, row: Hit) -> bool | None:
    """Whether a number the question gives decides for the sentence (True) or the row (False): the one stating
    a bound that holds it, when the other states bounds that miss it; None when it decides nothing."""
    asked = counts_asked(q)
    if not asked:
        return None
    said, listed = number_fit(asked, sentence), number_fit(asked, embed_text(row.chunk))
    return said == (1.0, 0.0) if {said, listed} == {(1.0, 0.0), (0.0, 1.0)} else None
