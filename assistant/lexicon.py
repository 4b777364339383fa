"""The domain's words, read from `data/lexicon.toml`: abbreviations, payers, contrasting values, topics a
report never states, answer types, the names of code sets. Code here knows no specialty (STYLE rule 20).

The file is validated once, on first use (``lexicon()``), and a malformed one fails with an error naming
the file, the group and the entry. ``query``, ``vocab`` and ``signals`` keep their old module-level names
(``ABBREVIATIONS``, ``TOPICS``…) as lazy views of it, through ``exported``.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from .errors import LexiconError
from .models import CodeType

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.toml"
# Stands for the alternation of the payer names inside a pattern, so a new payer needs one entry.
PAYERS_SLOT = "{payers}"


def _join(value: Any) -> Any:
    """A pattern may be written as a list of pieces (to keep lines short), joined end to end."""
    return "".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern.replace(PAYERS_SLOT, "payer"))
    except re.error as exc:
        raise ValueError(f"invalid regular expression ({exc}): {pattern}") from None
    return pattern


def _lower(word: str) -> str:
    if word != word.lower():
        raise ValueError(f"{word!r} must be lower case: questions are matched in lower case")
    return word


Regex = Annotated[str, BeforeValidator(_join), AfterValidator(_compiles)]
Word = Annotated[str, Field(min_length=1), AfterValidator(_lower)]
Source = Annotated[str, Field(min_length=10)]


class _Group(BaseModel):
    # A misspelt key ("entires") would otherwise leave a group silently empty.
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: Source


class Abbreviations(_Group):
    entries: dict[Word, Annotated[str, Field(min_length=1)]]


class Payers(_Group):
    names: list[Word] = Field(min_length=1)
    aliases: dict[Word, Annotated[str, Field(min_length=1)]]


class Contrasts(_Group):
    axes: list[Annotated[list[Word], Field(min_length=2)]]
    # How a value of two words is written when its words vary ("another physician": "a different doc"); a
    # value not listed is matched as written.
    spellings: dict[Word, Regex] = {}
    # Where a value's word has another sense than the value ("45 units left in the vial", "right after
    # the injection"): those spans say no value.
    other_senses: dict[Word, Regex] = {}
    # A value that stands for either of others ("unilateral": left or right), where a text names neither.
    covers: dict[Word, list[Word]] = {}


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ask: Regex
    evidence: Regex
    # How a question opens when it asks whether, not for the fact itself ("does medicare pay the collection
    # fee…" asks about coverage, which a sentence may answer, not for an amount): it then asks no topic.
    whether: Regex = ""
    # A figure or a name the answer itself must state (an amount, a count of units, an LCD number): a passage
    # of the asked report that does not state it is no answer, though another passage of it may.
    quoted: bool = False


class Topics(_Group):
    entries: dict[str, Topic]
    # How a report says it does not state a fact ("RVUs … are not covered here"): such a sentence names
    # the topic without giving it, so it is no evidence that the report does.
    not_stated: Regex = ""
    left_out: Regex = ""
    left_out_section: Regex = ""


class AnswerType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ask: Regex
    answer: Regex


class AnswerTypes(_Group):
    entries: list[AnswerType]
    required: Regex = ""


class TypeWords(_Group):
    entries: dict[CodeType, list[Word]]
    weak: list[Word] = []
    phrases: dict[CodeType, Regex] = {}

    def entries_words(self) -> list[str]:
        return [w for words in self.entries.values() for w in words]


class Words(_Group):
    words: list[Word]


class Phrases(_Group):
    entries: dict[Word, Annotated[str, Field(min_length=1)]]


class LexiconFile(BaseModel):
    """The file as written: every group with its source line."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    abbreviations: dict[str, Abbreviations]
    payers: Payers
    contrasts: Contrasts
    topics: Topics
    answer_types: AnswerTypes
    type_words: TypeWords
    query_words: Words
    listing_words: Words
    definition_words: Words
    example_names: Words
    intent_hints: Phrases
    spine_regions: Phrases
    negation: Words
    number_words: Phrases
    quantity_units: Words
    numbered_axes: Words
    places: Words

    @model_validator(mode="after")
    def _consistent(self) -> LexiconFile:
        # One abbreviation in two groups would keep only one long form, silently.
        seen: dict[str, str] = {}
        for group, abbrs in self.abbreviations.items():
            for abbr in abbrs.entries:
                if abbr in seen:
                    raise ValueError(f"abbreviation {abbr!r} is in both abbreviations.{seen[abbr]} and "
                                     f"abbreviations.{group}")
                seen[abbr] = group
        words = self.type_words.entries_words()
        if twice := sorted({w for w in words if words.count(w) > 1}):
            raise ValueError(f"type_words.entries lists {twice} under more than one kind of code")
        values = {v for axis in self.contrasts.axes for v in axis}
        covered = {v for vs in self.contrasts.covers.values() for v in vs}
        for group, named in (("spellings", set(self.contrasts.spellings)),
                             ("other_senses", set(self.contrasts.other_senses)),
                             ("covers", set(self.contrasts.covers) | covered)):
            if stray := sorted(named - values):
                raise ValueError(f"contrasts.{group} names {stray}, which no axis in contrasts.axes holds")
        typed = set(words)
        if stray := sorted(set(self.type_words.weak) - typed):
            raise ValueError(f"type_words.weak names {stray}, which no kind of code in type_words.entries lists")
        if bad := [k for k in self.spine_regions.entries if len(k) != 1]:
            raise ValueError(f"spine_regions keys are single letters of level notation, not {bad}")
        return self


@dataclass(frozen=True)
class Lexicon:
    """The file's entries in the shapes the pipeline matches with (merged, compiled, read-only)."""

    abbreviations: Mapping[str, str]
    payer_aliases: Mapping[str, str]
    payer_names: tuple[str, ...]
    contrasts: tuple[frozenset[str], ...]
    contrast_phrases: Mapping[str, re.Pattern[str]]
    contrast_other_senses: re.Pattern[str]
    contrast_covers: Mapping[str, frozenset[str]]
    topics: Mapping[str, tuple[re.Pattern[str], re.Pattern[str]]]
    quoted_topics: frozenset[str]  # the topics an answer must state itself
    not_stated: re.Pattern[str]
    left_out: re.Pattern[str]
    left_out_section: re.Pattern[str]
    answer_types: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    answer_required: re.Pattern[str]
    type_words: Mapping[str, CodeType]
    weak_type_words: frozenset[str]
    type_phrases: tuple[tuple[re.Pattern[str], CodeType], ...]
    query_words: frozenset[str]
    listing_words: frozenset[str]
    definition_words: frozenset[str]
    example_names: tuple[str, ...]
    names_example: re.Pattern[str]
    intent_hints: Mapping[str, str]
    spine_regions: Mapping[str, str]
    spine_level_re: re.Pattern[str]
    negation: frozenset[str]
    number_words: Mapping[str, str]
    ordinals: Mapping[str, str]
    quantity_units: frozenset[str]
    glued_unit_re: re.Pattern[str]
    numbered_axes: frozenset[str]
    places: tuple[str, ...]

    @classmethod
    def from_file(cls, data: LexiconFile) -> Lexicon:
        payers = "|".join(data.payers.names)

        def rx(pattern: str) -> re.Pattern[str]:
            return re.compile(pattern.replace(PAYERS_SLOT, payers))

        topics = data.topics.entries
        letters = "".join(data.spine_regions.entries)
        return cls(
            abbreviations=MappingProxyType({k: v for g in data.abbreviations.values() for k, v in g.entries.items()}),
            payer_aliases=MappingProxyType(dict(data.payers.aliases)),
            payer_names=tuple(data.payers.names),
            contrasts=tuple(frozenset(axis) for axis in data.contrasts.axes),
            contrast_phrases=MappingProxyType({
                v: re.compile(data.contrasts.spellings.get(v) or r"\b" + v.replace(" ", r"[\s-]+") + r"\b", re.I)
                for axis in data.contrasts.axes for v in axis if " " in v or v in data.contrasts.spellings}),
            contrast_covers=MappingProxyType({v: frozenset(vs) for v, vs in data.contrasts.covers.items()}),
            contrast_other_senses=re.compile("|".join(data.contrasts.other_senses.values()) or r"(?!)", re.I),
            topics=MappingProxyType({name: (rx(rf"^(?!{t.whether})[\s\S]*?(?:{t.ask})" if t.whether else t.ask),
                                            rx(t.evidence)) for name, t in topics.items()}),
            quoted_topics=frozenset(name for name, t in topics.items() if t.quoted),
            not_stated=re.compile(data.topics.not_stated or r"(?!)"),
            left_out=re.compile(data.topics.left_out or r"(?!)"),
            left_out_section=re.compile(data.topics.left_out_section or r"(?!)"),
            answer_types=tuple((rx(a.ask), rx(a.answer)) for a in data.answer_types.entries),
            answer_required=re.compile(data.answer_types.required or r"(?!)"),
            type_words=MappingProxyType({w: kind for kind, words in data.type_words.entries.items() for w in words}),
            weak_type_words=frozenset(data.type_words.weak),
            type_phrases=tuple((re.compile(rx), kind) for kind, rx in data.type_words.phrases.items()),
            # Typo repair corrects toward the names of kinds of code, number words and negations too
            # ("seven" is a word, not a slip for "even").
            query_words=frozenset([*data.type_words.entries_words(), *data.query_words.words,
                                   *data.number_words.entries, *data.negation.words]),
            listing_words=frozenset(data.listing_words.words),
            definition_words=frozenset(data.definition_words.words),
            example_names=tuple(data.example_names.words),
            names_example=re.compile(rf"\b({'|'.join(data.example_names.words)})\b", re.I),
            intent_hints=MappingProxyType(dict(data.intent_hints.entries)),
            spine_regions=MappingProxyType(dict(data.spine_regions.entries)),
            # A level is a region letter and a vertebra number (1-12), maybe a range ("c6-7", "L5-S1"), a word
            # of its own: not the end of a hyphenated name ("PD-L1").
            spine_level_re=re.compile(rf"(?<![\w.])(?<![a-z]-)([{letters}])([1-9]|1[0-2])"
                                      rf"(?:\s*-\s*[{letters}]?([1-9]|1[0-2]))?(?![\w.])"),
            negation=frozenset(data.negation.words),
            number_words=MappingProxyType(dict(data.number_words.entries)),
            ordinals=MappingProxyType(_ordinals(data.number_words.entries)),
            quantity_units=frozenset(data.quantity_units.words),
            # A count typed against its unit ("2cm", "30min"): up to three digits, as a code's four never are.
            glued_unit_re=re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d+)?)(" + "|".join(
                sorted((re.escape(u) for u in data.quantity_units.words if u.isalpha()), key=len, reverse=True))
                + r")\b", re.I),
            numbered_axes=frozenset(data.numbered_axes.words),
            places=tuple(data.places.words),
        )


# "first" names an axis's first value ("first degree", "first trimester") as "second" names the next, though
# `number_words` leaves it out of counting (it orders steps more often than it counts).
FIRST = MappingProxyType({"first": "1"})


def _ordinals(number_words: Mapping[str, str]) -> dict[str, str]:
    """"3rd" → "third": the ordinals among the number words (second to twelfth) and `FIRST`, keyed by their
    digits and English suffix."""
    def suffix(n: int) -> str:
        return "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")

    out = {}
    for word, digits in {**number_words, **FIRST}.items():
        if digits.isdigit() and word.endswith(suffix(int(digits))):
            out[f"{digits}{suffix(int(digits))}"] = word
    return out


def read(path: Path) -> Lexicon:
    """Read and validate a lexicon file.

    Raises:
        LexiconError: the file is missing, is not TOML, or an entry is malformed; the message names
            the file, the group and the entry.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read the lexicon: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Lexicon.from_file(LexiconFile.model_validate(raw))
    except ValidationError as exc:
        problems = "\n".join(f"  {_where(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
                             for e in exc.errors(include_url=False))
        raise LexiconError(f"{path}: {exc.error_count()} malformed entr{'y' if exc.error_count() == 1 else 'ies'}"
                           f"\n{problems}") from None


def _where(loc: tuple[int | str, ...]) -> str:
    """"group 'topics', entry 'RVUs', field 'ask'" from pydantic's location of an error."""
    # List positions count from 1, as a reader counts entries in the file; "[key]" marks a bad key.
    parts = [f"#{p + 1}" if isinstance(p, int) else p for p in loc if p != "[key]"]
    if not parts:
        return "the file"
    n = 2 if parts[0] == "abbreviations" and len(parts) > 1 else 1
    where, rest = f"group {'.'.join(parts[:n])!r}", parts[n:]
    if rest[:1] == ["entries"] and len(rest) > 1:
        where, rest = f"{where}, entry {rest[1]!r}", rest[2:]
    return f"{where}, field {'.'.join(rest)!r}" if rest else where


@functools.cache
def lexicon() -> Lexicon:
    """The packaged lexicon, read and validated on first use."""
    return read(LEXICON_FILE)


def exported(module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) serving ``names`` (module name → ``Lexicon`` field) on first
    access, so ``from .query import TOPICS`` keeps working without reading the file at import."""

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(lexicon(), names[name])
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
