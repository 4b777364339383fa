"""Lexical signals evidence selection weighs beside similarity: word families, labels, the kind of
phrase a question word asks for, exclusions, contrasting values (left/right…), enumerations."""

from __future__ import annotations

import functools
import math
import os
import re
from collections import Counter
from collections.abc import Iterable

from .lexicon import FIRST, exported, lexicon
from .models import Chunk
from .vocab import field_label, tokenize

# "other than the liver or prostate", "without thermal … energy": words a passage names to rule them out.
EXCLUSION_MARKERS = r"other than|except(?: for)?|excluding|not including|rather than|instead of|without|w/out|w/o|not"
EXCLUSION = re.compile(rf"\b({EXCLUSION_MARKERS})\b[^.;:,()]*", re.I)
# "why ire instead of surgery": the alternative not taken, which an answer need not name.
ALTERNATIVE = re.compile(r"\b(?:instead of|rather than|as opposed to)\s+((?:\w+\s+){0,2}\w+)", re.I)
# A sentence whose subject is the report itself ("The publication outlines…", "Readers will learn…");
# "payers covered in this analysis" is about payers, so only the sentence's opening counts.
SELF_REFERENCE = re.compile(r"^((this|the) (report|publication|analysis|document)\b|readers\b)", re.I)
QUESTION_ABOUT_REPORT = re.compile(r"\b(this|the)( [\w-]+)? (report|publication|analysis|document)\b|\breaders\b", re.I)


def label_match(chunk: Chunk, sentence: str, asked: set[str]) -> bool:
    """Whether the question names what this sentence is: its bullet label or its section heading."""
    label = field_label(sentence)
    label = chunk.section[-1] if label is None else label
    words = set(tokenize(label))
    return bool(words) and words <= asked


# Domain words (the phrase each question word asks for, the names of the clinical example, the words
# of a definition request) live in data/lexicon.toml; these names stay importable, read on first use.
__getattr__ = exported(__name__, {"ANSWER_TYPES": "answer_types", "EXAMPLE_NAMES": "example_names",
                                  "NAMES_EXAMPLE": "names_example", "DEFINITION_WORDS": "definition_words"})


# "is bcbs in the report", "medicare mentioned": asking whether something is there, not what is said of it
# ("what does it mention about medicare").
PRESENCE = re.compile(r"\b(in (the|this) (report|analysis|list|payer list|publication)|includes?|included|"
                      r"mention\w*(?!\s+(about|regarding|on)\b)|listed|covered in|part of|among)\b|"
                      r"\bis \w+( \w+)? in\b", re.I)


def names_payer(text: str, payers: Iterable[str]) -> bool:
    """Whether ``text`` names one of ``payers`` as a whole word, in any case."""
    return any(re.search(rf"\b{re.escape(p)}\b", text, re.I) for p in payers)


@functools.cache
def _payer_mention() -> re.Pattern[str]:
    """Any payer's name or its spelled-out alias, longest first ("blue cross blue shield" before "blue cross")."""
    lex = lexicon()
    names = sorted({*lex.payer_names, *(v.lower() for v in lex.payer_aliases.values())}, key=len, reverse=True)
    return re.compile(rf"\b({'|'.join(re.escape(n) for n in names)})\b")


def enumerates_payers(sentence: str) -> bool:
    """Whether a sentence lists three or more payers (a list, not a statement about one). A payer named
    several ways ("Blue Cross Blue Shield plans …; BCBS data …") or several times is one payer."""
    aliases = lexicon().payer_aliases
    return len({aliases.get(n, n).lower() for n in _payer_mention().findall(sentence.lower())}) >= 3


def answer_type(question: str) -> re.Pattern[str] | None:
    """The pattern of phrase that would answer ``question`` by its question word, if it has one."""
    low = question.lower().strip()
    return next((answer for ask, answer in lexicon().answer_types if ask.search(low)), None)


def required_answer_type(question: str) -> re.Pattern[str] | None:
    """``answer_type`` when only a phrase of that kind answers ("how many years", "how old"), else None."""
    expects = answer_type(question)
    return expects if expects and lexicon().answer_required.search(question.lower()) else None


# A question whose verb is an act ("what did they bill", "which tubes got filled", "what was injected") asks
# what was done, and one asking "which", "where", "who" or "when" asks for a thing, a place, a person or a time.
NOT_A_READING = re.compile(r"\b(did|does|do|got|get|gets|will|would|should|could|can|which|where|who|when)\b"
                           r"|\b\w{3,}ed\b")


def asks_reading(question: str) -> bool:
    """Whether a question could ask what a measure read: no verb but "to be", and "what" or no question word
    ("what was the free t4", "op time and blood loss?"); see ``NOT_A_READING``."""
    return NOT_A_READING.search(question.lower()) is None


# A token in a code's shape (five characters: "84443", "0600t", "j1745"), which names a code, not a reading.
CODE_LIKE = re.compile(r"\d{4}[0-9a-z]|[a-z]\d{4}")


def states_value(terms: set[str], sentence: str, reach: int = 2) -> bool:
    """Whether ``sentence`` gives one of ``terms`` (words the user typed, as ``tokenize`` stems them) a value: a number
    within ``reach`` words after it, stop words aside ("an eGFR of 48", "TSH is 8.9 mIU/L", "FEV1 2.10 L"). A
    sentence naming the measure without its value ("to confirm that metformin remains safe at her current
    eGFR") is about it, not its reading."""
    toks = tokenize(sentence)
    return any(t in terms and any(x[0].isdigit() and not CODE_LIKE.fullmatch(x) for x in toks[j + 1:j + 1 + reach])
               for j, t in enumerate(toks))


# "with esophagitis" / "without esophagitis": codes that differ by what is present (ICD-10 names many).
WITH = re.compile(r"(?<![\w/])(with|w/|w|without|w/out|w/o|wo|no)\s+(?:(?:the|a|an|any)\s+)?([a-z]{4,})", re.I)
# Both sides of one word, as a combination code names them: "w and wo contrast", "without and with contrast",
# "without contrast material(s), followed by contrast material(s)", "wo contrast then w contrast".
_SIDE = r"(?:w|w/|with|w/out|w/o|wo|without)"
BOTH = (re.compile(rf"\b{_SIDE}\s+(?:and|or|&|then|followed by)\s+{_SIDE}\s+(?:(?:the|a|an|any)\s+)?([a-z]{{4,}})",
                   re.I),
        re.compile(r"\b(?:w/out|w/o|wo|without)\s+([a-z]{4,})[a-z()]*(?:[\s,]+[a-z()]+){0,2}?[\s,]+"
                   r"(?:and then|and|then|followed by)\s+(?:(?:w|w/|with)\s+)?\1", re.I))


# The other thing a "without" excludes: "…without obstruction or gangrene".
OR_NEXT = re.compile(r",?\s+or\s+(?:(?:the|a|an|any)\s+)?([a-z]{3,})\b", re.I)
NEGATED_VERB_SPAN = 40  # characters before a "with" that hold a negation and one verb ("cannot be billed with")


@functools.cache
def _negated_verb() -> re.Pattern[str]:
    """A negation word of the lexicon, then at most one word (the verb a "with" hangs on), at the end of a text."""
    words = "|".join(re.escape(w) for w in sorted(lexicon().negation, key=len, reverse=True) if w.isalpha())
    return re.compile(rf"\b(?:{words})\s+(?:[a-z]+\s+)?$", re.I)


@functools.lru_cache(maxsize=16384)
def _withs(text: str) -> dict[tuple[bool, str], str]:
    """(present, stem) → the phrase, for each "with X" / "without X" of ``text``."""
    found = {}
    for m in (m for pattern in BOTH for m in pattern.finditer(text)):
        stem = tokenize(m.group(1))
        for present in (stem and (True, False)) or ():
            found.setdefault((present, stem[0]), f"{'with' if present else 'without'} {m.group(1).lower()}")
    for m in WITH.finditer(text):
        stem = tokenize(m.group(2))
        if stem:
            # "not treated with insulin", "not reported with screening": a negation of the verb the "with"
            # hangs on is without it (not "does not qualify as 'with contrast'", which names the phrase).
            present = m.group(1).lower() in ("with", "w/", "w") and not _negated_verb().search(
                text[max(0, m.start() - NEGATED_VERB_SPAN): m.start()])
            found.setdefault((present, stem[0]), f"{'with' if present else 'without'} {m.group(2).lower()}")
            # Without one thing or another is without either ("without obstruction or gangrene", "no biopsy
            # or ECC"), as ICD-10-CM names and English write it.
            if not present and (other := OR_NEXT.match(text, m.end())) and (also := tokenize(other.group(1))):
                found.setdefault((False, also[0]), f"without {other.group(1).lower()}")
    return found


def _asked_withs(asked: str) -> dict[tuple[bool, str], str]:
    """The question's "with X" / "without X", a word it negates counting as "without" it: "nothing abnormal
    found" asks for the row without abnormal findings, and the one with them states another value."""
    found = dict(_withs(asked))  # (remembered per text: a copy to add to)
    for tok, phrase in _negations(asked, reach=VALUE_REACH):
        found.setdefault((False, tok), phrase)
    return found


@functools.lru_cache(maxsize=16384)
def axis_words(text: str) -> frozenset[str]:
    """The words of ``text``, and the contrast values of two words it says ("off-campus" → "off campus",
    "a different doc" → "another physician"); a value's word in another sense ("units left in the vial")
    says none. Remembered per text: a question's checks read the same passages again and again."""
    low = lexicon().contrast_other_senses.sub(" ", text.lower())
    return frozenset(re.findall(r"[a-z]+", low)) | frozenset(axis_phrases(low))


@functools.lru_cache(maxsize=16384)
def axis_values(text: str) -> frozenset[str]:
    """``axis_words``, and the values a general one it says stands for when it names none of them
    ("on one side only": left and right, either of which it may be)."""
    said = set(axis_words(text))
    for general, values in lexicon().contrast_covers.items():
        if general in said and not said & values:
            said |= values
    return frozenset(said)


def axis_phrases(low: str) -> dict[str, list[re.Match[str]]]:
    """The contrast values of two words ``low`` says, each with the matches that say it (span and text)."""
    found = {v: list(rx.finditer(low)) for v, rx in lexicon().contrast_phrases.items()}
    return {v: said for v, said in found.items() if said}


ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10"}


def with_numerals(tokens: Iterable[str]) -> set[str]:
    """``tokens`` and the number each Roman numeral of two letters or more among them writes: a name's
    "Bipolar II disorder" holds the "2" of "bipolar 2". (A single letter, "i", "v" or "x", is as often a
    letter as a number.)"""
    tokens = set(tokens)
    return tokens | {ROMAN[t] for t in tokens if len(t) > 1 and t in ROMAN}


@functools.lru_cache(maxsize=16384)
def _numbered(text: str) -> dict[str, set[str]]:
    """Word → the values it is numbered with in ``text`` ("type 2 diabetes" → {"type": {"2"}}; "Level IV"
    → {"level": {"4"}}; an ordinal before it, in words or digits, numbers it too: "second degree" and
    "2nd-degree" → {"degree": {"2"}}), for the words of ``numbered_axes`` (lexicon)."""
    words = lexicon().numbered_axes
    found: dict[str, set[str]] = {}
    low = text.lower()
    for m in re.finditer(r"\b([a-z]+)\s+(\d{1,2}[a-z]?|[ivx]{1,4})\b", low):
        if m.group(1) in words:
            found.setdefault(m.group(1), set()).add(ROMAN.get(m.group(2), m.group(2)))
    values, before_axis = _ordinal_values()
    for m in before_axis.finditer(low):
        found.setdefault(m.group(2), set()).add(values[m.group(1)])
    return found


def renumbered(turn: str, earlier: str) -> tuple[str, str] | None:
    """``earlier`` with the number of one of its numbered words replaced by the one ``turn`` gives that word
    ("and type 1?" after "dx for type 2 dm w/o complications": "dx for type 1 dm w/o complications"), and
    ``turn`` without it, when ``turn`` numbers a word ``earlier`` numbers otherwise; None otherwise."""
    before = _numbered(earlier)
    for word, values in sorted(_numbered(turn).items()):
        if len(values) == 1 and before.get(word) and not values & before[word]:
            spelled = _numbered_spelling(word)
            said = spelled.search(turn)
            if said:
                return spelled.sub(said.group(0), earlier), spelled.sub(" ", turn)
    return None


@functools.cache
def _numbered_spelling(word: str) -> re.Pattern[str]:
    """A numbered word of ``numbered_axes`` with its number, in the ways ``_numbered`` reads it ("type 2",
    "stage iv", "2nd degree", "second degree")."""
    ordinals = "|".join(sorted(map(re.escape, _ordinal_values()[0]), key=len, reverse=True))
    return re.compile(rf"\b{word}\s+(?:\d{{1,2}}[a-z]?|[ivx]{{1,4}})\b|\b(?:{ordinals})[\s-]+{word}\b", re.I)


@functools.cache
def _ordinal_values() -> tuple[dict[str, str], re.Pattern[str]]:
    """"second", "2nd" → "2" (and "first", "1st" → "1"): each ordinal of the lexicon and the number it is;
    and the pattern of an ordinal before a word of ``numbered_axes`` (the ordinal, the word)."""
    lex = lexicon()
    number = {**lex.number_words, **FIRST}
    values = {**{word: number[word] for word in lex.ordinals.values()},
              **{typed: number[word] for typed, word in lex.ordinals.items()}}
    alternatives = "|".join(sorted(map(re.escape, values), key=len, reverse=True))
    axes = "|".join(sorted(map(re.escape, lex.numbered_axes), key=len, reverse=True))
    return values, re.compile(rf"\b({alternatives})[\s-]+(?=({axes})\b)")


def contradicts(asked: str, text: str, row: bool = False) -> tuple[str, str] | None:
    """(asked value, stated value) when ``text`` states a value of an axis the question also names,
    but not the asked one ("left" for "right", "without esophagitis" for "with…", "type 2" for
    "type 1"); None otherwise. A table row's name excludes what it is "without": a question naming that
    thing, unnegated, asks for another row ("ecg interpretation and report only" is not "tracing only,
    without interpretation and report"). A passage's "without sedation" may well answer "sedation?"."""
    said, held = axis_values(asked), axis_values(text)
    for axis in lexicon().contrasts:
        if (said & axis) and (held & axis) and not (said & held & axis):
            return min(said & axis), min(held & axis)
    stated = _withs(text)
    withs = _asked_withs(asked)
    for (present, word), phrase in sorted(withs.items()):
        if (not present, word) in withs:
            # Asked both with and without ("w and w/o contrast"), it asks for the combination: a text stating
            # one side only is another code ("with contrast" alone).
            if ((True, word) in stated) != ((False, word) in stated):
                one = stated.get((True, word)) or stated[(False, word)]
                return f"without and with {one.split(' ', 1)[-1]}", one
        elif (not present, word) in stated and (present, word) not in stated:
            return phrase, stated[(not present, word)]
    if row and (left_out := _left_out(asked, withs, stated)):
        word = min(left_out)
        typed = next((w for w in re.findall(r"[a-z]+", asked.lower()) if tokenize(w) == [word]), word)
        return typed, stated[(False, word)]
    values = _numbered(text)
    for word, wanted in sorted(_numbered(asked).items()):
        if values.get(word) and not wanted & values[word]:
            return f"{word} {min(wanted)}", f"{word} {min(values[word])}"
    return None


def says_value(value: str, text: str) -> bool:
    """Whether ``text`` says a value `contradicts` gave as asked: an axis value (a word, or two words as the
    lexicon spells them: "off campus" is also "off-campus"), or a phrase ("without contrast", "type 2"), as
    whole words."""
    words = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
    return value in axis_words(text) or f" {value} " in f" {words} "


def excluded(asked: str, text: str) -> set[str]:
    """The words (stems) ``text`` says it is "without" that the question names, neither negated nor with
    "with"/"without" of its own: a row so named is another code than asked."""
    return _left_out(asked, _asked_withs(asked), _withs(text))


def _left_out(asked: str, withs: dict[tuple[bool, str], str], stated: dict[tuple[bool, str], str]) -> set[str]:
    """``excluded``, given the question's and the text's with/without phrases (``_asked_withs``, ``_withs``)."""
    named = set(tokenize(asked)) - {word for _, word in withs} - negated_words(asked)
    return {word for present, word in stated if not present and word in named and (True, word) not in stated}


def states(asked: str, text: str, without: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` states a value the question asks for on one of those axes ("left", "without…"),
    or negates what the question negates ("no ABN signed": "no signed ABN is on file"), or names, not
    "without" it, a word ``without`` holds (the words other rows are without: ``excluded``)."""
    said, held = axis_values(asked), axis_values(text)
    values = _numbered(text)
    named = set(tokenize(text)) - {word for present, word in _withs(text) if not present} if without else set()
    return (any(said & held & axis for axis in lexicon().contrasts) or bool(without & named)
            or bool(_asked_withs(asked).keys() & _withs(text).keys())
            or any(wanted & values.get(word, set()) for word, wanted in _numbered(asked).items())
            or denies(negated_words(asked, reach=VALUE_REACH), text))


def denies(denied: set[str], text: str) -> bool:
    """Whether ``text`` negates one of the words a question negates (``negated_words``)."""
    return bool(denied) and bool(denied & negated_words(text))


def affirms(denied: set[str], text: str) -> bool:
    """Whether ``text`` says, without negating it, a word the question negates, and negates none of them:
    "a signed ABN is on file" for "no abn signed"."""
    if not denied:
        return False
    negated = negated_words(text)
    return not (denied & negated) and bool(denied & set(tokenize(text)))


def shared(terms: set[str], tokens: set[str] | frozenset[str]) -> set[str]:
    """The ``terms`` found among ``tokens``, counting stems of one word family as one: "scrutin" and
    "scrutini", "surgeri" and "surgeon" (a common prefix of five letters or more, at most two short)."""
    found = set(terms) & set(tokens)
    for t in set(terms) - found:
        if len(t) < 6 or not t.isalpha():
            continue
        head = t[:5]
        for h in tokens:
            if not h.startswith(head):
                continue
            n = len(os.path.commonprefix((t, h)))
            if n >= 5 and n >= min(len(t), len(h)) - 2:
                found.add(t)
                break
    return found


# "how does IRE work", "how is 0600T done": what the procedure is, which its descriptor and the next sentence say.
HOW_IT_WORKS = re.compile(r"\bhow (does|do|is|are) (\w+ ){1,3}(work|done|performed)\b", re.I)


def negated(text: str) -> bool:
    """Whether ``text`` negates something ("no imaging", "not rented", "nothing wasted", "without…"):
    a question that does is answered by a passage that does too (JZ "zero … discarded", not JW)."""
    words = lexicon().negation
    return any(t in words or t.endswith("n't") for t in re.findall(r"w/out|w/o|[a-z']+", text.lower()))


# How far a negation reaches. A value is negated one word at a time, as a code's name negates each axis
# ("not intractable", "without aura", "no abn": which row, which value); a question's negation may govern
# a phrase ("no MD overseeing her", "not rented out"), and the coverage rule counts either word as held only
# by a passage that negates it too.
VALUE_REACH = 1
PHRASE_REACH = 2


def negated_words(text: str, reach: int = PHRASE_REACH) -> set[str]:
    """The tokens a negation in ``text`` governs: the first ``reach`` content words after a negating word,
    within its clause ("not rented" → rent; "no MD overseeing her" → md, overse; "without ultrasound
    guidance" → ultrasound, guidanc)."""
    return {tok for tok, _ in _negations(text, reach)}


@functools.lru_cache(maxsize=1 << 14)
def only_negated(text: str) -> frozenset[str]:
    """The tokens ``text`` says only to negate them, each time it says them ("intractable" in "Chronic migraine
    with aura, not intractable"; not "contrast" in "without contrast, followed by contrast"). Cached: a
    question reads the same rows' names again and again."""
    negations = Counter(tok for tok, _ in _negations(text, VALUE_REACH))
    if not negations:
        return frozenset()
    counts = Counter(tokenize(text))
    return frozenset(t for t, n in negations.items() if counts[t] <= n)


def _negations(text: str, reach: int = PHRASE_REACH) -> list[tuple[str, str]]:
    """(token, the negation and the word as typed) for each token a negation in ``text`` governs."""
    return [(tok, phrase) for tok, phrase, _ in _governed(text, reach)]


@functools.lru_cache(maxsize=16384)
def _governed(text: str, reach: int) -> tuple[tuple[str, str, tuple[int, int]], ...]:
    """(token, the negation and the word as typed, where the negation is in ``text``) for each token a negation
    governs: the first ``reach`` words after it that have tokens, within its clause."""
    words = lexicon().negation
    low = text.lower()
    out: list[tuple[str, str, tuple[int, int]]] = []
    bounds = [0, *(i for m in re.finditer(r"[.,;:!?()]|\b(?:but|then)\b", low) for i in m.span()), len(low)]
    for begin, stop in zip(bounds[::2], bounds[1::2], strict=True):
        left, negation, span = 0, "", (0, 0)
        for m in re.finditer(r"w/out|w/o|[a-z0-9'/-]+", low[begin:stop]):
            raw = m.group(0)
            if raw in words or raw.endswith("n't"):
                left, negation, span = reach, raw, (begin + m.start(), begin + m.end())
            elif raw.startswith("non-") and (toks := tokenize(raw[4:])):
                # "non-tunneled" negates its own word: it is no "tunneled" catheter, whatever follows it.
                out.extend((tok, raw, (begin + m.start(), begin + m.end())) for tok in toks)
                left -= bool(left)
            elif left and (toks := tokenize(raw)):
                out.extend((tok, f"{negation} {raw}", span) for tok in toks)
                left -= 1
    return tuple(out)


def without_negations_of(text: str, tokens: set[str], reach: int = PHRASE_REACH) -> str:
    """``text`` with the negations dropped that govern any of ``tokens`` ("dx for a physical, no abnormal
    findings" without the "no" of "abnormal"): what it says once a later turn states those words plainly."""
    for start, end in sorted({span for tok, _, span in _governed(text, reach) if tok in tokens}, reverse=True):
        text = text[:start] + text[end:].lstrip()
    return _tidy(text)


def without_statements_of(text: str, tokens: set[str]) -> str | None:
    """``text`` without its words (as ``tokenize`` reads them) among ``tokens``, each with a "with" ("w/")
    before it ("code for picc w/ imaging" without "imaging"): what it says once a later turn denies them.
    None when it holds none of them or nothing else."""
    def drop(m: re.Match[str]) -> str:
        return "" if set(tokenize(m.group("word"))) & tokens else m.group(0)

    kept = _tidy(re.sub(r"(?:\b(?:with\s+|w/\s*|w\s+))?\b(?P<word>[\w'-]+)", drop, text))
    return kept if kept != text.strip() and tokenize(kept) else None


def _tidy(text: str) -> str:
    """``text`` once words are dropped from it: single spaces, no space before punctuation or stray commas."""
    return re.sub(r"\s+([,;?.])", r"\1", re.sub(r"\s+", " ", text)).strip(" ,")


def _numerals(text: str) -> str:
    """``text`` with number words as digits ("two, three, or four" → "2, 3, or 4")."""
    words = lexicon().number_words
    return re.sub(r"\b[a-z]+\b", lambda m: words.get(m.group(0), m.group(0)), text.lower())


NUMBER = r"(\d{1,3}(?:\.\d+)?)"
# "than", as staff often type it: "less then 1 lpm".
THAN = r"th[ae]n"
# The ways a passage bounds a count or an amount on one side: "at least 30", "40 minutes or more", "more than
# four", "fewer than 8", "15 minutes or less", "up to 60", a comparative of time, size or age as of count ("longer
# than 10 minutes", "larger than 20 sq cm", "age 5 years or older", "younger than 5 years"). A question stating
# one asks about that bound.
ONE_SIDED = (
    (re.compile(rf"\b(?:at least|a minimum of|minimum of|no less {THAN})\s+{NUMBER}(?!\w|\.\d)"),
     lambda a: (a, math.inf)),
    (re.compile(rf"(?<![\w.]){NUMBER}\s+(?:[a-z]+\s+)?"
                r"(?:or more|or greater|or longer|or older|and older|or above|and over|or over)\b"),
     lambda a: (a, math.inf)),
    (re.compile(rf"\b(?:(?:more|greater|longer|larger|bigger|older) {THAN}|over|exceeding|exceeds|beyond)"
                rf"\s+{NUMBER}(?!\w|\.\d)"), lambda a: (a + 1e-6, math.inf)),
    (re.compile(rf"\b(?:(?:fewer|less|shorter|smaller|younger) {THAN}|under|below)\s+{NUMBER}(?!\w|\.\d)"),
     lambda a: (-math.inf, a - 1e-6)),
    (re.compile(rf"(?<![\w.]){NUMBER}\s+(?:[a-z]+\s+)?"
                r"(?:or less|or fewer|or shorter|or younger|and younger|or under|or below)\b"),
     lambda a: (-math.inf, a)),
    (re.compile(rf"\b(?:up to|no more {THAN}|at most|a maximum of)\s+{NUMBER}(?!\w|\.\d)"), lambda a: (-math.inf, a)),
)
# ...and on both: "16 to 37 minutes", "30-39", "two, three, or four".
RANGES = (
    # Its unit may follow either number: "2.6 cm to 7.5 cm" as "16 to 37 minutes".
    (re.compile(rf"(?<![\w.]){NUMBER}\s*(?:[a-z]+\s*)?(?:to|through|-|–)\s*{NUMBER}(?!\w|\.\d)"), lambda a, b: (a, b)),
    *ONE_SIDED,
    (re.compile(rf"(?<![\w.]){NUMBER}(?:,\s*{NUMBER})*,?\s+(?:or|and)\s+{NUMBER}(?!\w|\.\d)"),
     lambda *xs: (min(x for x in xs if x is not None), max(x for x in xs if x is not None))),
)


def _bounds(text: str, patterns=RANGES) -> list[tuple[float, float, int, int]]:
    """(low, high, start, end) of each bound ``patterns`` find in ``text`` (its number words as digits)."""
    out = []
    for pattern, make in patterns:
        for m in pattern.finditer(text):
            lo, hi = make(*(float(g) if g is not None else None for g in m.groups()))
            if lo <= hi:
                out.append((lo, hi, m.start(), m.end()))
    return out


# What joins a lower and an upper bound into one interval: "more than 3 minutes and up to 10 minutes"
# ("greater than 3 minutes up to 10 minutes"): at most three words between (a unit, "and", "but"), no "or".
BOUND_JOIN = re.compile(r"^[\s,]*(?:(?!or\b)[a-z]+[\s,]+){0,3}$")


class Count(tuple):
    """A number or bound, (low, high), with the unit it is counted in (a stem: "minut", "year"; None when no
    unit word follows it): "16 yo" is no count of "16 to 37 minutes"."""

    unit: str | None

    def __new__(cls, low: float, high: float, unit: str | None = None) -> Count:
        count = super().__new__(cls, (low, high))
        count.unit = unit
        return count


def _unit(text: str, start: int, end: int) -> str | None:
    """The unit the last number of ``text[start:end]`` counts: the word after it, when it is a unit of
    quantity (its shorthand spelled out: "min" is minutes, "yo" years old), as a stem."""
    numbers_in = list(re.finditer(r"\d+(?:\.\d+)?", text[start:end]))
    word = re.match(r"[\s-]*([a-z]+)", text[start + numbers_in[-1].end():]) if numbers_in else None
    lex = lexicon()
    if word is None or word.group(1) not in lex.quantity_units:
        return None
    toks = tokenize(lex.abbreviations.get(word.group(1), word.group(1)).split()[0])
    return toks[0] if toks else None


def _same_unit(a: str | None, b: str | None) -> bool:
    """Whether two units may count the same thing: either unknown, or one stem the start of the other
    ("mo" and "month")."""
    return a is None or b is None or a.startswith(b) or b.startswith(a)


def ranges(text: str) -> list[Count]:
    """The numeric bounds ``text`` states (see RANGES); a code range ("00790-00797") is no bound. A lower
    bound joined to an upper one ("more than 3 minutes and up to 10 minutes") is one interval (3 to 10)."""
    text = _numerals(text)
    found = sorted(_bounds(text), key=lambda b: b[2])
    out: list[Count] = []
    i = 0
    while i < len(found):
        lo, hi, start, end = found[i]
        if (i + 1 < len(found) and hi == math.inf and found[i + 1][0] == -math.inf and lo <= found[i + 1][1]
                and BOUND_JOIN.match(text[end:found[i + 1][2]].lower())):
            _, high, start, end = found[i + 1]
            out.append(Count(lo, high, _unit(text, start, end)))
            i += 2
            continue
        out.append(Count(lo, hi, _unit(text, start, end)))
        i += 1
    return out


HOW_MANY = re.compile(r"\bhow many\b")


def counted(question: str) -> tuple[str, ...]:
    """The stems of what "how many …" counts: the words of the noun phrase after it, up to the first word
    that is no noun's (a function word, a number, a participle): "how many minutes did …" → ("minut",),
    "how many global days does …" → ("global", "day"), "how many units billed …" → ("unit",). Empty when
    the question does not ask so."""
    m = HOW_MANY.search(question.lower())
    if not m:
        return ()
    stems: list[str] = []
    for word in re.findall(r"\S+", question.lower()[m.end():])[:3]:
        toks = tokenize(word)
        if not re.fullmatch(r"[a-z][a-z-]*[,?.!]?", word) or not toks or word.rstrip(",?.!").endswith("ed"):
            break
        stems += toks
    return tuple(stems)


def states_count(text: str, nouns: str | Iterable[str]) -> bool:
    """Whether ``text`` gives a number of one of ``nouns`` (stems): a number, as digits or words, then within
    two words that noun, or its shorthand ("38 minutes", "95 min", "all eight nails", "34 units", "a 000-day
    global"); units also as a claim line writes them ("90461 x2", "95004 × 42")."""
    wanted = (nouns,) if isinstance(nouns, str) else tuple(nouns)
    if "unit" in wanted and re.search(r"(?<![a-z])[x×]\s?\d+\b", text.lower()):
        return True
    for m in re.finditer(r"(?<![\w.])\d+(?:\.\d+)?((?:[\s-]+[a-z]+){1,3})", _numerals(text)):
        for word in re.findall(r"[a-z]+", m.group(1)):
            stem = next(iter(tokenize(word)), word)
            if any(stem == noun or (len(stem) >= 3 and len(noun) >= 3
                                    and (noun.startswith(stem) or stem.startswith(noun))) for noun in wanted):
                return True
    return False


def numbers(text: str, codes: set[str]) -> list[float]:
    """The counts and amounts a question gives ("42 min", "6 rooms"), not the codes it names ("mod 25")."""
    return [float(n) for n in re.findall(rf"(?<![\w.]){NUMBER}(?!\w|\.\d)", _numerals(text)) if n not in codes]


def counts_asked(q) -> list[Count]:
    """What a question's numbers ask about, each as an interval, the codes it names left out: a number alone
    is itself ("42 min": 42 to 42, which "40 minutes or more" holds); a number the question bounds is that
    bound ("less than 1 lpm" is the row stating "less than 1 liter per minute", not one whose "below 55"
    happens to hold 1). Each with its unit ("16 yo": years)."""
    text = _numerals(q.text)
    bounds = _bounds(text, ONE_SIDED)
    spans = [(start, end) for _, _, start, end in bounds]
    free = "".join(" " if any(a <= i < b for a, b in spans) else ch for i, ch in enumerate(text))
    codes = {c.raw.lower() for c in q.codes} | {c.key.lower() for c in q.codes}
    points = [Count(float(m.group(1)), float(m.group(1)), _unit(free, m.start(), m.end()))
              for m in re.finditer(rf"(?<![\w.]){NUMBER}(?!\w|\.\d)", free) if m.group(1) not in codes]
    return points + [Count(lo, hi, _unit(text, start, end)) for lo, hi, start, end in bounds]


def _same_bound(a: float, b: float) -> bool:
    """Whether two ends of bounds are the same end, open or closed ("more than 4" and "4 or more"; both
    open), not the next number ("less than 2" is no "less than 1")."""
    return a == b or abs(a - b) <= 1e-3


def number_fit(asked: list[tuple[float, float]], text: str) -> tuple[float, float]:
    """(fits, misses): whether a bound ``text`` states answers one of the question's numbers (holds a number,
    or is the bound the question states), or it states bounds and none does (40 minutes "or more" for "42
    min"; not "30-39" for it)."""
    if not asked:
        return 0.0, 0.0
    # Only bounds counted in the asked number's unit (or in none said) answer it, or miss it.
    pairs = [(a, b) for a in asked for b in ranges(text) if _same_unit(getattr(a, "unit", None), b.unit)]
    if not pairs:
        return 0.0, 0.0
    fits = any((lo <= a <= hi) if a == b else (_same_bound(a, lo) and _same_bound(b, hi))
               for (a, b), (lo, hi) in pairs)
    return float(fits), float(not fits)


# What a code is done with: "not used with", "do not append", "not reported for the same nails".
USE_WORDS = r"(use[ds]?|using|appl(y|ies|ied)|append(ed|s)?|report(ed|s)?|bill(ed|s)?|go(es)?|allowed|appropriate)"


def refuses_use(text: str) -> bool:
    """Whether ``text`` says a code is not to be used ("should not go on 36415", "not reported with 11102",
    "modifiers that dont apply"): a negation with a word of using it at most two words on."""
    negations = "|".join(re.escape(w) for w in sorted(lexicon().negation))
    return re.search(rf"\b({negations}|\w+n['\u2019]t|(do|does|did|should|ca|wo|is|are)nt)\s+(\w+\s+){{0,2}}?"
                     rf"{USE_WORDS}\b", text.lower()) is not None


def row_refuses(chunk: Chunk) -> bool:
    """Whether a row's notes (the cells after its description) say it does not apply: they open with a
    negation ("Not for 36415.", "Not appropriate.") or refuse its use ("…; not reported with 11102")."""
    notes = " ".join(chunk.cells[2:]).strip()
    first = re.match(r"[a-z']+(?![\w-])", notes.lower())
    if first and (first.group(0) in lexicon().negation or re.match(r"(do|does) not\b", notes.lower())):
        return True
    # A refusal names what the code is not used with ("…; not reported with 11102", "not appended to 0627T");
    # "the patient cannot be billed" refuses nothing of the code's.
    return any(refuses_use(m.group(0)) for m in re.finditer(r"[^.;]*?\b(with|on|to|for|together)\b", notes))
