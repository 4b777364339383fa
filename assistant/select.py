"""Evidence candidates: the rows and sentences that might answer a question without an exact code.

Sits between retrieval (ranked chunks) and the choice of an answer: it gathers candidate rows with their
closest cell's similarity and prose sentences one by one, each with the signals that say whether it
answers (word coverage, labels, the kind of phrase asked for). Which one answers, if any, is decided by
the hand-set rules (`rules.py`) or the fitted selector (`rank.py`). The word evidence they read (tokens,
distinctive words, coverage) is `lexical.py`'s.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from .embed import embed_text
from .ingest import code_key, sentences
from .lexical import Lexical
from .lexicon import lexicon
from .models import PROCEDURE_KINDS, Chunk, Hit
from .query import INTENT_PATTERNS_BY_NAME, Query
from .signals import (
    ALTERNATIVE,
    EXAMPLE_NAMES,
    EXCLUSION,
    EXCLUSION_MARKERS,
    NAMES_EXAMPLE,
    PRESENCE,
    QUESTION_ABOUT_REPORT,
    SELF_REFERENCE,
    VALUE_REACH,
    affirms,
    answer_type,
    asks_reading,
    contradicts,
    counts_asked,
    denies,
    enumerates_payers,
    excluded,
    label_match,
    names_payer,
    negated_words,
    number_fit,
    shared,
    states,
    states_value,
)
from .vocab import field_label, stems, tokenize

# How many of a report's passages closest to a question one of a named section's entries must be among for the
# question to ask for that section's list: the answer stages' own depth for one answer (a sentence's passage
# is among the first three).
LISTED_AGREE = 3
# "what are the common denials for 99203": a plural asked for, as a list is.
PLURAL_ASK_RE = re.compile(r"(what|which) are (the|all)\b")
# "what has to be documented for 92557", "what documentation do we need for a tka": asking what is required
# asks for all of it.
REQUIRED_ASK_RE = re.compile(r"^(what|which)\b.*\b(needs?|needed|required|requires?|must|has to|have to)\b")
# Intents whose answer has a section of its own in the format, found by the intent's own words in its heading.
SECTION_INTENTS = ("site_of_service", "payer")


# At most two words and no digit, ended by a period: a run-in heading ("Medicare." in bold before its paragraph).
# (Ended by a colon it introduces the list after it: "Medicare:" and its items.)
RUN_IN_LABEL = re.compile(r"[^\W\d]+(?:[ -][^\W\d]+)?\.")


def states_nothing(sentence: str) -> bool:
    """A run-in heading standing as a sentence ("Medicare.", "Commercial payers."), unless it negates ("Not
    covered.")."""
    return RUN_IN_LABEL.fullmatch(sentence) is not None and not negated_words(sentence)


class RowPool(NamedTuple):
    """Candidate rows and, per row, its closest cell's similarity and word coverage (whole row, name)."""

    hits: list[Hit]
    cell: list[float]
    cover: list[float]
    name: list[float]
    named: list[bool]
    held: list[int]  # how many of the question's distinctive words the row holds
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
    # The question asks what a measure of the case read, and ``typed_kind`` marks the sentences giving it a value.
    asks_value: bool = False


def query_views(q: Query) -> list[str]:
    """The texts a question is embedded as: its retrieval text, and the same without the report codes
    it names when anything is left (within the named report its code says nothing, yet a short sentence
    that repeats it looks close to any question that names it: compare meaning without it). A question
    about the clinical example is compared without the words naming it too: "what was the potassium value
    in the example" is read in the example, where every sentence is the example."""
    unscoped = q.retrieval_text
    for r in q.reports:
        unscoped = re.sub(rf"\b(cpt\s+)?{re.escape(r)}\b", " ", unscoped, flags=re.I)
    if q.intent == "clinical_context":
        names = "|".join(re.escape(n) for n in EXAMPLE_NAMES)
        unscoped = re.sub(rf"\b(?:(?:in|for|from|of|on)\s+)?(?:(?:the|this|that)\s+)?(?:{names})(?:\s+study)?\b",
                          " ", unscoped, flags=re.I)
    return [q.retrieval_text, unscoped] if unscoped.strip() and unscoped != q.retrieval_text else [q.retrieval_text]


def speaks_for(chunk: Chunk, sentence: str, payers: tuple[str, ...]) -> bool:
    """Whether a sentence of ``chunk`` speaks for one of ``payers``: it names the payer, or its passage is the
    payer's (a section headed with its name, or a note labelled with it: "Medicaid: …")."""
    return names_payer(" ".join((*chunk.section, chunk.text.split(":", 1)[0][:40], sentence)), payers)


def names_whole(said: set[str] | frozenset[str], name: str, asked: str | None = None) -> bool:
    """Whether the question's words (``said``) hold every word of a row's name, a word cut short counting
    as said ("min" for "minimum"). Given what was ``asked``, each word with the sense the name gives it: a
    word the name negates is named by a question negating it, however ("no status migrainosus" names
    "without status migrainosus"), and one it states plainly by a question not negating it ("not
    intractable" names no "…, intractable, …")."""
    words = set(tokenize(name))
    if asked is not None:
        negating = stems(lexicon().negation)
        denied, named_denied = negated_words(asked, reach=VALUE_REACH), negated_words(name, reach=VALUE_REACH)
        if any((w in named_denied) != (w in denied) for w in words - negating):
            return False
        words -= negating
    held = shared(words, said)
    return bool(words) and all(w in held or any(len(t) >= 3 and w.startswith(t) for t in said) for w in words)


def row_types(target: str | None) -> str | tuple[str, ...] | None:
    """The kinds of table row that answer a request for ``target``: a report's related-code table mixes
    CPT and HCPCS codes ("CPT Code J9035"), and staff call either by either name."""
    return PROCEDURE_KINDS if target in PROCEDURE_KINDS else target


class Selector(Lexical):
    """Gathers evidence candidates among an index's chunks for questions that name no code."""

    def items_after(self, chunk_id: str, limit: int = 12) -> list[Chunk]:
        """The list a passage ending in a colon introduces: the one-sentence passages after it in its
        section ("For CMT, CPT recognizes five spinal regions:" → the five regions), up to ``limit``."""
        at = self._position.get(chunk_id)
        if at is None or not self.index.chunks[at].text.rstrip().endswith(":"):
            return []
        intro, items = self.index.chunks[at], []
        for c in self.index.chunks[at + 1: at + 1 + limit]:
            if (c.kind != "prose" or c.doc_code != intro.doc_code or c.section != intro.section
                    or len(sentences(c.text)) > 1):
                break
            items.append(c)
            if c.text.rstrip().endswith(":"):
                break
        return items

    def listed_section(self, q: Query, scope: set[str]) -> list[Chunk]:
        """The entries of the one section of the report in scope whose heading a question asking for a list
        names ("list the denial reasons for 51798": every row or bullet under "Common Denials"), or whose
        heading of two or more words is all it asks ("what counts toward the time for 99309": the bullets
        under "What counts toward time"; not "commercial plans session cap per year", which asks one thing
        said under "Commercial plans"), in the report's order; empty unless one report is in
        scope, one section's heading is named by more of the question's words than any other's, and that
        section holds two or more entries."""
        if len(scope) != 1:
            return []
        asked = set(tokenize(q.text))
        listing = stems(lexicon().listing_words)
        lists = bool(asked & listing or PLURAL_ASK_RE.match(q.text.lower()) or REQUIRED_ASK_RE.match(q.text.lower()))
        (report,) = scope
        asked -= listing | stems(frozenset(lexicon().type_words)) | {code_key(report).lower()}
        sections: dict[tuple[str, ...], list[Chunk]] = {}
        for c in self.chunks(scope):
            sections.setdefault(c.section, []).append(c)
        named = sorted(((len(set(tokenize(s[-1])) & asked), s) for s, entries in sections.items()
                        if s and len(entries) >= 2), reverse=True)
        if not named or not named[0][0] or (len(named) > 1 and named[1][0] == named[0][0]):
            return []
        if not lists and not (named[0][0] >= 2 and asked <= set(tokenize(named[0][1][-1]))):
            return []
        # The passages closest in meaning agree: "what has to be in the note for acp? list it" names "Payer
        # Notes" by a word, but what it asks for is under "Documentation".
        entries = sections[named[0][1]]
        ids = {c.id for c in entries}
        # Searched as asked and without the words that make the report the one it is, which within it tell
        # nothing apart ("what needs to be documented for 92557" finds the passages naming 92557 first).
        keep = self.keep(scope)
        closest = (self.retriever.search(q.retrieval_text, keep, k=LISTED_AGREE)
                   + self.search_unscoped(q, scope, keep, LISTED_AGREE))
        return entries if any(h.chunk.id in ids for h in closest) else []

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

    def unscoped(self, q: Query, scope: set[str]) -> str:
        """The question's retrieval text without the codes of the reports it names and the words that make
        the reports of ``scope`` what they are (``subject``)."""
        subject = frozenset().union(*(self.subject(r) for r in scope))
        return " ".join(w for w in query_views(q)[-1].split() if not set(tokenize(w)) & subject)

    def search_unscoped(self, q: Query, scope: set[str], keep, k: int) -> list[Hit]:
        """The ``k`` passages ``keep`` admits closest to the question without the words that make the reports of
        ``scope`` what they are (``unscoped``); none when it has no such words. By meaning too for reports the
        question names (`Assistant.ask` embeds that text in the question's one model call); by words alone for
        a routed one, known only after that call."""
        rest = self.unscoped(q, scope)
        if rest == q.retrieval_text:
            return []
        return self.retriever.search(rest, keep, k=k, mode=None if scope <= set(q.reports) else "bm25")

    def said(self, q: Query) -> frozenset[str]:
        """The words of this turn, with the letters it uses that the corpus defines spelled out ("slp")."""
        return self._said(q.text, q.expansions)

    @functools.cache  # noqa: B019 (one Selector per loaded index; asked once per candidate row of a question)
    def _said(self, text: str, expansions: tuple[str, ...]) -> frozenset[str]:
        return self.spelled(tokenize(" ".join((text, *expansions))))

    @functools.cache  # noqa: B019 (one Selector per loaded index; read once per report)
    def affirmed(self, doc_code: str) -> frozenset[str]:
        """The tokens a report says other than to rule them out: not "liver" of "tumors in organs other than
        the liver or prostate", nor what it only negates."""
        return frozenset().union(*(set(tokenize(EXCLUSION.sub(" ", s))) - negated_words(s)
                                   for c in self.chunks({doc_code}) for s in sentences(embed_text(c))))

    @functools.cache  # noqa: B019 (one Selector per loaded index; read once per payer)
    def naming_payer(self, payer: str) -> frozenset[str]:
        """The prose passages naming a payer in their text or headings (ids)."""
        return frozenset(c.id for c in self.chunks(set(), kind="prose")
                         if names_payer(" ".join((*c.section, c.text)), (payer,)))

    def row_pool(self, q: Query, keep, rows: list[Chunk]) -> RowPool | None:
        """Candidate rows for a described situation, each with its closest cell's similarity and the share
        of the question's distinctive words it holds (whole row, and its description alone)."""
        skip = {r.key for r in q.ruled_out}
        k = self.settings.row_candidates
        found = self.retriever.search(q.retrieval_text, keep, k=k, each=2)
        typed = set(tokenize(q.asked_text))
        # A row holding an asked word that no nearer row holds ("hcpcs for regadenoson": J2785 "Injection,
        # regadenoson", which meaning alone ranks far down) is a candidate too: the first two of each
        # retriever's own ranking that fusion left out are looked at for one.
        near = set().union(*(self.tokens(h.chunk) for h in found[:k]))
        hits = [h for n, h in enumerate(found) if code_key(h.chunk.code or "") not in skip
                and (n < k or typed & self.tokens(h.chunk) - near)]
        if not hits:
            return None
        conflicting = {h.chunk.id for h in hits if contradicts(q.asked_text, embed_text(h.chunk), row=True)}
        # Rows far down the ranking join below only if they hold one of the asked words: the postings narrow them.
        postings = self.postings()
        holding = set().union(*(postings.get(t, set()) for t in typed)) if conflicting or q.target else set()
        if conflicting:
            # The nearest rows state another value ("with ultrasound"): the ones stating the asked value
            # ("without ultrasound guidance") are candidates too, however far down the ranking they are.
            without = set().union(*(excluded(q.asked_text, embed_text(h.chunk)) for h in hits))
            stating = {c.id for c in rows if self._position[c.id] in holding
                       and states(q.asked_text, embed_text(c), without)
                       and not contradicts(q.asked_text, embed_text(c), row=True)
                       and code_key(c.code or "") not in skip} - {h.chunk.id for h in hits}  # not "besides LT"
            if stating:
                hits += self.retriever.search(q.retrieval_text, lambda c: c.id in stating, k=len(stating))
        hits += self._denying(q, hits, rows, conflicting)
        hits += self._bound_siblings(q, hits, rows)
        said = self.said(q)
        if q.target:
            # A row of the asked kind that the question names whole is a candidate however far down the
            # ranking it is ("taxonomy for pediatrics": 208000000X Pediatrics, below rows of pediatric
            # specializations). Only rows holding an asked word can be named.
            whole = {c.id for c in rows if self._position[c.id] in holding and names_whole(said, c.name)
                     and code_key(c.code or "") not in skip} - {h.chunk.id for h in hits}
            if whole:
                hits += self.retriever.search(q.retrieval_text, lambda c: c.id in whole, k=len(whole))
        cells = [(n, cell) for n, h in enumerate(hits) for cell in h.chunk.cells[1:] if cell]
        sims = self.embedder.encode_cached([c for _, c in cells]) @ self.embedder.encode_query(q.retrieval_text)
        best_cell = [h.dense for h in hits]
        for (n, _), sim in zip(cells, sims, strict=True):
            best_cell[n] = max(best_cell[n], float(sim))
        weights = {t: 1.0 if t in typed else 0.5 for t in self.discriminative(q, rows)}
        negated = negated_words(q.asked_text)
        names = [self.retriever.names(h.chunk) for h in hits]
        found = [self.held(weights, embed_text(h.chunk), negated, n, named=True)
                 for h, n in zip(hits, names, strict=True)]
        cover = [self.share(weights, f) for f in found]
        # The asked words in the code's own name (its description) count again: "icd for celiac" is K90.0
        # "Celiac disease", not the anemia code whose notes mention celiac biopsies.
        name = [self.coverage(weights, h.chunk.description, negated, n, named=True)
                for h, n in zip(hits, names, strict=True)]
        # A row of the asked kind whose whole name the question says ("pharmacy … what pos": 01 Pharmacy;
        # "taxonomy for anatomic pathology": not "Anatomic Pathology & Clinical Pathology"), a word cut
        # short counting as said ("min assistant surgeon": Minimum assistant surgeon). Only this turn's words
        # name one: a follow-up asks past the earlier turn's ("and one who treats kids?" after "taxonomy for
        # an anesthesiologist" is not the row named Anesthesiology).
        named = [bool(q.target) and names_whole(said, h.chunk.name, q.text) for h in hits]
        return RowPool(hits=hits, cell=best_cell, cover=cover, name=name, named=named, held=[len(f) for f in found],
                       conflicting=conflicting, weights=weights, typed=typed)

    def _denying(self, q: Query, hits: list[Hit], rows: list[Chunk], conflicting: set[str]) -> list[Hit]:
        """Rows negating what the question negates, when the nearest rows affirm it: "no abn signed" is the
        row for "no signed ABN on file", not the one for "a signed ABN is on file", however far down the
        ranking it is. The affirming rows join ``conflicting``; only when some row denies it."""
        denied = negated_words(q.asked_text, reach=VALUE_REACH)
        affirming = {h.chunk.id for h in hits if affirms(denied, embed_text(h.chunk))}
        if not affirming:
            return []
        postings = self.postings()
        holding = set().union(*(postings.get(t, set()) for t in denied))
        skip = {r.key for r in q.ruled_out}
        denying = {c.id for c in rows if self._position[c.id] in holding and denies(denied, embed_text(c))
                   and code_key(c.code or "") not in skip}
        if not denying:
            return []
        conflicting |= affirming
        have = {h.chunk.id for h in hits}
        extra = denying - have
        return self.retriever.search(q.retrieval_text, lambda c: c.id in extra, k=len(extra)) if extra else []

    def _bound_siblings(self, q: Query, hits: list[Hit], rows: list[Chunk]) -> list[Hit]:
        """Rows of a candidate's table whose stated bound holds the question's number, when the candidate's
        bounds hold none: a table of thresholds ("two to four concurrent" / "more than four") is one scale,
        and the asked number picks its row however far down the ranking that row is."""
        counts = counts_asked(q)
        if not counts:
            return []
        missing = {(h.chunk.doc_code, h.chunk.table) for h in hits
                   if h.chunk.table is not None and number_fit(counts, embed_text(h.chunk))[1]}
        have = {h.chunk.id for h in hits}
        holding = {c.id for c in rows if (c.doc_code, c.table) in missing and c.id not in have
                   and number_fit(counts, embed_text(c))[0]}
        if not holding:
            return []
        return self.retriever.search(q.retrieval_text, lambda c: c.id in holding, k=len(holding))

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
            # The example is the section under a heading ending in one of the example's names ("Clinical
            # Example", "Clinical Context", "Worked Clinical Scenario"), whichever of them the user said ("in the
            # scenario"). A report with a "Clinical Example" beside its "Clinical Context" keeps its vignette
            # under the heading the user named ("in the example"); a report with one such section keeps it there.
            names = stems(frozenset(EXAMPLE_NAMES))
            said = set(tokenize(q.asked_text)) & names
            sections = {c: bool(said & set(tokenize(c.section[-1]))) for c in self.chunks(scope, kind="prose")
                        if self.catalog.in_example(c)}
            named = {c.doc_code for c, as_said in sections.items() if as_said}
            ids = {c.id for c, as_said in sections.items() if as_said or c.doc_code not in named}
            hits = self.retriever.search(q.retrieval_text, lambda c: c.id in ids, k=self.settings.prose_passages,
                                         each=2)
        named_section = bool(hits)
        if not hits:
            hits = self.retriever.search(q.retrieval_text, keep, k=self.settings.prose_passages)
            # Within the reports the question names, their codes tell no passage apart, yet as rare words they
            # rank the passages repeating them first ("where is 94060 usually done"): the passages closest to
            # the rest of the question join them (the "Typical site of service" bullet, which never names it).
            # So do the words that make a report the one routed to ("ccm" in "what does general supervision
            # mean for ccm staff", which runs through the chronic care management report).
            if scope and (scope <= set(q.reports) or (len(scope) == 1 and q.routing)):
                seen = {h.chunk.id for h in hits}
                hits += [h for h in self.search_unscoped(q, scope, keep, self.settings.prose_passages)
                         if h.chunk.id not in seen]
        # "what does aetna say about 92928": what the report says of that payer is where it names the payer
        # (a payer note, or a section headed with its name), however few words it shares with the question.
        about_payer = bool(q.payers) and not PRESENCE.search(q.text)
        of_payer = (frozenset().union(*(self.naming_payer(p) for p in q.payers)) if about_payer and not named_section
                    else frozenset())
        if of_payer:
            seen = {h.chunk.id for h in hits}
            hits = hits + [h for h in self.retriever.search(
                q.retrieval_text, lambda c: c.id in of_payer and (not scope or c.doc_code in scope),
                k=self.settings.prose_passages) if h.chunk.id not in seen]
        if not hits:
            return None
        expects = answer_type(q.text)
        # "in the example pt whats her egfr": a question about the case asking no question word's kind of answer,
        # and whose verb is no act, asks what a measure of the case read.
        reading = expects is None and q.intent == "clinical_context" and asks_reading(q.asked_text)
        if q.intent == "clinical_context" and (reading or lexicon().answer_required.search(q.text.lower())):
            # A question about the example that only a sentence of one type answers ("how big was the tumor in
            # the example", or what a measure of the case read, "what was the free t4") reads the rest of the
            # sections its passages are in: the vignette goes on in the next paragraph.
            found = {(h.chunk.doc_code, h.chunk.section) for h in hits}
            rest = {c.id for c in self.chunks({d for d, _ in found}, kind="prose")
                    if (c.doc_code, c.section) in found} - {h.chunk.id for h in hits}
            if rest:
                hits = hits + self.retriever.search(q.retrieval_text, lambda c: c.id in rest, k=len(rest))
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
        spent = set(stems(frozenset(EXAMPLE_NAMES))) if named_section else set()
        weights = {t: 1.0 if t in typed else 0.5 for t in ranking_terms - spent if t in typed or not named_section}
        # "percutaneous or open": the alternatives are what is asked, however common the words are.
        choices = {t for m in re.finditer(r"(\w+)\s+or\s+(\w+)", q.text.lower()) for t in tokenize(m.group(0))}
        choices -= codes
        weights.update({t: 1.0 for t in choices})
        # A sentence naming three or more payers lists them ("Key payers … include Aetna, …, Medicare") unless it
        # also holds a word the question asks about besides the payers: then it states that of each of them ("No
        # prior authorization is required … under the Medicare, Medicaid, UnitedHealthcare … plans reviewed").
        about = ranking_terms - set(tokenize(" ".join(q.payers)))

        def lists_payers(sentence: str) -> bool:
            return enumerates_payers(sentence) and not shared(about, set(tokenize(sentence)))

        # A run-in heading set off as a sentence of its own ("Medicare." opening a payer paragraph) names what follows
        # and states nothing: no answer quotes it.
        pairs = [(h, s) for h in hits for s in sentences(h.chunk.text)
                 if (naming is None or naming & set(tokenize(s))) and not states_nothing(s)]
        if q.intent != "definition" and q.expansions:
            # A sentence that only spells out the question's shorthand ("ESI: epidural steroid injection.") says
            # what the letters mean, which only a question asking that wants.
            glossed = set(tokenize(" ".join(q.expansions))) | q.spelled_out
            pairs = [(h, s) for h, s in pairs if not set(tokenize(s)) <= glossed]
        if of_payer:
            # A payer note's later sentences ("Medicaid: Coverage varies by state. Under EPSDT, …") are about
            # the payer its label names.
            said = [(h, s) for h, s in pairs if not lists_payers(s) and speaks_for(h.chunk, s, q.payers)]
            pairs = said or pairs
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
        # A sentence that only enumerates payers ("Key payers … include Aetna, …, Medicare") answers whether
        # a payer is in the report, not what the report says about it.
        enumerating = {i for i, (_, s) in enumerate(pairs) if about_payer and lists_payers(s)}
        # When another sentence names that payer on its own ("For Medicare, coverage…"), it is the answer.
        named_alone = any(i not in enumerating and names_payer(s, q.payers)
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
        heading = INTENT_PATTERNS_BY_NAME[q.intent] if q.intent in SECTION_INTENTS else None
        typed_kind = [bool(expects and expects.search(s)) for _, s in pairs]
        # The sentence giving one of its words a value states that reading. Any word the user typed may be the
        # measure, the report's own title words too ("the example patient's tsh").
        measures = typed - spent - codes
        asks_value = reading and bool(measures)
        if asks_value:
            typed_kind = [states_value(measures, s) for _, s in pairs]
        negated = negated_words(q.asked_text)
        return SentencePool(
            pairs=pairs, sims=[float(x) for x in sims], scoped=[float(x) for x in scoped],
            cover=[self.coverage(weights, s, negated) for _, s in pairs], typed_kind=typed_kind,
            expects=expects is not None,
            label=[label_match(h.chunk, s, asked) for h, s in pairs],
            labelled=[label_match(h.chunk, s, asked) and field_label(s) is not None for h, s in pairs],
            self_reference=[not about_report and SELF_REFERENCE.search(s) is not None for _, s in pairs],
            enumerating=enumerating, listing=enumerating if named_alone else set(),
            # A question about the clinical example, answered from that section, is on topic by construction;
            # so is one about where a service is billed or what payers say, in a section headed as that
            # ("what pos for 90935" in "Site of Service", whose sentences need not name the code).
            overlap=[bool(shared(free | choices, t)) or (q.intent == "clinical_context"
                                                          and self.catalog.in_example(h.chunk))
                     or (heading is not None and heading.search(h.chunk.section[-1].lower()) is not None)
                     for (h, _), t in zip(pairs, toks, strict=True)],
            every_word=[enough and known <= shared(known, t) for t in toks],
            # In the section the question named, a sentence holding the kind of phrase asked for ("who" →
            # the physician) is as good as one holding every word, unless the question uses words the
            # report never does ("why not chemo").
            typed_answer=[named_section and k and known == typed_terms for k in typed_kind],
            unknown=len(typed_terms - known) / len(typed_terms) if typed_terms else 0.0,
            named_section=named_section, asks_value=asks_value)
