"""Typo repair: a question's misspelled words and labels, mended against the reports' own vocabulary.

`vocab.Catalog` builds one `Speller` from the reports; `query.parse` reads every question through it
(`Catalog.correct`) before anything else.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
from collections.abc import Callable, Iterable, Mapping

# An English negative contraction typed without its apostrophe ("wasnt", "didnt", "cant").
CONTRACTION_RE = re.compile(r"(is|was|were|are|do|does|did|has|have|had|could|would|should|ca|wo|need|must)nt")


class Speller:
    """Repairs questions against a catalog's vocabulary, its hyphenated words and its labels."""

    def __init__(self, vocab: set[str], known: frozenset[str], df: Mapping[str, int], labels: Iterable[str],
                 texts: Iterable[str], stopwords: frozenset[str], stem: Callable[[str], str],
                 shorthand: frozenset[str] = frozenset(), terms: frozenset[str] = frozenset(),
                 spellings: Mapping[str, str] | None = None, before: Mapping[str, set[str]] | None = None) -> None:
        """``vocab``: the reports' words; ``known``, and ``terms`` (a medical code set's words: "cauda" is
        no slip of a report's "caudal"): words spelled right though no report uses them;
        ``shorthand``: abbreviations the lexicon spells out, which are no clipped words; ``spellings``: the
        reports' abbreviations written another way ("dexa" → "dxa");
        ``df``: how many passages hold each token; ``labels``: headings, column names and prose fields;
        ``texts``: the passages (for the words they hyphenate or write side by side); ``before``: the words the
        reports write right before each word."""
        self.vocab, self.words, self.df, self.stopwords, self.stem = vocab, known, df, stopwords, stem
        self.shorthand, self.terms, self.spellings = shorthand, terms, dict(spellings or {})
        self.before = before or {}
        # The glue words as the stemmer spells them: "befor" is how it writes "before", no clipped "beforehand".
        self.stopword_stems = {stem(w): w for w in sorted(stopwords, key=len, reverse=True)}
        self._vocab_list = sorted(self.vocab)
        self._texts = list(texts)
        # Words the reports hyphenate, as staff type them run together ("xrays", "followup").
        self.joined = {w.replace("-", ""): w for t in self._texts
                       for w in re.findall(r"[a-z]+(?:-[a-z]+)+", t.lower())}
        # Labels of the format ("typical site of service") and their runs of words, for misspelled phrases.
        phrases: set[str] = set()
        for label in labels:
            words = re.findall(r"[a-z]+", label.lower())
            phrases.update(" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 2, len(words) + 1))
        # In a fixed order: the nearest of them must not depend on how this process hashes strings.
        self.phrases, self._phrase_set = sorted(phrases), frozenset(phrases)

    def correct(self, text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Repair misspelled words against the corpus vocabulary (rapidfuzz, conservative cut-off)."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        fixes: list[tuple[str, str]] = []

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            low = word.lower()
            if contraction := CONTRACTION_RE.fullmatch(low):  # "wasnt" is "wasn't", not "want"
                return f"{contraction.group(1)}n't"
            if low in self.spellings:  # "dexa" is the report's DXA, not a clipped "dexamethasone"
                fixes.append((word, self.spellings[low]))
                return fixes[-1][1]
            single = low[:-1] if low.endswith("s") and low[:-1] in self.joined else low
            if single in self.joined and single not in self.vocab:
                fixes.append((word, self.joined[single] + low[len(single):]))
                return fixes[-1][1]
            # Another form of a word the corpus or the question glue uses ("cover" beside "covered",
            # "getting" beside "get"), a known word ("house", not the reports' "hose"), or staff shorthand the
            # lexicon spells out ("outpt" is outpatient, not "output") is not a misspelling.
            stem = self.stem(low)
            if (len(low) < 4 or low in self.vocab or low in self.stopwords or low in self.words
                    or low in self.terms or stem in self.stopwords or low in self.shorthand):
                return word
            if stem in self.stopword_stems:
                fixes.append((word, self.stopword_stems[stem]))
                return fixes[-1][1]
            if apart := self._apart(low):
                fixes.append((word, apart))
                return apart
            if swapped := self._swapped(low):
                # One swapped pair of letters is the likeliest slip of all: "gose" is "goes", not a clipped
                # "goserelin"; "wiht" is "with". Unless the swap makes a word no report uses and the letters begin
                # several report words, as staff clip a word with many forms or a start many words share: "pulm"
                # is the start of pulmonary, pulmonology and pulmonologist, not "plum"; "lap chole" is a
                # cholecystectomy (beside cholecystitis, cholelithiasis), not "chloe".
                foreign = swapped not in self.vocab and swapped not in self.stopwords
                fixed = (foreign and len(self._begun(low)) >= 2 and self._clipped(low)) or swapped
                fixes.append((word, fixed))
                return fixed
            if len(low) == 4:
                # Four letters are too few to tell a slip from another word, but not a clipped start: staff
                # shorten words to four letters as to five ("anes", "eval"), read so when every report word they
                # begin is of one family ("colo" begins colon, colonoscopy and colorectal: it stays). Words of the
                # model's vocabulary ("kind", "dept") and staff shorthand the lexicon spells out ("path") stay.
                # Nor is it a slip unless the word after it tells which (``_before_next``).
                if stem in self.df or low in self.shorthand:
                    return word
                fixed = self._clipped(low, family=True) or self._before_next(low, text[m.end():])
                if fixed is None:
                    return word
                fixes.append((word, fixed))
                return fixed
            if stem in self.df:
                # ...unless the word is one slip from a corpus word of another stem: "modifer" shares its stem
                # with "modification", yet it is "modifier" mistyped.
                near = self.nearest(low, 90)
                if near is None or self.stem(near[0]) == stem:
                    return word
                fixes.append((word, near[0]))
                return near[0]
            if clipped := self._clipped(low):
                fixes.append((word, clipped))
                return clipped
            best = self.nearest(low, 85)
            if best is None:
                # One swapped pair of letters is one slip, though it costs two edits in a ratio (reached here only
                # when several report words are one swap away: ``_swapped`` took a single one); so is one wrong
                # letter in a word of five or more ("byopsy", "groop"), when only one report word is that near.
                near = process.extract(low, self._vocab_list, scorer=OSA.distance, score_cutoff=1, limit=2)
                best = next((n for n in near if sorted(n[0]) == sorted(low)), None)
                if best is None and len(near) == 1 and len(low) >= 5 and len(near[0][0]) == len(low):
                    best = near[0]
            fixed = best[0] if best is not None else self._before_next(low, text[m.end():])
            if fixed is None:
                return word
            fixes.append((word, fixed))
            return fixed

        text = re.sub(r"(?<![\w-])[A-Za-z]+(?![\w-])", fix, text)
        return self._fix_phrases(text, fixes), tuple(fixes)

    def _before_next(self, low: str, rest: str) -> str | None:
        """Where the word alone decides nothing (four letters, or no report word near enough): the one report
        word a slip from ``low`` that the reports write right before the question's next word (the start of
        ``rest``): "uper eyelid" is "upper eyelid"."""
        from rapidfuzz.distance import OSA

        after = re.match(r"[\s/-]*([a-z]+)", rest.lower())
        beside = {w for w in self.before.get(after.group(1), ()) if len(w) >= 4 and OSA.distance(low, w) == 1
                  } if after else set()
        return beside.pop() if len(beside) == 1 else None

    def _swapped(self, low: str) -> str | None:
        """The one word, of the reports or spelled right elsewhere, that ``low`` is with two neighbouring letters
        swapped back, if exactly one is."""
        found = {w for i in range(len(low) - 1) if low[i] != low[i + 1]
                 if (w := low[:i] + low[i + 1] + low[i] + low[i + 2:]) in self.vocab or w in self.words
                 or w in self.stopwords}
        return found.pop() if len(found) == 1 else None

    def _apart(self, low: str) -> str | None:
        """Two report words that ``low`` runs together, as the reports write them side by side: staff type
        "shockwave" for a report's "shock wave", "cutoff" for its "cut off". Each part is a word of three or
        more letters the reports use, and some passage writes the two side by side: a word that only splits
        into two report words ("hemarthrosis" into "hem" and "arthrosis") is no compound of theirs. Looked for
        only in the few words no report uses, so the passages are read then, not indexed beforehand."""
        if len(low) < 7:
            return None
        for i in range(3, len(low) - 2):
            head, tail = low[:i], low[i:]
            if head in self.vocab and tail in self.vocab and head not in self.stopwords and tail not in self.stopwords:
                side_by_side = re.compile(rf"\b{head}\s+{tail}\b", re.I)
                if any(side_by_side.search(t) for t in self._texts):
                    return f"{head} {tail}"
        return None

    def nearest(self, low: str, cutoff: float) -> tuple[str, float] | None:
        """The report word nearest ``low`` among those alike to ``cutoff`` (rapidfuzz's ratio): the fewest
        slips apart, a wrong or swapped letter counting one (optimal string alignment), then the most alike.
        A ratio counts a wrong letter as two edits, so "servise" would be "supervise" (two letters left out)
        rather than "service"."""
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import OSA

        near = process.extract(low, self._vocab_list, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5)
        return min(((w, score) for w, score, _ in near), key=lambda n: (OSA.distance(low, n[0]), -n[1]),
                   default=None)

    def _begun(self, low: str) -> list[str]:
        """The reports' longer words beginning with ``low``."""
        i = bisect.bisect_right(self._vocab_list, low)
        return list(itertools.takewhile(lambda v: v.startswith(low), self._vocab_list[i:]))

    def _clipped(self, low: str, family: bool = False) -> str | None:
        """The word ``low`` is the clipped start of ("mammo", "chemo", "pembro"): of the reports' longer words
        beginning with it, the one most passages use. Staff shorten words this way; it is no slip. With
        ``family``, only when those words share a start of six letters or more (one word's forms)."""
        begun = self._begun(low)  # (``low`` itself is no word of the reports)
        if family and begun and len(os.path.commonprefix(begun)) < 6:
            return None
        return max(begun, key=lambda v: (self.df.get(self.stem(v), 0), -len(v), v)) if begun else None

    def _fix_phrases(self, text: str, fixes: list[tuple[str, str]]) -> str:
        """Repair a label misspelled as other real words ("sight of service" → "site of service"): a run of
        words close to a label, one of them unknown to the corpus and each like the word it replaces."""
        from rapidfuzz import fuzz, process

        words = text.split()
        for n in (4, 3, 2):
            for i in range(len(words) - n + 1):
                window = [w.strip(",.?!;:").lower() for w in words[i:i + n]]
                joined = " ".join(window)
                if all(w in self.vocab or w in self.stopwords for w in window) or joined in self._phrase_set:
                    continue
                near = process.extract(joined, self.phrases, scorer=fuzz.ratio, score_cutoff=88, limit=2)
                # Two labels as near are two readings ("pro claim": "per claim" or "pos claim"?): none is sure.
                if not near or (len(near) > 1 and near[1][1] == near[0][1]) or len(near[0][0].split()) != n:
                    continue
                best = near[0]
                # A word of one or two letters is shorthand ("the pt"), never a slip of a longer label word.
                pairs = list(zip(window, best[0].split(), strict=True))
                if all(fuzz.ratio(a, b) >= 60 and (a == b or len(a) > 2) for a, b in pairs):
                    fixes.append((" ".join(words[i:i + n]), best[0]))
                    words[i:i + n] = best[0].split()
        return " ".join(words)
