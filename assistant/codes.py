"""Code mentions in a question, in any written form (`modifier 81`, `-81`, `81 modifier`, `C18.9`, `c189`,
`207l00000x`, `0600t`, `pos 21`), matched against the codes the corpus holds."""

from __future__ import annotations

import functools
import re

from pydantic import BaseModel, ConfigDict

from .icd import is_icd_item
from .ingest import code_key
from .lexicon import lexicon
from .models import CodeType
from .vocab import ENGLISH_TWO_LETTER, STOPWORDS, Catalog

TAXONOMY_RE = re.compile(r"\b(\d{3}[0-9a-z]{6}x)\b", re.I)
ICD_RE = re.compile(r"(?<![\w.])([a-tv-z]\d[0-9ab])(?:\s*\.\s*([0-9a-z]{1,4})|([0-9][0-9a-z]{0,3}))?(?![\w])", re.I)
CPT_RE = re.compile(r"(?<![\w.])(\d{4}[0-9ft])(?![\w])", re.I)
MOD_KEYWORD_RE = re.compile(r"\b(?:modifiers?|mods?)\b\s*[-#:]?\s*"
                            r"((?:[0-9a-z]{2}\b(?:\s*(?:,|/|&|and|or|vs\.?|versus)\s*)?)+)",
                            re.I)
POS_KEYWORD_RE = re.compile(r"\b(?:pos|place of service)\s*(?:code\s*)?[-#:]?\s*(\d{2})(?![\w.])", re.I)
# Places of service a passage names together ("Telehealth (POS 02 or 10)", "POS 22/19").
POS_LIST_RE = re.compile(r"\b(?:pos|place of service)\s*(?:codes?\s*)?[-#:]?\s*"
                         r"((?:\d{2}(?![\w.])(?:\s*(?:,|/|&|and|or)\s*)?)+)", re.I)
MOD_AFTER_RE = re.compile(r"(?<![\w-])([0-9a-z]{2})\s+(?:modifiers?|mods?)\b", re.I)
MOD_DASH_RE = re.compile(r"(?:^|(?<=\s))-([0-9a-z]{2})\b", re.I)
LISTED_NUMBER_RE = re.compile(r"(?<![\w.-])(\d{4})(?![\w.])")
TWO_CHAR_RE = re.compile(r"(?<![\w.-])([0-9a-z]{2})(?![\w.])", re.I)


class CodeRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    type: CodeType | None
    raw: str


@functools.cache
def _quantity_re() -> re.Pattern[str]:
    units = "|".join(re.escape(u) for u in sorted(lexicon().quantity_units))
    return re.compile(rf"\b\d+(?:\.\d+)?\s*(?:{units})\b", re.I)


def counts(text: str) -> bool:
    """Whether ``text`` states a quantity: a number with a unit ("session was 45 min", "40 units")."""
    return _quantity_re().search(text) is not None


def find_codes(text: str, catalog: Catalog, type_hint: CodeType | None,
               counting: bool = False, asked: bool = False) -> tuple[list[CodeRef], list[CodeRef]]:
    """Codes named in ``text``: (those the corpus lists, code-shaped ones it does not). ``counting``: the
    chat is counting a quantity ("and if it went 55?" after "session was 45 min"), so a bare number is one
    too, not a two-digit code, unless named as one ("mod 55"). ``asked``: ``type_hint`` is the kind of code
    the text itself asks for, not one an earlier turn did."""
    found: dict[str, CodeRef] = {}
    unknown: dict[str, CodeRef] = {}
    spans: list[tuple[int, int]] = []

    def taken(m: re.Match[str], group: int = 1) -> bool:
        s, e = m.span(group)
        return any(s < b and a < e for a, b in spans)

    def add(key: str, raw: str, ctype: CodeType | None, span: tuple[int, int], explicit: bool) -> None:
        # The letter O typed for a zero ("Z80.O"): the code with the zero, when the corpus lists it and not the
        # typed one. (A first character O is ICD-10-CM's pregnancy chapter; no code set uses O after it.)
        zero = key[:1] + key[1:].replace("O", "0")
        if zero != key and key not in catalog.reports and key not in catalog.by_key and (
                zero in catalog.reports or zero in catalog.by_key):
            key = zero
        if key in catalog.reports:
            found.setdefault(key, CodeRef(key=key, type=None, raw=raw))
        elif key in catalog.by_key:
            types = catalog.types.get(key) or {None}
            found.setdefault(key, CodeRef(key=key, type=ctype if ctype in types else next(iter(types)), raw=raw))
        elif explicit:
            unknown.setdefault(key, CodeRef(key=key, type=ctype, raw=raw))
        else:
            return
        spans.append(span)

    for m in TAXONOMY_RE.finditer(text):
        add(code_key(m.group(1)), m.group(1), "taxonomy", m.span(), True)
    for m in CPT_RE.finditer(text):
        if not taken(m):
            add(code_key(m.group(1)), m.group(1), "cpt", m.span(), True)
    for m in ICD_RE.finditer(text):
        if taken(m, 0):
            continue
        key = code_key(m.group(1) + (m.group(2) or m.group(3) or ""))
        # HCPCS Level II (C7800) and ICD-10 (C78.00) share a shape: the corpus decides which it is.
        # Typed in lower case it is a code when asked for as one ("list the g57 codes") and ICD-10-CM has it.
        explicit = (bool(m.group(2) or m.group(3)) or type_hint == "icd10" or m.group(1)[0].isupper()
                    or (re.match(r"\s*(codes?|categor(y|ies))\b", text[m.end():], re.I) is not None
                        and is_icd_item(key)))
        add(key, m.group(0), "icd10", m.span(), explicit)
    # Four digits the corpus lists as a row's code (revenue code 0762): a code wherever typed.
    for m in LISTED_NUMBER_RE.finditer(text):
        if not taken(m) and m.group(1) in catalog.by_key:
            add(m.group(1), m.group(1), None, m.span(), False)
    for m in POS_KEYWORD_RE.finditer(text):
        if not taken(m):
            add(m.group(1), m.group(1), "pos", m.span(1), True)
    mod_context = type_hint == "modifier"
    for rx in (MOD_KEYWORD_RE, MOD_AFTER_RE, MOD_DASH_RE):
        for m in rx.finditer(text):
            for tok in re.finditer(r"\b[0-9a-z]{2}\b", m.group(1), re.I):
                s = m.start(1) + tok.start()
                if tok.group(0).lower() in ("or", "vs") or taken_span(spans, s, s + 2):
                    continue
                # "what mod on the visit": a lowercase English word is a code only if the corpus has it, and
                # not after the plural ("what modifiers go on the drug line": the verb, not modifier GO).
                if (tok.group(0).lower() in ENGLISH_TWO_LETTER and not tok.group(0).isupper()
                        and ("modifier" not in catalog.types.get(tok.group(0).upper(), set())
                             or re.match(r"(?:modifiers|mods)\b", m.group(0), re.I))):
                    continue
                add(tok.group(0).upper(), tok.group(0), "modifier", (s, s + 2), True)
    units = lexicon().quantity_units
    for m in TWO_CHAR_RE.finditer(text):
        tok = m.group(1)
        if taken(m):
            continue
        # "only got 25 min in", "40 units": a number with a unit is a quantity, not modifier 25; "24/7",
        # "8/10" are a ratio.
        after = re.match(r"\s*([a-z%]+)", text[m.end():].lower())
        if tok.isdigit() and (counting or after and after.group(1) in units or re.match(r"/\d", text[m.end():])
                              or re.search(r"\d/$", text[:m.start()])):
            continue
        # "CO-16", "PR-204": letters joined to a number are one code (a claim adjustment's group and reason).
        if tok.isalpha() and re.match(r"-\d", text[m.end():]):
            continue
        # "free t4", "reflex free T4": letters and a digit typed after the word the reports write before them in a
        # name are that name (free thyroxine), not the code a table lists (modifier T4, the left fifth toe).
        if (not tok.isdigit() and not tok.isalpha()
                and (typed_before := re.search(r"([a-z]+)\s+$", text[: m.start()].lower()))
                and (word := typed_before.group(1)) not in STOPWORDS and word not in lexicon().type_words
                and word in catalog.before.get(tok.lower(), ())):
            continue
        is_word = tok.isalpha() and tok.lower() in ENGLISH_TWO_LETTER and not tok.isupper()
        key = tok.upper()
        if is_word or (tok.isalpha() and not tok.isupper() and not mod_context and key not in catalog.by_key):
            continue
        if (tok.isalpha() and key in catalog.code_words and (asked or not mod_context)
                and (type_hint not in (None, "modifier")
                     or not catalog.code_means(key, catalog.code_words[key], exactly=True))):
            # "ct abd pelvis": the report's abbreviation for computed tomography, not modifier CT. Letters spelled
            # out as the code's own name ("technical component (TC)", modifier TC "Technical component") are the
            # code, unless another kind of code is asked for ("which taxonomy for the lab billing the TC").
            # Asking for a modifier does not make the abbreviation one: "PT billing 97597 … what modifier" is the
            # physical therapist the reports write PT for, not modifier PT, which the question would name as
            # such ("mod PT", "-PT"). After a modifier question, "what about PT?" is the modifier.
            continue
        # "pt needed general anesthesia": staff shorthand typed in lower case is the shorthand ("patient"),
        # not modifier PT, unless the code's own name says the same ("rt": RT "Right side").
        shorthand = lexicon().abbreviations.get(tok.lower())
        if tok.isalpha() and not tok.isupper() and not catalog.code_means(key, shorthand):
            continue
        # "dx for bursitis rt hip": in a question for another kind of code, "rt" is the side, not modifier RT.
        if type_hint not in (None, "modifier") and tok.isalpha() and not tok.isupper():
            continue
        if type_hint == "pos" and tok.isdigit():
            add(key, tok, "pos", m.span(), True)  # "is 22 right for that", asked after a place of service
        elif "modifier" in catalog.types.get(key, set()):
            add(key, tok, "modifier", m.span(), True)
        elif mod_context and tok.isdigit():
            add(key, tok, "modifier", m.span(), True)
    order = {k: text.upper().find(v.raw.upper()) for k, v in {**found, **unknown}.items()}
    return (sorted(found.values(), key=lambda c: order[c.key]), sorted(unknown.values(), key=lambda c: order[c.key]))


def taken_span(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(s < b and a < e for a, b in spans)


# A token as prose names a longer code: not inside a hyphenated or dotted form ("99213-25", "M17.11").
NAMED_TOKEN_RE = re.compile(r"(?<![\w.-])\w+(?![\w-])")


@functools.lru_cache(maxsize=1 << 16)
def mentions(text: str) -> frozenset[tuple[str, str]]:
    """The codes a passage names, as prose does for a code its tables do not list, each as its ``mention``:
    a place of service or modifier by its kind ("Place of service 42 … is not used", "modifier QL", "POS 02 or
    10"), whose two characters are codes only so named; a longer code as itself ("bundle … (36000, 36410) into
    36556")."""
    found = {(kind, code_key(k)) for kind, pattern in (("pos", POS_LIST_RE), ("modifier", MOD_KEYWORD_RE))
             for m in pattern.finditer(text) for k in re.split(r"[\s,/&]+|\b(?:and|or)\b", m.group(1)) if k}
    return frozenset(found | {("", t.upper()) for t in NAMED_TOKEN_RE.findall(text) if len(t) >= 5})


def mention(ref: CodeRef) -> tuple[str, str] | None:
    """How ``mentions`` holds a code; None for a short code of no kind that prose names only so."""
    if ref.type in ("pos", "modifier"):
        return ref.type, ref.key
    return ("", ref.key) if len(ref.key) >= 5 else None


def named_in(text: str, ref: CodeRef) -> bool:
    """Whether a passage names a code (see ``mentions``)."""
    return mention(ref) in mentions(text)


# An identifier typed in a question: four or more characters holding three digits or more, not a plain
# year or count ("rev code 0483", "loop 2310E", "NCD 240.4.1"; not "2025", "12 units", "ALS1").
IDENTIFIER_RE = re.compile(r"(?<![\w./-])(?=[\w.]*\d)[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*(?![\w/-])")


def identifiers(text: str) -> set[str]:
    """The identifiers a question types, as tokens (lower case)."""
    found = (m.group(0) for m in IDENTIFIER_RE.finditer(text))
    return {t.lower() for t in found if len(t) >= 4 and sum(ch.isdigit() for ch in t) >= 3
            and not re.fullmatch(r"(19|20)\d\d|\d{1,3}(\.\d+)?", t)}
