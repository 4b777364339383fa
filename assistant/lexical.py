"""A corpus's words as evidence selection reads them: tokens, vocabulary, distinctive words, coverage.

`select.py` builds candidate pools on top of this; the hand-set rules (`rules.py`) and the fitted
selector (`rank.py`) read the same word evidence.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from .config import Settings
from .embed import Embedder, embed_text
from .index import Index
from .ingest import code_key
from .lexicon import lexicon
from .models import Chunk, Document
from .query import Query
from .retrieve import Retriever
from .signals import DEFINITION_WORDS, negated_words, only_negated, shared
from .vocab import TYPE_WORDS, Catalog, stems, tokenize

# A word at least this share of a corpus's reports use is the format's own ("bill", "support"): it tells no
# table row apart. Measured only in a corpus of at least COMMON_MIN_REPORTS reports (in a smaller one every
# word of the question is in most reports).
COMMON_SHARE = 0.9
COMMON_MIN_REPORTS = 5


@functools.cache
def _unseen_forms() -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
    """The lexicon's shorthand whose letters no token keeps, as one pattern, and the words each stands for."""
    forms = {a: frozenset(tokenize(f)) for a, f in lexicon().abbreviations.items() if not tokenize(a)}
    alternatives = "|".join(re.escape(a) for a in sorted(forms, key=len, reverse=True)) or "(?!)"
    return re.compile(rf"(?<![\w/-])({alternatives})(?![\w/-])", re.I), forms


def unseen_shorthand(text: str) -> frozenset[str]:
    """The words a passage's shorthand stands for when no token keeps its letters ("E/M", "F/U": single
    letters): the passage holds them, as a question's "e/m" is read as those words (query.parse)."""
    pattern, forms = _unseen_forms()
    return frozenset().union(*(forms[m.group(1).lower()] for m in pattern.finditer(text)))


class Lexical:
    """A corpus's words as evidence selection reads them: each chunk's tokens (with the letters and
    names the corpus defines), each scope's vocabulary, the question words that tell candidates apart, and
    how much of them a text holds."""

    def __init__(self, settings: Settings, docs: list[Document], index: Index, catalog: Catalog,
                 retriever: Retriever, embedder: Embedder) -> None:
        self.settings, self.docs, self.index, self.catalog = settings, docs, index, catalog
        self.retriever, self.embedder = retriever, embedder
        self._tokens: dict[str, frozenset[str]] = {}
        self._vocab: dict[frozenset[str], frozenset[str]] = {}
        self._postings: dict[str, set[int]] | None = None
        self._doc_vocab: dict[str, set[str]] | None = None
        self._spread: Counter[str] | None = None
        self._position = {c.id: i for i, c in enumerate(index.chunks)}
        self._long_forms: dict[str, frozenset[str]] | None = None
        self._short_forms: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)

    def keep(self, scope: set[str], **want) -> Callable[[Chunk], bool]:
        def keep(c: Chunk) -> bool:
            return (not scope or c.doc_code in scope) and all(
                getattr(c, k) in v if isinstance(v, tuple) else getattr(c, k) == v for k, v in want.items() if v)
        keep.spec = (frozenset(scope), tuple((k, v) for k, v in want.items() if v))  # type: ignore[attr-defined]
        return keep

    def chunk(self, chunk_id: str) -> Chunk | None:
        """The chunk with that id (None for an id the index does not hold)."""
        at = self._position.get(chunk_id)
        return None if at is None else self.index.chunks[at]

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
        """A chunk's lexical tokens (as BM25 sees them: a diagnosis row's ICD-10-CM names too), computed once
        per chunk."""
        found = self._tokens.get(chunk.id)
        if found is None:
            text = embed_text(chunk)
            found = self._tokens[chunk.id] = (self.spelled(tokenize(text)) | self.retriever.names(chunk)
                                              | unseen_shorthand(text))
        return found

    def spelled(self, toks: Iterable[str]) -> frozenset[str]:
        """Tokens with the words of the abbreviations among them that the corpus defines ("CRNA service" holds
        "certified registered nurse anesthetist"), as a question may spell them out; and with the abbreviation
        of a defined name they spell out whole ("Obstructive sleep apnea" holds "osa"), as a question may
        abbreviate it."""
        toks = set(toks)
        if self._long_forms is None:
            self._long_forms = {abbr: frozenset(tokenize(long)) for abbr, long in self.catalog.aliases.items()}
            for abbr, words in self._long_forms.items():
                if words:
                    self._short_forms[min(words)].append((abbr, words))
        short = {abbr for t in toks for abbr, words in self._short_forms.get(t, ()) if words <= toks}
        return frozenset(toks.union(short, *(self._long_forms[a] for a in toks & self._long_forms.keys())))

    def vocabulary(self, scope: set[str]) -> frozenset[str]:
        """Every token the reports in ``scope`` (all when empty) use, computed once per scope."""
        key = frozenset(scope)
        if key not in self._vocab:
            if self._doc_vocab is None:
                self._index_tokens()
            docs = self._doc_vocab or {}
            self._vocab[key] = frozenset().union(*(v for d, v in docs.items() if not scope or d in scope))
        return self._vocab[key]

    @functools.cache  # noqa: B019 (one per loaded index; once per report)
    def subject(self, report: str) -> frozenset[str]:
        """The words that make a report that report: those of its title, and those that run through it (in a
        tenth of its passages or more) and are mostly its own (most passages holding them are its): "prolia"
        in the denosumab report. Within it they tell no passage apart. (Not the other codes it names often,
        "47563" in the 47562 report: a question naming one asks about that code.)"""
        postings = self.postings()
        mine = {self._position[c.id] for c in self.chunks({report})}
        title = next((set(tokenize(self.index.chunks[i].doc_title)) for i in mine), set())
        common = max(3, len(mine) // 10)
        return frozenset(title) | {t for t, at in postings.items() if not re.search(r"\d", t)
                                   and len(held := at & mine) >= common and 2 * len(held) > len(at)}

    def discriminative(self, q: Query, candidates: list[Chunk], keep_reports: bool = False) -> set[str]:
        """The question's words that tell candidates apart: in fewer than half of them, not type words."""

        words = set(tokenize(q.retrieval_text)) - stems(frozenset(TYPE_WORDS))
        words -= stems(lexicon().listing_words)
        # Shorthand the question spelled out ("reqs" → "requirements") is represented by its expansion.
        words -= q.spelled_out
        if not keep_reports:
            words -= {code_key(r).lower() for r in q.reports}
        # A report's title names what all of its passages are about: within one report its words tell
        # none apart (across reports they do, so they stay).
        titles = {c.doc_title for c in candidates}
        if len(titles) == 1:
            # ...but for a row's whole name the question says: "pos for 99203 in the physician office" asks for
            # POS 11 "Office", though the office visit report's title holds the word.
            named = {t for c in candidates if c.kind == "row" and (name := set(tokenize(c.description)))
                     and name <= words for t in name}
            words -= set(tokenize(titles.pop())) - named
            words -= {a for a, docs in self.catalog.names.items() if {c.doc_code for c in candidates} <= docs}
        if len(candidates) < 3:
            return words
        postings = self.postings()
        chosen = {self._position[c.id] for c in candidates}
        limit = max(2, len(candidates) / 2)
        return {t for t in words if len(postings.get(t, set()) & chosen) < limit}

    def list_terms(self, q: Query, candidates: list[Chunk], scope: set[str]) -> set[str]:
        """The question's words that narrow a list of ``candidates`` (rows of one kind, from the reports in
        ``scope``) to the rows about them. Not narrowing:
        - a word no report in scope uses ("which icd codes pair with 64483");
        - the words asking what a code covers ("all pos codes for this procedure", "which pos does it cover");
        - a word nearly every report of a corpus uses: the format's own ("which taxonomy codes bill …",
          "dx codes that support …");
        - a word only the asked report uses and none of the rows holds: it names what the report is about
          (a drug's brand, "all the icd10 codes for keytruda"), not a kind of row. Telling a report's own
          words apart takes other reports, so in a one-report corpus such a word still narrows.
        """
        terms = (self.discriminative(q, candidates) & self.vocabulary(scope)) - stems(DEFINITION_WORDS)
        if not terms:
            return terms
        held = set().union(*(self.tokens(c) for c in candidates))
        spread, reports = self.spread(), len(self.docs)
        if reports >= COMMON_MIN_REPORTS:
            terms = {t for t in terms if spread[t] < COMMON_SHARE * reports}
        if reports >= 2:
            terms = {t for t in terms if t in held or spread[t] > 1}
        return terms

    def spread(self) -> Counter[str]:
        """Token → how many reports use it."""
        if self._spread is None:
            self.vocabulary(set())
            self._spread = Counter(t for v in (self._doc_vocab or {}).values() for t in v)
        return self._spread

    def idf(self, term: str) -> float:
        n = len(self.index.chunks)
        return math.log((n + 1) / (self.catalog.df.get(term, 0) + 1))

    def held(self, terms: Iterable[str], text: str, negated: set[str] = frozenset(),
             names: frozenset[str] = frozenset(), named: bool = False) -> set[str]:
        """The ``terms`` a text holds (see ``coverage``). ``named``: the text names a code (a row), whose
        sense a negated word turns ("not intractable" is another diagnosis); a sentence negating a word
        still speaks to it ("was emg used": "…without EMG guidance")."""
        toks = tokenize(text)
        # A compound is one word written open or closed: "flatfoot" is held by "Flat foot".
        joined = {a + b for a, b in itertools.pairwise(toks)}
        # Its shorthand of single letters holds the words it stands for, as in ``tokens``: the E/M in a code's
        # name ("Unrelated E/M service…") is an evaluation and management visit wherever words are counted.
        holding = set(self.spelled(toks)) | names | (joined & set(terms)) | unseen_shorthand(text)
        found_terms = shared(set(terms), holding)
        if negated & found_terms:
            found_terms -= negated - negated_words(text)
        # ...and a word the question states plainly is not held by a text that only negates it: "intractable"
        # is not in "Chronic migraine with aura, not intractable".
        if named:
            found_terms -= only_negated(text) - negated
        return found_terms

    def coverage(self, terms: dict[str, float], text: str, negated: set[str] = frozenset(),
                 names: frozenset[str] = frozenset(), named: bool = False) -> float:
        """How much of the question's distinctive vocabulary a text holds: the share of ``terms`` (each
        weighted by its idf times the given weight) it contains, word families counted as one (``shared``).
        A word the question negates ("not rented") is held only by a text that negates it too. ``names``:
        tokens the text's code is also known by (``Retriever.names``); ``named``: see ``held``."""
        return self.share(terms, self.held(terms, text, negated, names, named))

    def share(self, terms: dict[str, float], found: set[str]) -> float:
        """The idf-weighted share of ``terms`` among ``found`` (see ``coverage``)."""
        total = sum(self.idf(t) * w for t, w in terms.items())
        return sum(self.idf(t) * w for t, w in terms.items() if t in found) / total if total else 0.0
