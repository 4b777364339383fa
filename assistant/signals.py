"""Lexical signals evidence selection weighs beside similarity: word families, labels, the kind of
phrase a question word asks for, exclusions, contrasting values (left/right…), enumerations."""

from __future__ import annotations

import os
import re

from .models import Chunk
from .query import PAYER_NAMES
from .vocab import CONTRASTS, tokenize

# "other than the liver or prostate", "without thermal … energy": words a passage names to rule them out.
EXCLUSION_MARKERS = r"other than|except(?: for)?|excluding|not including|rather than|instead of|without|w/o|not"
EXCLUSION = re.compile(rf"\b({EXCLUSION_MARKERS})\b[^.;:,()]*", re.I)
# "why ire instead of surgery": the alternative not taken, which an answer need not name.
ALTERNATIVE = re.compile(r"\b(?:instead of|rather than|as opposed to)\s+((?:\w+\s+){0,2}\w+)", re.I)
# A sentence whose subject is the report itself ("The publication outlines…", "Readers will learn…");
# "payers covered in this analysis" is about payers, so only the sentence's opening counts.
SELF_REFERENCE = re.compile(r"^((this|the) (report|publication|analysis|document)\b|readers\b)", re.I)
QUESTION_ABOUT_REPORT = re.compile(r"\b(this|the) (report|publication|analysis|document)\b|\breaders\b", re.I)


def label_match(chunk: Chunk, sentence: str, asked: set[str]) -> bool:
    """Whether the question names what this sentence is: its bullet label or its section heading."""
    label = sentence.split(":", 1)[0] if ":" in sentence[:60] else chunk.section[-1]
    words = set(tokenize(label))
    return bool(words) and words <= asked


# What kind of phrase answers a question, by its question word ("who" → a person or team, "how many" →
# a number): a sentence holding one is likelier the answer than one merely on the same topic.
ANSWER_TYPES = (
    (re.compile(r"^(who|which (team|doctor|physician|provider|specialist))\b"),
     re.compile(r"\b(team|physicians?|surgeons?|radiologists?|providers?|specialists?|nurses?|clinicians?|staff|"
                r"anesthesiologists?|doctors?|board)\b", re.I)),
    (re.compile(r"\bhow (big|large|small|wide|deep)\b|\bwhat (size|volume)\b"),
     re.compile(r"\d\s?(mm|cm|centimeters?|millimeters?|ml|cc)\b", re.I)),
    (re.compile(r"\bhow old\b|\bwhat age\b"), re.compile(r"\d+[- ]years?[- ]old|\baged? \d", re.I)),
    (re.compile(r"\bhow much (fluid|volume|drug|medication|steroid|anesthetic|contrast|product)|\b(what|which) dose\b|"
                r"\bdose\b"),
     re.compile(r"\d\s?(ml|mg|mcg|cc|units?|%)(?![a-z])", re.I)),
    # "2 units?", "bill it x12", "how many times can i bill": how a code is counted.
    (re.compile(r"\b\d+\s*units?\b|\bx\s?\d+\b|\bhow many (units|times)\b|\bper (joint|level|session|specimen|side)\b"),
     re.compile(r"\b(once per|one unit|per (session|joint|level|specimen|encounter|day|side)|each additional|"
                r"regardless of the number|units?)\b", re.I)),
    (re.compile(r"\bhow (many|much|long|often)\b"),
     re.compile(r"\d|\b(one|two|three|four|five|six|single|multiple|several|once)\b", re.I)),
    (re.compile(r"^why\b|\bwhy (was|were|is|are|did|do|does)\b"),
     re.compile(r"\b(because|due to|since|so that|contraindicated|comorbid\w*|high[- ]risk|to avoid|referred|"
                r"candidate|unable|failed)\b", re.I)),
    (re.compile(r"\bwhat did (the )?\w+( \w+)? (show|reveal|find|demonstrate)\b|\b(results?|findings?)\b"),
     re.compile(r"\b(shows?|showed|shown|reveal\w*|demonstrat\w*|confirm\w*|found|consistent with)\b", re.I)),
    (re.compile(r"^when\b|\bhow soon\b|\btiming\b"),
     re.compile(r"\b(days?|weeks?|months?|years?|hours?|minutes?|same day|overnight|before|after|during)\b",
                re.I)),
)


# "is bcbs in the report", "medicare mentioned": asking whether something is there, not what is said of it
# ("what does it mention about medicare").
PRESENCE = re.compile(r"\b(in (the|this) (report|analysis|list|payer list|publication)|includes?|included|"
                      r"mention\w*(?!\s+(about|regarding|on)\b)|listed|covered in|part of|among)\b|"
                      r"\bis \w+( \w+)? in\b", re.I)


# The question says where to look: the report's clinical example.
EXAMPLE_NAMES = ("example", "vignette", "scenario", "case", "clinical context")
NAMES_EXAMPLE = re.compile(rf"\b({'|'.join(EXAMPLE_NAMES)})\b", re.I)


def enumerates_payers(sentence: str) -> bool:
    """Whether a sentence lists three or more payers (a list, not a statement about one)."""
    low = sentence.lower()
    return sum(re.search(rf"\b{p}\b", low) is not None for p in PAYER_NAMES) >= 3


def answer_type(question: str) -> re.Pattern[str] | None:
    """The pattern of phrase that would answer ``question`` by its question word, if it has one."""
    low = question.lower().strip()
    return next((answer for ask, answer in ANSWER_TYPES if ask.search(low)), None)


# "with esophagitis" / "without esophagitis": codes that differ by what is present (ICD-10 names many).
WITH = re.compile(r"\b(with|w/|without|w/o|no)\s+(?:(?:the|a|an|any)\s+)?([a-z]{4,})", re.I)


def _withs(text: str) -> dict[tuple[bool, str], str]:
    """(present, stem) → the phrase, for each "with X" / "without X" of ``text``."""
    found = {}
    for m in WITH.finditer(text):
        stem = tokenize(m.group(2))
        if stem:
            present = m.group(1).lower() in ("with", "w/")
            found.setdefault((present, stem[0]), f"{'with' if present else 'without'} {m.group(2).lower()}")
    return found


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def contradicts(asked: str, text: str) -> tuple[str, str] | None:
    """(asked value, stated value) when ``text`` states a value of an axis the question also names,
    but not the asked one ("left" for "right", "without esophagitis" for "with…"); None otherwise."""
    said, held = _words(asked), _words(text)
    for axis in CONTRASTS:
        if (said & axis) and (held & axis) and not (said & held & axis):
            return min(said & axis), min(held & axis)
    stated = _withs(text)
    for (present, word), phrase in sorted(_withs(asked).items()):
        if (not present, word) in stated and (present, word) not in stated:
            return phrase, stated[(not present, word)]
    return None


def states(asked: str, text: str) -> bool:
    """Whether ``text`` states a value the question asks for on one of those axes ("left", "without…")."""
    said, held = _words(asked), _words(text)
    return any(said & held & axis for axis in CONTRASTS) or bool(_withs(asked).keys() & _withs(text).keys())


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


DEFINITION_WORDS = frozenset({"cpt", "hcpcs", "mean", "cover", "describe", "define", "definition", "meaning",
                              "explain", "stand", "overview", "about", "tell", "report", "description",
                              "descriptor", "summary", "summarize", "work", "done", "perform", "procedure"})
# "how does IRE work", "how is 0600T done": what the procedure is, which its descriptor and the next sentence say.
HOW_IT_WORKS = re.compile(r"\bhow (does|do|is|are) (\w+ ){1,3}(work|done|performed)\b", re.I)
