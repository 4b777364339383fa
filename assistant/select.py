"""Evidence selection: the row or sentences that answer a question without an exact code, or none.

Sits between retrieval (ranked chunks) and the answer templates: it scores candidate rows by their
closest cell and prose by its sentences, and decides whether the best of them is close enough to be
an answer at all.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable
from typing import NamedTuple

from .config import Settings
from .embed import Embedder, embed_text
from .index import Index
from .ingest import code_key, sentences
from .models import Chunk, Document, Hit
from .query import ABBREVIATIONS, Query
from .retrieve import Retriever
from .signals import (
    ALTERNATIVE,
    DEFINITION_WORDS,
    EXAMPLE_NAMES,
    EXCLUSION,
    EXCLUSION_MARKERS,
    HOW_IT_WORKS,
    NAMES_EXAMPLE,
    PRESENCE,
    QUESTION_ABOUT_REPORT,
    SELF_REFERENCE,
    answer_type,
    contradicts,
    enumerates_payers,
    label_match,
    shared,
    states,
)
from .vocab import TYPE_WORDS, Catalog, stems, tokenize


class RowPool(NamedTuple):
    """Candidate rows and, per row, its closest cell's similarity and word coverage (whole row, name)."""

    hits: list[Hit]
    cell: list[float]
    cover: list[float]
    name: list[float]
    conflicting: set[str]
    weights: dict[str, float]
    typed: set[str]


class SentencePool(NamedTuple):
    """Candidate sentences (passage, sentence) and, per sentence, the signals that say whether it answers."""

    pairs: list[tuple[Hit, str]]
    sims: list[float]
    scoped: list[float]
    cover: list[float]
    typed_kind: list[bool]
    expects: bool
    label: list[bool]
    labelled: list[bool]
    self_reference: list[bool]
    enumerating: set[int]
    listing: set[int]
    overlap: list[bool]
    every_word: list[bool]
    typed_answer: list[bool]
    unknown: float
    named_section: bool
    asked: set[str]


def bar(pool: SentencePool, i: int, st: Settings) -> float:
    """The similarity the hand-set rules ask of sentence ``i``: lowest for a field named by its label,
    lower when it holds every asked word (or the asked kind of phrase in a named section) or one of them."""
    return (st.min_dense_label if pool.labelled[i] else
            st.min_dense_all_words if pool.every_word[i] or pool.typed_answer[i] else
            st.min_dense if pool.overlap[i] else st.min_dense_no_overlap)


def rule_scores(pool: SentencePool, st: Settings) -> list[tuple[float, int]]:
    """(hand-set score, position) of every sentence a question may be answered by, best first: similarity
    plus word coverage, the asked kind of phrase and a named label, less self-reference and payer lists."""
    return sorted(((pool.sims[i] + st.coverage_weight * pool.cover[i] + st.answer_type_weight * pool.typed_kind[i]
                    - st.self_reference_penalty * ((i in pool.enumerating) + pool.self_reference[i])
                    + st.label_weight * pool.label[i], i)
                   for i in range(len(pool.pairs)) if i not in pool.listing), reverse=True)


def query_views(q: Query) -> list[str]:
    """The texts a question is embedded as: its retrieval text, and the same without the report codes
    it names when anything is left (within the named report its code says nothing, yet a short sentence
    that repeats it looks close to any question that names it: compare meaning without it)."""
    unscoped = q.retrieval_text
    for r in q.reports:
        unscoped = re.sub(rf"\b(cpt\s+)?{re.escape(r)}\b", " ", unscoped, flags=re.I)
    return [q.retrieval_text, unscoped] if unscoped.strip() else [q.retrieval_text]


def row_types(target: str | None) -> str | tuple[str, ...] | None:
    """The kinds of table row that answer a request for ``target``: a report's related-code table mixes
    CPT and HCPCS codes ("CPT Code J9035"), and staff call either by either name."""
    return ("cpt", "hcpcs") if target in ("cpt", "hcpcs") else target


class Selector:
    """Chooses evidence among an index's chunks for questions that name no code."""

    def __init__(self, settings: Settings, docs: list[Document], index: Index, catalog: Catalog,
                 retriever: Retriever, embedder: Embedder) -> None:
        self.settings, self.docs, self.index, self.catalog = settings, docs, index, catalog
        self.retriever, self.embedder = retriever, embedder
        self._tokens: dict[str, frozenset[str]] = {}
        self._vocab: dict[frozenset[str], frozenset[str]] = {}
        self._postings: dict[str, set[int]] | None = None
        self._doc_vocab: dict[str, set[str]] | None = None
        self._position = {c.id: i for i, c in enumerate(index.chunks)}

    def keep(self, scope: set[str], **want) -> Callable[[Chunk], bool]:
        def keep(c: Chunk) -> bool:
            return (not scope or c.doc_code in scope) and all(
                getattr(c, k) in v if isinstance(v, tuple) else getattr(c, k) == v for k, v in want.items() if v)
        keep.spec = (frozenset(scope), tuple((k, v) for k, v in want.items() if v))  # type: ignore[attr-defined]
        return keep

    def chunks(self, scope: set[str], **want) -> list[Chunk]:
        """The chunks of the reports in ``scope`` (all when empty) with the given fields (numpy masks)."""
        return [self.index.chunks[i] for i in self.retriever.positions(self.keep(scope, **want))]

    def _index_tokens(self) -> None:
        """Token → chunk positions, and each report's vocabulary: one pass, on first use."""
        postings: dict[str, set[int]] = {}
        doc_vocab: dict[str, set[str]] = {}
        for i, c in enumerate(self.index.chunks):
            toks = self.tokens(c)
            doc_vocab.setdefault(c.doc_code, set()).update(toks)
            for t in toks:
                postings.setdefault(t, set()).add(i)
        self._postings, self._doc_vocab = postings, doc_vocab

    def postings(self) -> dict[str, set[int]]:
        """Token → positions of the chunks holding it (built on first use)."""
        if self._postings is None:
            self._index_tokens()
        return self._postings or {}

    def tokens(self, chunk: Chunk) -> frozenset[str]:
        """A chunk's lexical tokens (as BM25 sees them), computed once per chunk."""
        found = self._tokens.get(chunk.id)
        if found is None:
            found = self._tokens[chunk.id] = frozenset(tokenize(embed_text(chunk)))
        return found

    def vocabulary(self, scope: set[str]) -> frozenset[str]:
        """Every token the reports in ``scope`` (all when empty) use, computed once per scope."""
        key = frozenset(scope)
        if key not in self._vocab:
            if self._doc_vocab is None:
                self._index_tokens()
            docs = self._doc_vocab or {}
            self._vocab[key] = frozenset().union(*(v for d, v in docs.items() if not scope or d in scope))
        return self._vocab[key]

    def discriminative(self, q: Query, candidates: list[Chunk], keep_reports: bool = False) -> set[str]:
        """The question's words that tell candidates apart: in fewer than half of them, not type words."""

        words = set(tokenize(q.retrieval_text)) - stems(frozenset(TYPE_WORDS))
        words -= stems(frozenset({"list", "all", "every", "related"}))
        # Shorthand the question spelled out ("reqs" → "requirements") is represented by its expansion.
        words -= {t for abbr, full in ABBREVIATIONS.items() if full in q.expansions for t in tokenize(abbr)}
        if not keep_reports:
            words -= {code_key(r).lower() for r in q.reports}
        # A report's title names what all of its passages are about: within one report its words tell
        # none apart (across reports they do, so they stay).
        titles = {c.doc_title for c in candidates}
        if len(titles) == 1:
            words -= set(tokenize(titles.pop()))
            words -= {a for a, docs in self.catalog.names.items() if {c.doc_code for c in candidates} <= docs}
        if len(candidates) < 3:
            return words
        postings = self.postings()
        chosen = {self._position[c.id] for c in candidates}
        limit = max(2, len(candidates) / 2)
        return {t for t in words if len(postings.get(t, set()) & chosen) < limit}

    def supported(self, q: Query, hit: Hit, candidates: list[Chunk]) -> bool:
        """Whether a passage found without an exact code is close enough to count as the answer.

        Sharing a distinctive word with the question lowers the similarity needed; a table row
        offered as the code for a situation must share one, or be near-identical in meaning.
        """
        terms = self.discriminative(q, candidates)
        found = shared(terms, self.tokens(hit.chunk))
        typed = terms & set(tokenize(q.asked_text))
        if typed and typed <= found:
            # Every distinctive word the user typed is in the passage ("which one is the primary").
            return hit.dense >= self.settings.min_dense_all_words
        if found:
            return hit.dense >= self.settings.min_dense
        need = self.settings.min_dense_row if hit.chunk.kind == "row" else self.settings.min_dense_no_overlap
        return hit.dense >= need

    def idf(self, term: str) -> float:
        n = len(self.index.chunks)
        return math.log((n + 1) / (self.catalog.df.get(term, 0) + 1))

    def coverage(self, terms: dict[str, float], text: str) -> float:
        """How much of the question's distinctive vocabulary a text holds: the share of ``terms`` (each
        weighted by its idf times the given weight) it contains, word families counted as one (``shared``)."""
        found_terms = shared(set(terms), set(tokenize(text)))
        total = sum(self.idf(t) * w for t, w in terms.items())
        found = sum(self.idf(t) * w for t, w in terms.items() if t in found_terms)
        return found / total if total else 0.0

    @functools.cache  # noqa: B019 (one Selector per loaded index; the cache lives as long as it)
    def _title_words(self) -> tuple[set[tuple[str, str]], set[str]]:
        """Word pairs of every report title, and shorthand spelling out a title's words ("ire")."""
        titles = list(self.catalog.titles.values())
        pairs = {pair for d in self.docs for pair in itertools.pairwise(tokenize(d.title))}
        abbrs = {t for abbr, full in ABBREVIATIONS.items() if any(set(tokenize(full)) <= t for t in titles)
                 for t in tokenize(abbr)}
        return pairs, abbrs

    def section_opening(self, q: Query, hit: Hit, asked: set[str]) -> tuple[Hit, list[str]] | None:
        """For "give me the clinical example" with nothing more specific, the section's first sentences:
        a vignette read from its start, not the one sentence that happens to score best."""
        from .query import INTENT_HINTS

        if q.intent != "clinical_context" or not label_match(hit.chunk, "", asked):
            return None
        generic = set(tokenize(INTENT_HINTS[q.intent])) | stems(frozenset({"example", "scenario", "vignette", "case",
                                                                           "sample"}))
        # A report's title, named ("…for irreversible electroporation"), says which vignette, not what in it;
        # its words asked one by one ("what level was injected") do narrow the question.
        words = tokenize(q.text)
        title_pairs, title_abbrs = self._title_words()
        named = {t for pair in itertools.pairwise(words) if pair in title_pairs for t in pair} | title_abbrs
        # Words the report never uses ("how big", "pt age") can't pick a sentence: the vignette's opening,
        # which introduces the patient and the finding, is the best the report offers.
        known = self.vocabulary({hit.chunk.doc_code})
        if {t for t in words if t in known} - generic - named - {code_key(r).lower() for r in q.reports}:
            return None
        first = next(c for c in self.index.chunks if c.kind == "prose" and c.doc_code == hit.chunk.doc_code
                     and c.section == hit.chunk.section)
        return Hit(chunk=first, score=hit.score, dense=hit.dense, exact=True), sentences(first.text)[:2]

    def definition(self, q: Query, ranked: list[tuple[Hit, str]]) -> tuple[Hit, list[str]] | None:
        """For "what is 0600T", "how does IRE work" or "which report covers IRE" and nothing more: the
        closest sentence that names the report's code (its descriptor), with the sentence after it, which
        says what the procedure does."""
        if not (q.intent in ("definition", "reports") or HOW_IT_WORKS.search(q.text)):
            return None
        asked = set(tokenize(q.text)) - stems(DEFINITION_WORDS)
        # "what is arthrocentesis": words of one report's title (and nothing else) name that report.
        titled = [code for code, words in self.catalog.titles.items() if asked and asked <= words]
        reports = q.reports or (tuple(titled) if not q.codes and not q.unknown else ())
        if len(reports) != 1:
            return None
        code = reports[0]
        generic = stems(DEFINITION_WORDS) | {code_key(code).lower()} | self.catalog.titles.get(code, set())
        generic |= {a for a, docs in self.catalog.names.items() if docs == {code}}
        if set(tokenize(q.text)) - generic:
            return None
        # A descriptor has the code as its subject ("CPT code 0441T reports…"); "As a Category III code,
        # 0441T tracks…" names it in passing, and is the choice only when no sentence is a descriptor.
        subject = re.compile(rf"^(?:(?:CPT|HCPCS)(?: code)?\s+)?{re.escape(code)}\b", re.I)
        naming = re.compile(rf"\b{re.escape(code)}\b", re.I)
        # "What is" is answered by the report's first descriptor (its summary opens with it); "how does it
        # work" by the descriptor closest to the question, whose next sentence says how.
        if not HOW_IT_WORKS.search(q.text):
            ranked = sorted(ranked, key=lambda p: self._position[p[0].chunk.id])
        found = next((p for p in ranked if subject.search(p[1])), None) or next(
            (p for p in ranked if naming.search(p[1])), None)
        if found is None:
            return None
        hit, sentence = found
        rest = sentences(hit.chunk.text)
        follow = rest[rest.index(sentence) + 1:][:1]
        return Hit(chunk=hit.chunk, score=1.0, dense=1.0, exact=True), [sentence, *follow]

    def excluded(self, q: Query, sentence: str) -> str | None:
        """The exclusion phrase of ``sentence`` ("other than the liver or prostate") when a distinctive
        question word occurs in it only there: the passage rules the asked-about thing out."""
        candidates = self.chunks(set(), kind="prose")
        terms = self.discriminative(q, candidates) - {code_key(r).lower() for r in q.reports}
        # The question's own "without…" asks for the excluded case: what it puts under exclusion, and the
        # marker words themselves, are not ruled out by the passage saying the same.
        terms -= set(tokenize(EXCLUSION_MARKERS))
        terms -= {t for m in EXCLUSION.finditer(q.text) for t in tokenize(m.group(0))}
        spans = [m.group(0) for m in EXCLUSION.finditer(sentence)]
        ruled_out = terms & {t for s in spans for t in tokenize(s)} - set(tokenize(EXCLUSION.sub(" ", sentence)))
        return next((s for s in spans if ruled_out & set(tokenize(s))), None)

    def strength(self, q: Query, scope: set[str], *candidates: tuple[Hit, str]) -> list[float]:
        """Similarity plus the share of the question's typed distinctive words each text holds: one scale
        for a row (its closest cell) and a sentence, so the closer of the two answers."""
        typed = self.discriminative(q, self.chunks(scope)) & set(tokenize(q.asked_text))
        weights = {t: 1.0 for t in typed}
        return [hit.dense + self.settings.coverage_weight * self.coverage(weights, text) for hit, text in candidates]

    def names_all(self, q: Query, chunk: Chunk, sentence: str) -> bool:
        """Whether ``sentence`` with its report's title holds every distinctive word the user typed: the
        bar for answering "<procedure> cpt" with the report's own code rather than a related row."""
        candidates = self.chunks(set(), kind="prose")
        asked = set(tokenize(q.asked_text))
        # Words of the report's title or a name it defines ("egd w/ biopsy") tell its passages apart from
        # nothing within it, but here they are what the question names.
        named = set(tokenize(chunk.doc_title)) | {a for a, docs in self.catalog.names.items() if chunk.doc_code in docs}
        typed = (self.discriminative(q, candidates) | named) & asked
        return self.coverage({t: 1.0 for t in typed}, f"{chunk.doc_title} {sentence}") >= 1.0 if typed else False

    def row_pool(self, q: Query, keep, rows: list[Chunk]) -> RowPool | None:
        """Candidate rows for a described situation, each with its closest cell's similarity and the share
        of the question's distinctive words it holds (whole row, and its description alone)."""
        skip = {r.key for r in q.ruled_out}
        hits = [h for h in self.retriever.search(q.retrieval_text, keep, k=self.settings.row_candidates)
                if code_key(h.chunk.code or "") not in skip]
        if not hits:
            return None
        typed = set(tokenize(q.asked_text))
        conflicting = {h.chunk.id for h in hits if contradicts(q.asked_text, embed_text(h.chunk))}
        if conflicting:
            # The nearest rows state another value ("with ultrasound"): the ones stating the asked value
            # ("without ultrasound guidance") are candidates too, however far down the ranking they are.
            # Only rows holding one of the asked words can state its value: the postings narrow them first.
            postings = self.postings()
            holding = set().union(*(postings.get(t, set()) for t in typed))
            stating = {c.id for c in rows if self._position[c.id] in holding and states(q.asked_text, embed_text(c))
                       and not contradicts(q.asked_text, embed_text(c))} - {h.chunk.id for h in hits}
            if stating:
                hits += self.retriever.search(q.retrieval_text, lambda c: c.id in stating, k=len(stating))
        cells = [(n, cell) for n, h in enumerate(hits) for cell in h.chunk.cells[1:] if cell]
        sims = self.embedder.encode_cached([c for _, c in cells]) @ self.embedder.encode_query(q.retrieval_text)
        best_cell = [h.dense for h in hits]
        for (n, _), sim in zip(cells, sims, strict=True):
            best_cell[n] = max(best_cell[n], float(sim))
        weights = {t: 1.0 if t in typed else 0.5 for t in self.discriminative(q, rows)}
        cover = [self.coverage(weights, embed_text(h.chunk)) for h in hits]
        # The asked words in the code's own name (its description) count again: "icd for celiac" is K90.0
        # "Celiac disease", not the anemia code whose notes mention celiac biopsies.
        name = [self.coverage(weights, h.chunk.description) for h in hits]
        return RowPool(hits=hits, cell=best_cell, cover=cover, name=name, conflicting=conflicting,
                       weights=weights, typed=typed)

    def best_row(self, q: Query, keep, rows: list[Chunk]) -> tuple[Hit | None, Hit | None]:
        """The row closest to a described situation, and the row closer still that states another value
        than the one asked ("right" for "left kidney"), if the report has none stating the asked one.

        Candidates come from hybrid search; each is then scored by its closest cell too (a "When to
        Use" cell alone matches a situation better than the whole row with its code and column names).
        """
        pool = self.row_pool(q, keep, rows)
        if pool is None:
            return None, None
        hits, best_cell, conflicting, weights, typed = pool.hits, pool.cell, pool.conflicting, pool.weights, pool.typed
        bonus, named = self.settings.row_coverage_weight, self.settings.row_name_weight
        scored = sorted(((best_cell[n] + bonus * pool.cover[n] + named * pool.name[n], n)
                         for n in range(len(hits))), reverse=True)

        def pick(n: int) -> Hit:
            return Hit(chunk=hits[n].chunk, score=hits[n].score, dense=best_cell[n], lexical=hits[n].lexical)

        fitting = [n for _, n in scored if hits[n].chunk.id not in conflicting]
        top = scored[0][1]
        if fitting and fitting[0] == top:
            return pick(top), None
        # Below a row stating another value, one stating the asked value answers if it also holds every
        # asked word the other does ("right knee oa": M17.11 over bilateral M17.0; not a "left" nerve
        # lesion for a left kidney).
        held = shared(set(weights), self.tokens(hits[top].chunk)) & typed
        for n in fitting:
            if states(q.asked_text, embed_text(hits[n].chunk)) and held <= shared(held, self.tokens(hits[n].chunk)):
                return pick(n), None
        return None, pick(top)

    def sentence_pool(self, q: Query, scope: set[str], naming: set[str] | None = None) -> SentencePool | None:
        """Sentences of the prose passages closest to the question, each with the signals that say whether
        it answers: similarity, distinctive-word coverage, its label, the kind of phrase asked for.

        Passages are found by hybrid search; their sentences are then scored one by one, so a
        question about one detail quotes that detail rather than its paragraph's first line.
        """
        keep = self.keep(scope, kind="prose")
        hits = []
        # "…in the 64483 vignette": the user named where to look; other sections don't answer.
        if q.intent == "clinical_context" and NAMES_EXAMPLE.search(q.text):
            asked_words = set(tokenize(q.retrieval_text))
            hits = self.retriever.search(q.retrieval_text, lambda c: keep(c) and label_match(c, "", asked_words),
                                         k=self.settings.prose_passages)
        named_section = bool(hits)
        hits = hits or self.retriever.search(q.retrieval_text, keep, k=self.settings.prose_passages)
        if not hits:
            return None
        candidates = self.chunks(scope, kind="prose")
        # The report's own code scopes the question; it counts as a shared word for the similarity bar
        # ("what is 0600t") but does not rank sentences, or every sentence naming the code would win.
        terms = self.discriminative(q, candidates, keep_reports=True)
        # Ranked by the words the user typed first: an intent's cue words ("key payers") find the section
        # and count half, or they would favour the sentence that repeats them over the one that answers.
        codes = {code_key(r).lower() for r in q.reports}
        ranking_terms = terms - codes
        typed = set(tokenize(q.asked_text))
        # Cue words find the section; when the question named the section (searched alone) they, and the
        # words that named it ("…in the vignette"), are spent.
        spent = set(tokenize(" ".join(EXAMPLE_NAMES))) if named_section else set()
        weights = {t: 1.0 if t in typed else 0.5 for t in ranking_terms - spent if t in typed or not named_section}
        # "percutaneous or open": the alternatives are what is asked, however common the words are.
        choices = {t for m in re.finditer(r"(\w+)\s+or\s+(\w+)", q.text.lower()) for t in tokenize(m.group(0))}
        choices -= codes
        weights.update({t: 1.0 for t in choices})
        pairs = [(h, s) for h in hits for s in sentences(h.chunk.text)
                 if naming is None or naming & set(tokenize(s))]
        if not pairs:
            return None
        views = self.embedder.encode_queries(query_views(q))  # both views in one model call
        vecs = self.embedder.encode_cached([s for _, s in pairs])
        scoped = vecs @ views[0]
        # Ranked by both views of the question (with and without the code), each damping the other's quirks.
        sims = (vecs @ views[1] + scoped) / 2 if len(views) > 1 else scoped
        asked = set(tokenize(q.retrieval_text))
        # A sentence where the report describes itself ("Readers will learn…") lists topics without
        # saying anything about them: it answers only questions about the report itself.
        about_report = QUESTION_ABOUT_REPORT.search(q.text) is not None
        expects = answer_type(q.text)
        # A sentence that only enumerates payers ("Key payers … include Aetna, …, Medicare") answers whether
        # a payer is in the report, not what the report says about it.
        about_payer = bool(q.payers) and not PRESENCE.search(q.text)
        enumerating = {i for i, (_, s) in enumerate(pairs) if about_payer and enumerates_payers(s)}
        # When another sentence names that payer on its own ("For Medicare, coverage…"), it is the answer.
        named_alone = any(i not in enumerating and any(re.search(rf"\b{re.escape(p)}\b", s, re.I) for p in q.payers)
                          for i, (_, s) in enumerate(pairs)) if about_payer else False
        # The report's code is a free overlap with every passage of its report; it stops counting when the
        # question's other words are ones the report never uses ("is 0600t a category iii code").
        free = terms if (ranking_terms & typed) <= self.vocabulary(scope) else terms - codes
        # Words the question rules out ("…instead of surgery") are the alternative, which the answer need
        # not name; words that name the section searched alone ("…in the example") are answered by being there.
        spent |= {t for m in ALTERNATIVE.finditer(q.text) for t in tokenize(m.group(1))}
        typed_terms = ranking_terms & typed - spent
        known = typed_terms & self.vocabulary(scope)
        # Every distinctive word the user typed that the report uses at all is in the sentence, and those
        # outnumber the words it never uses ("does ire damage the surrounding structures").
        enough = bool(known) and len(known) > len(typed_terms - known)
        toks = [set(tokenize(s)) for _, s in pairs]
        typed_kind = [bool(expects and expects.search(s)) for _, s in pairs]
        return SentencePool(
            pairs=pairs, sims=[float(x) for x in sims], scoped=[float(x) for x in scoped],
            cover=[self.coverage(weights, s) for _, s in pairs], typed_kind=typed_kind, expects=expects is not None,
            label=[label_match(h.chunk, s, asked) for h, s in pairs],
            labelled=[label_match(h.chunk, s, asked) and ":" in s[:60] for h, s in pairs],
            self_reference=[not about_report and SELF_REFERENCE.search(s) is not None for _, s in pairs],
            enumerating=enumerating, listing=enumerating if named_alone else set(),
            # A question about the clinical example, answered from that section, is on topic by construction.
            overlap=[bool(shared(free | choices, t)) or (q.intent == "clinical_context"
                                                          and label_match(h.chunk, "", asked))
                     for (h, _), t in zip(pairs, toks, strict=True)],
            every_word=[enough and known <= shared(known, t) for t in toks],
            # In the section the question named, a sentence holding the kind of phrase asked for ("who" →
            # the physician) is as good as one holding every word, unless the question uses words the
            # report never does ("why not chemo").
            typed_answer=[named_section and k and known == typed_terms for k in typed_kind],
            unknown=len(typed_terms - known) / len(typed_terms) if typed_terms else 0.0,
            named_section=named_section, asked=asked)

    def best_sentences(self, q: Query, scope: set[str],
                       naming: set[str] | None = None) -> tuple[Hit, list[str]] | None:
        """The prose passage and its one to three sentences closest to the question, if close enough
        (hand-set weights and bars: the rule-based selector)."""
        pool = self.sentence_pool(q, scope, naming)
        if pool is None:
            return None
        st, pairs = self.settings, pool.pairs
        scored = rule_scores(pool, st)
        best_score, best_i = scored[0]
        hit, sentence = pairs[best_i]
        opening = self.structural(q, pool, [i for _, i in scored])
        if opening is not None:
            return opening
        dense = max(pool.sims[best_i], pool.scoped[best_i])  # the bar below was measured with the code in
        labelled = pool.labelled[best_i]
        # A field the question names by its label is the answer however its value is worded.
        if dense < bar(pool, best_i, st):
            return None
        quotes = [sentence] + [pairs[i][1] for sc, i in scored[1:3] if pairs[i][0] is hit
                               and sc >= best_score - st.sentence_margin]
        return Hit(chunk=hit.chunk, score=best_score, dense=dense, lexical=hit.lexical, exact=labelled), quotes

    def structural(self, q: Query, pool: SentencePool, order: list[int]) -> tuple[Hit, list[str]] | None:
        """Answers the format itself gives: a vignette read from its start, or a report's descriptor."""
        hit = pool.pairs[order[0]][0]
        return self.section_opening(q, hit, pool.asked) or self.definition(q, [pool.pairs[i] for i in order])
