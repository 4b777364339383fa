"""The hand-set choice: which candidate row or sentence answers, by weights and bars in `Settings`, and
the answers the format itself gives (a vignette read from its start, a report's descriptor).

`select.py` builds the candidate pools both selectors share; this module is the rule-based selector
(the default) and the format's structural answers, which the fitted selector (`rank.py`) uses too.
"""

from __future__ import annotations

import functools
import itertools
import re

from .answer import describes
from .config import Settings
from .embed import embed_text
from .gaps import says_left_out
from .ingest import code_key, sentences
from .models import Chunk, Hit
from .query import ABBREVIATIONS, Query
from .select import RowPool, Selector, SentencePool, names_whole
from .signals import (
    DEFINITION_WORDS,
    HOW_IT_WORKS,
    contradicts,
    counted,
    counts_asked,
    excluded,
    names_payer,
    number_fit,
    numbers,
    required_answer_type,
    says_value,
    shared,
    states,
    states_count,
)
from .vocab import field_label, stems, tokenize


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


def _glossing(word: str, ranked: list[tuple[Hit, str]]) -> tuple[Hit, list[str]] | None:
    """For "paronychia meaning": the closest sentence glossing the word in a parenthesis that opens with an
    article ("…and a paronychia (an infection of the nail fold)"), as the format explains a term in passing."""
    gloss = re.compile(rf"\b{re.escape(word)}[a-z]*\s*\((?:a|an|the)\s", re.I)
    found = next(((h, s) for h, s in ranked if gloss.search(s)), None)
    if found is None:
        return None
    hit, sentence = found
    return hit.model_copy(update={"exact": True}), [sentence]


def bound_first(q: Query, scored: list[tuple[float, int]], texts: list[str], cover: list[float],
                reports: list[str]) -> list[tuple[float, int]]:
    """``scored`` (best first) with the best candidate whose stated bound holds the question's number moved
    to the front, when the closest one states bounds that hold none ("doc spent 42 min, still a 4?": the
    row "40 minutes or more", not "30-39 minutes"; "6 rooms at once": "more than four", not "two to four"),
    or states no bound and the other, in the same report, holds as many of the question's words
    ("debriding 3 nails": the row "1 to 5", not a foot-care code that also trims nails; a number alone
    does not move the answer to another report), or states the very bound the question does ("and 7 or
    more?": "7 or more visits")."""
    counts = counts_asked(q)
    if not counts or not scored:
        return scored
    fits, misses = number_fit(counts, texts[scored[0][1]])
    if fits:
        return scored
    first = scored[0][1]
    bounds = [c for c in counts if c[0] != c[1]]
    return to_front(scored, next((pair for pair in scored if number_fit(counts, texts[pair[1]])[0]
                                  and (misses or reports[pair[1]] == reports[first]
                                       and (cover[pair[1]] >= cover[first] or number_fit(bounds, texts[pair[1]])[0]))),
                                 None))


def named_first(pool: RowPool, scored: list[tuple[float, int]]) -> list[tuple[float, int]]:
    """``scored`` (best first) with the row the question names by its whole name moved to the front (of
    several, the one whose name says the most), when it holds as many of the question's words as the
    closest row: "home birth pos" is 12 Home, not 25 Birthing Center; a bare "Diabetes" row does not win
    "diabetes with ckd" from the row naming both. (Words counted, not weighed: "pharmacy giving flu shots"
    is 01 Pharmacy, not 60 Mass immunization center, which holds "flu", however rare each word is in the
    corpus.)"""
    if not scored:
        return scored
    top = pool.held[scored[0][1]]
    named = [pair for pair in scored if pool.named[pair[1]] and pool.held[pair[1]] >= top]
    # Of the rows it names whole, the one whose name says the most of it is the code asked: "chronic migraine
    # without aura, not intractable" names "Migraine without aura, not intractable" too, a less specific code.
    return to_front(scored, max(named, key=lambda pair: len(set(tokenize(pool.hits[pair[1]].chunk.name))),
                                default=None))


def to_front(scored: list[tuple[float, int]], pair: tuple[float, int] | None) -> list[tuple[float, int]]:
    """``scored`` with ``pair`` moved to the front (unchanged when there is none)."""
    return scored if pair is None else [pair, *(p for p in scored if p is not pair)]


class RuleSelector(Selector):
    """A ``Selector`` that also decides: the best row, the best sentences, whether a passage is close
    enough to answer (hand-set weights and bars), and the format's structural answers."""

    def supported(self, q: Query, hit: Hit, candidates: list[Chunk]) -> bool:
        """Whether a passage found without an exact code is close enough to count as the answer.

        Sharing a distinctive word with the question lowers the similarity needed; a table row
        offered as the code for a situation must share one, or be near-identical in meaning.
        """
        if hit.chunk.kind == "row" and q.target and names_whole(self.said(q), hit.chunk.name):
            return True  # a row of the asked kind the user named ("taxonomy for slp": Speech-Language Pathologist)
        typed, found = self._typed_found(q, hit, candidates)
        if typed and typed <= found:
            # Every distinctive word the user typed is in the passage ("which one is the primary").
            return hit.dense >= self.settings.min_dense_all_words
        if found:
            return hit.dense >= self.settings.min_dense
        need = self.settings.min_dense_row if hit.chunk.kind == "row" else self.settings.min_dense_no_overlap
        return hit.dense >= need

    def holds_every_word(self, q: Query, hit: Hit, candidates: list[Chunk]) -> bool:
        """Whether the passage holds every distinctive word the user typed, and is close enough with them."""
        typed, found = self._typed_found(q, hit, candidates)
        return bool(typed) and typed <= found and hit.dense >= self.settings.min_dense_all_words

    def _typed_found(self, q: Query, hit: Hit, candidates: list[Chunk]) -> tuple[set[str], set[str]]:
        """The question's distinctive words the user typed, and those of its distinctive words the passage
        holds (a number counts as held when a bound the passage states holds it: "6 rooms", "more than four")."""
        terms = self.discriminative(q, candidates)
        found = shared(terms, self.tokens(hit.chunk))
        found |= {t for t in terms if number_fit([(n, n) for n in numbers(t, set())], embed_text(hit.chunk))[0]}
        return terms & set(tokenize(q.asked_text)), found

    @functools.cache  # noqa: B019 (one Selector per loaded index; the cache lives as long as it)
    def _title_words(self) -> tuple[set[tuple[str, str]], set[str]]:
        """Word pairs of every report title, and shorthand spelling out a title's words ("ire")."""
        titles = list(self.catalog.titles.values())
        pairs = {pair for d in self.docs for pair in itertools.pairwise(tokenize(d.title))}
        abbrs = {t for abbr, full in ABBREVIATIONS.items() if any(set(tokenize(full)) <= t for t in titles)
                 for t in tokenize(abbr)}
        return pairs, abbrs

    def section_opening(self, q: Query, hit: Hit) -> tuple[Hit, list[str]] | None:
        """For "give me the clinical example" with nothing more specific, the section's first sentences:
        a vignette read from its start, not the one sentence that happens to score best."""
        from .query import INTENT_HINTS

        if q.intent != "clinical_context" or not self.catalog.in_example(hit.chunk):
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
        opening = sentences(first.text)[:2]
        # A question only a phrase of one kind answers ("how long was the counseling", "how old was the
        # patient") is not answered by an opening that states none: the sentence stating one is looked for.
        if (expects := required_answer_type(q.text)) and not any(map(expects.search, opening)):
            return None
        return Hit(chunk=first, score=hit.score, dense=hit.dense, exact=True), opening

    def definition(self, q: Query, ranked: list[tuple[Hit, str]]) -> tuple[Hit, list[str]] | None:
        """For "what is 0600T", "how does IRE work" or "which report covers IRE" and nothing more: the
        closest sentence that names the report's code (its descriptor), with the sentence after it, which
        says what the procedure does."""
        if not (q.intent in ("definition", "reports") or HOW_IT_WORKS.search(q.text)):
            return None
        asked = set(tokenize(q.text)) - stems(DEFINITION_WORDS)
        if q.intent == "definition" and len(asked) == 1 and (spelled := (self._defining(next(iter(asked)), ranked)
                                                                         or _glossing(next(iter(asked)), ranked))):
            return spelled
        # A report's own code alone is no glossary term: "what does 49505 mean" asks for its descriptor, not for
        # a field labelled with the code ("All four must line up for 49505:").
        own = asked <= {code_key(r).lower() for r in q.reports}
        if q.intent == "definition" and not own and (entry := self._entry(asked, ranked)):
            return entry
        # "what is arthrocentesis": words of one report's title (and nothing else) name that report.
        titled = [code for code, words in self.catalog.titles.items() if asked and asked <= words]
        reports = q.reports or (tuple(titled) if not q.codes and not q.unknown else ())
        if len(reports) != 1:
            return None
        code = reports[0]
        generic = stems(DEFINITION_WORDS) | {code_key(code).lower()}
        # Its title words name the report ("what is arthrocentesis"), unless the question names it by its code
        # already: then they are what it asks about ("what does separate procedure mean for 45378").
        if code_key(code).lower() not in tokenize(q.text):
            generic |= self.catalog.titles.get(code, set())
            generic |= {a for a, docs in self.catalog.names.items() if docs == {code}}
        if set(tokenize(q.text)) - generic:
            return None
        # A descriptor has the code as its subject ("CPT code 0441T reports…"); "As a Category III code,
        # 0441T tracks…" names it in passing, and is the choice only when no sentence is a descriptor.
        naming = re.compile(rf"\b{re.escape(code)}\b", re.I)
        # "What is" is answered by the report's first descriptor (its summary opens with it); "how does it
        # work" by the descriptor closest to the question, whose next sentence says how.
        first = None
        if not HOW_IT_WORKS.search(q.text):
            ranked = sorted(ranked, key=lambda p: self._position[p[0].chunk.id])
            if own:
                # Asked by its code alone, wherever the descriptor stands, among the passages the question's
                # words found or not ("what does 49505 mean" finds a "How to Select 49505" list before the
                # summary that opens with the descriptor).
                first = next(((Hit(chunk=c, score=1.0), s) for c in self.chunks({code}, kind="prose")
                              for s in sentences(c.text) if describes(code, s)), None)
        found = first or next((p for p in ranked if describes(code, p[1])), None) or next(
            (p for p in ranked if naming.search(p[1])), None)
        if found is None:
            return None
        hit, sentence = found
        rest = sentences(hit.chunk.text)
        follow = rest[rest.index(sentence) + 1:][:1]
        return Hit(chunk=hit.chunk, score=1.0, dense=1.0, exact=True), [sentence, *follow]

    def _entry(self, asked: set[str], ranked: list[tuple[Hit, str]]) -> tuple[Hit, list[str]] | None:
        """For "what does interlaminar mean": the closest glossary entry, a sentence whose label names the term
        ("Interlaminar: an approach that passes the needle between the laminae…"; "Automated differential WBC
        count: the analyzer sorts…"), before the descriptor of a report whose title holds the word. The
        term is the question's words that the passages' reports use ("actually" is none of them), and it is
        most of the label: "A record that supports 11721 should include:" introduces a list, not 11721."""
        term = asked & self.vocabulary({h.chunk.doc_code for h, _ in ranked})
        for hit, sentence in ranked:
            label = set(tokenize(field_label(sentence) or ""))
            if term and term <= label and 2 * len(term) >= len(label):
                return hit.model_copy(update={"exact": True}), [sentence]
        return None

    def _defining(self, abbr: str, ranked: list[tuple[Hit, str]]) -> tuple[Hit, list[str]] | None:
        """For "what does AHI mean" about letters the corpus defines: the sentence spelling them out
        ("…the apnea-hypopnea index (AHI)…"), in the report the question's passages are from if it is one
        of those defining them."""
        where = self.catalog.defined_in.get(abbr, [])
        reports = {h.chunk.doc_code for h, _ in ranked}
        chunk = next((c for c in where if c.doc_code in reports), where[0] if where else None)
        if chunk is None:
            return None
        spelled = re.compile(rf"\({re.escape(abbr)}\)", re.I)
        sentence = next((s for s in sentences(chunk.text) if spelled.search(s)), None)
        return (Hit(chunk=chunk, score=1.0, dense=1.0, exact=True), [sentence]) if sentence else None

    def strength(self, q: Query, scope: set[str], *candidates: tuple[Hit, str]) -> list[float]:
        """Similarity plus the share of the question's typed distinctive words each text holds: one scale
        for a row (its closest cell) and a sentence, so the closer of the two answers."""
        typed = self.discriminative(q, self.chunks(scope)) & set(tokenize(q.asked_text))
        weights = {t: 1.0 for t in typed}
        return [hit.dense + self.settings.coverage_weight * self.coverage(weights, text) for hit, text in candidates]

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
        scored = bound_first(q, scored, [embed_text(h.chunk) for h in hits], pool.cover,
                             [h.chunk.doc_code for h in hits])
        scored = named_first(pool, scored)

        def pick(n: int) -> Hit:
            return Hit(chunk=hits[n].chunk, score=hits[n].score, dense=best_cell[n], lexical=hits[n].lexical)

        fitting = [n for _, n in scored if hits[n].chunk.id not in conflicting]
        top = scored[0][1]
        if fitting and fitting[0] == top:
            if not self.supported(q, pick(top), rows):
                # A closer row that cannot be the answer (no asked word, not near-identical) does not hide
                # one holding every word the user typed ("and for OT?": GO, "OT plan of care", under 59).
                return next((pick(n) for n in fitting[1:] if self.holds_every_word(q, pick(n), rows)),
                            pick(top)), None
            return pick(top), None
        # Below a row stating another value, one stating the asked value answers if it also holds every
        # asked word the other does ("right knee oa": M17.11 over bilateral M17.0; not a "left" nerve
        # lesion for a left kidney).
        # The words are those of the closer row's own name (its description): its notes may say its value
        # in words of their own ("Left-side counterpart") that the row stating the asked one need not repeat.
        held = shared(set(weights), set(tokenize(hits[top].chunk.description or hits[top].chunk.text))) & typed
        without = excluded(q.asked_text, embed_text(hits[top].chunk))
        for n in fitting:
            if (states(q.asked_text, embed_text(hits[n].chunk), without)
                    and held <= shared(held, self.tokens(hits[n].chunk))):
                return pick(n), None
        if not contradicts(q.asked_text, embed_text(hits[top].chunk), row=True):
            return pick(top), None  # it only says a word the question negates, and no row denying it holds its words
        return None, pick(top)

    def best_sentences(self, q: Query, scope: set[str],
                       naming: set[str] | None = None) -> tuple[Hit, list[str]] | None:
        """The prose passage and its one to three sentences closest to the question, if close enough
        (hand-set weights and bars: the rule-based selector)."""
        pool = self.sentence_pool(q, scope, naming)
        if pool is None:
            return None
        st, pairs = self.settings, pool.pairs
        scored = bound_first(q, rule_scores(pool, st), [s for _, s in pairs], pool.cover,
                             [h.chunk.doc_code for h, _ in pairs])
        # Asked about one value ("pos … on campus", "the lesion size on the right in the example"), a sentence
        # stating another ("POS 19 (Off Campus…)", "On the left, the lesion size is…") gives way to one stating
        # the asked value, if any does.
        # (The asked value the others contradict: "cervical disc" does not give way to a sentence stating "disc"
        # when the ones it drops state "lumbar".)
        dropped = {i: c[0] for _, i in scored if (c := contradicts(q.asked_text, pairs[i][1]))}
        fit = [(sc, i) for sc, i in scored if i not in dropped]
        wanted = set(dropped.values())
        if any(states(q.asked_text, pairs[i][1]) and any(says_value(v, pairs[i][1]) for v in wanted) for _, i in fit):
            scored = fit
        best_score, best_i = scored[0]
        hit, sentence = pairs[best_i]
        opening = self.structural(q, pool, [i for _, i in scored])
        if opening is not None:
            return opening
        held = best_i  # the sentence whose closeness the bar weighs
        if required_answer_type(q.text) or (pool.asks_value and any(pool.typed_kind)):
            # "how many years…": only a sentence stating a quantity may answer; "what was the free t4 in the
            # case", when a sentence gives it a value, only one that does. One in the passage the
            # question's words picked answers for it ("how big was the abscess in the thigh case": the vignette's
            # "3 cm" sentence, though only the sentence before names the thigh).
            typed = [(sc, i) for sc, i in scored if pool.typed_kind[i]]
            if not typed:
                return None
            # "how many minutes…": in the section the question's words picked, a sentence giving a number of
            # minutes, if one does, not any number ("the intensivist (… 207RC0200X)" is no count of minutes).
            if ((nouns := counted(q.text)) and not states_count(sentence, nouns)
                    and (counting := [(sc, i) for sc, i in typed if states_count(pairs[i][1], nouns)
                                      and pairs[i][0].chunk.section == hit.chunk.section
                                      and pairs[i][0].chunk.doc_code == hit.chunk.doc_code])):
                typed = counting
            passage = [(sc, i) for sc, i in typed if pairs[i][0] is hit]
            best_score, best_i = (passage or typed)[0]
            held = best_i if not passage or pool.typed_kind[held] else held
            scored = typed
            hit, sentence = pairs[best_i]
        dense = max(pool.sims[held], pool.scoped[held])  # the bar below was measured with the code in
        labelled = pool.labelled[held]
        # A field the question names by its label is the answer however its value is worded.
        if dense < bar(pool, held, st):
            return None
        # A question about one payer asks what the report says under that payer's heading, not one line of it.
        if names_payer(hit.chunk.section[-1], q.payers):  # (what it says it leaves out is not part of it)
            quotes = [sentence] + [pairs[i][1] for _, i in scored[1:] if pairs[i][0] is hit
                                   and not says_left_out(pairs[i][1], hit.chunk.section)][:2]
        else:
            quotes = [sentence] + [pairs[i][1] for sc, i in scored[1:3] if pairs[i][0] is hit
                                   and sc >= best_score - st.sentence_margin]
        return Hit(chunk=hit.chunk, score=best_score, dense=dense, lexical=hit.lexical, exact=labelled), quotes

    def naming(self, q: Query, scope: set[str], keys: set[str], example: bool = False) -> tuple[Hit, list[str]] | None:
        """The closest sentence naming one of ``keys``: what the clinical example says of a code the
        question names along with it (``example``: "how many units of 17003 were billed in the example"), or
        what the prose says of an identifier no table lists ("what's rev code 0483"). Naming it is the
        evidence, so no similarity bar applies; None when no sentence (of the example) names it."""
        pool = self.sentence_pool(q, scope, keys)
        if pool is None or (example and not pool.named_section):
            return None
        score, i = bound_first(q, rule_scores(pool, self.settings), [s for _, s in pool.pairs], pool.cover,
                               [h.chunk.doc_code for h, _ in pool.pairs])[0]
        hit, sentence = pool.pairs[i]
        return Hit(chunk=hit.chunk, score=score, dense=pool.sims[i], lexical=hit.lexical), [sentence]

    def structural(self, q: Query, pool: SentencePool, order: list[int]) -> tuple[Hit, list[str]] | None:
        """Answers the format itself gives: a vignette read from its start, or a report's descriptor."""
        hit = pool.pairs[order[0]][0]
        return self.section_opening(q, hit) or self.definition(q, [pool.pairs[i] for i in order])
