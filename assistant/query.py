"""Question understanding: typo repair, intent, follow-up context, and the codes named (`codes.py`).

Everything is matched against what the corpus holds (its codes and its vocabulary), so the same
rules serve every report of the format.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .codes import CodeRef, counts, find_codes
from .icd import is_icd_item
from .lexicon import exported, lexicon
from .models import PROCEDURE_KINDS, CodeType
from .signals import (
    axis_phrases,
    axis_words,
    negated,
    negated_words,
    renumbered,
    without_negations_of,
    without_statements_of,
)
from .vocab import FOLLOWUP_GLUE, STOPWORDS, Catalog, initials, tokenize

Intent = Literal["lookup", "compare", "list", "reports", "reverse", "definition", "site_of_service",
                 "clinical_context", "payer", "prose"]


# A place of service asked for by name; a setting named as such ("pos", "inpatient", "asc"). A question's
# "where" may ask for one too.
POS_NAMED = r"\b(site|place) of service\b|\bpos\b"
SETTING_NAMED = POS_NAMED + r"|\bsetting\b|\binpatient\b|\boutpatient\b|\basc\b|\bfacility\b|\bhospital\b"
# "where" asked of a service given ("where was he seen", "…done") asks for its setting, unlike "where was the
# tumor".
SERVICE_WHERE_RE = re.compile(r"\bwhere\b(?: \S+){0,6} (?:treated|done|seen|performed|given|admitted|picked up|"
                              r"taken to|billed|furnished)\b")

INTENT_PATTERNS: list[tuple[Intent, re.Pattern[str]]] = [
    ("compare", re.compile(r"\b(vs\.?|versus|compare[ds]?|comparison|difference|differ|or)\b")),
    ("reports", re.compile(r"\b(which|what) reports?\b|\breports? (list|have|has|mention(?! about)|include)")),
    ("list", re.compile(r"\b(which|list|all|every|what are the|what|any)\b.*\b(modifiers|taxonomies|taxonomy codes|"
                        r"diagnoses|diagnosis codes|icd codes|icd-10 codes|dx codes|dxs|cpt codes|codes|specialties|"
                        r"providers)\b|\b(list|all)\b")),
    ("site_of_service", re.compile(rf"{SETTING_NAMED}|\bwhere\b")),
    ("clinical_context", re.compile(r"\b(clinical (example|scenario|context|vignette|case)|example|scenario|"
                                    r"vignette|typical patient|sample case|case study|walk me through|"
                                    r"(in|from) the (\w+ )?case)\b")),
    ("payer", re.compile(r"\b(payers?|payors?|insurers?|insurance|health plans?)\b")),
    ("definition", re.compile(r"^(what is|what's|whats|what does|define|definition|meaning|describe|explain|"
                              r"tell me about|overview)\b|"
                              r"\b(mean|means|meaning|definition|stand for|describes?|description|descriptor)\b")),
]


INTENT_PATTERNS_BY_NAME = dict(INTENT_PATTERNS)

# The domain's words (abbreviations, payers, topics a report never states, the format's section cue
# words, spinal-level notation) live in data/lexicon.toml; these names stay importable, read on first use.
__getattr__ = exported(__name__, {
    "ABBREVIATIONS": "abbreviations", "PAYER_ALIASES": "payer_aliases", "PAYER_NAMES": "payer_names",
    "TOPICS": "topics", "INTENT_HINTS": "intent_hints",
    "SPINE_REGIONS": "spine_regions", "SPINE_LEVEL_RE": "spine_level_re", "WEAK_TYPE_WORDS": "weak_type_words",
})


class Query(BaseModel):
    """What the user asked, after repair and with the earlier turns' context applied."""

    model_config = ConfigDict(frozen=True)
    original: str
    text: str
    codes: tuple[CodeRef, ...] = ()
    unknown: tuple[CodeRef, ...] = ()
    reports: tuple[str, ...] = ()
    intent: Intent = "prose"
    target: CodeType | None = None
    terms: tuple[str, ...] = ()
    followup: bool = False
    context: str = ""
    corrections: tuple[tuple[str, str], ...] = ()
    topics: tuple[str, ...] = ()
    expansions: tuple[str, ...] = ()
    payers: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # states named ("texas medicaid"): their rules are asked
    # "how does it work", "is it an office procedure": a question about the procedure, which prose
    # answers; a table row answers only a question that asks for a code or describes a situation.
    fact_question: bool = False
    # "laser ablation of liver code": the question wants a code (a prose sentence alone doesn't give one).
    asks_code: bool = False
    # "write me a poem": a request for new text, not a question about a report.
    writing_request: bool = False
    # Codes the question names only to rule them out ("…instead of 59").
    ruled_out: tuple[CodeRef, ...] = ()
    # A follow-up setting another case beside the earlier turn's ("and if it's on the sacrum?").
    contrasts: bool = False
    # The one code an earlier turn asked about, when this one points back at it ("is it billed alone").
    subject: tuple[CodeRef, ...] = ()
    # Each report's routing probability, when the router weighed the reports for this question.
    routing: dict[str, float] = Field(default_factory=dict)

    @property
    def asks_place_of_service(self) -> bool:
        """Whether the question (or the earlier turn it carries) asks for a place of service."""
        return POS_ASKED_RE.search(f"{self.context} {self.text}") is not None

    @property
    def asked_text(self) -> str:
        """The words the user asked with (the question, its follow-up context, spelled-out shorthand)."""
        return " ".join(p for p in (self.context, self.text, *self.expansions) if p)

    @property
    def spelled_out(self) -> set[str]:
        """Tokens of the shorthand the question used and spelled out ("ckd" when "chronic kidney disease" is
        among its expansions): represented by the expansion, they are not words of their own."""
        lexical = {t for abbr, full in lexicon().abbreviations.items() if full in self.expansions
                   for t in tokenize(abbr)}
        return lexical | {t for full in self.expansions for t in tokenize(initials(full))}

    @property
    def retrieval_text(self) -> str:
        """What retrieval searches for: the question, its follow-up context and its intent's cue words."""
        # "key payers" finds the list of payers; a question naming a payer asks what is said about it.
        hint = "" if self.intent == "payer" and self.payers else lexicon().intent_hints.get(self.intent, "")
        return " ".join(p for p in (self.context, self.text, *self.expansions, hint) if p)


# Asking for a place of service: its code, not a kind of code the type words name.
POS_ASKED_RE = re.compile(r"\bpos\b|\bplaces? of service\b", re.I)


# A weak type word ("specialties", lexicon `type_words.weak`) names a kind of code only in a question
# that asks for codes like this.
ASKING_RE = re.compile(r"^(which|what|who|list|all|any|show|give)\b|\b(codes?|taxonom\w*)\b|\?$")


def _target(text: str) -> CodeType | None:
    """The kind of code a question asks for. Of two kinds it names, the one it ends on or asks "what/which"
    of is asked ("…covered for dx - mod?", "…the terminal dx. modifier?"); the other says what it is about."""
    lex = lexicon()
    low = text.lower()
    # A word of a contrast value says which value, not what kind of code: "a different provider" is who did it.
    valued = [m.span() for said in axis_phrases(low).values() for m in said]
    named = [(m, lex.type_words[word]) for m in re.finditer(r"[a-z0-9-]+", low)
             if (word := _singular(m.group(0))) in lex.type_words
             and (word not in lex.weak_type_words or ASKING_RE.search(low.strip()))
             and not any(a <= m.start() < b for a, b in valued)]
    if named:
        last, kind = named[-1]
        if len({k for _, k in named}) > 1 and (re.fullmatch(r"[\s?.!]*", low[last.end():])
                                              or re.search(r"\b(what|which)\s+$", low[:last.start()])):
            return kind
        return named[0][1]
    return next((kind for phrase, kind in lex.type_phrases if phrase.search(low)), None)


def _singular(word: str) -> str:
    """A type word with a plural "s" the lexicon doesn't list ("icd10s", "icd-10s") as the type word."""
    kinds = lexicon().type_words
    plural = word.endswith("s") and word not in kinds and word[:-1] in kinds
    return word[:-1] if plural else word


def _plural_type(low: str) -> bool:
    """Whether the question names a kind of code in the plural ("modifiers", "dx codes", "icd10s")."""
    return bool(PLURAL_TYPE_RE.search(low)) or any(_singular(w) != w for w in re.findall(r"[a-z0-9-]+", low))


PLURAL_TYPE_RE = re.compile(r"\b(modifiers|mods|taxonomies|taxonomy codes|diagnoses|dxs|icds|icd codes|icd-10 codes|"
                            r"dx codes|cpts|cpt codes|hcpcs codes|j codes|j-codes|specialties|diagnosis codes)\b")
CODES_ASKED_RE = re.compile(r"\b(which|what|list|all|any)( [\w/-]+){0,4} codes\b|\bcodes (list|listed)\b")
FOLLOWUP_RE = re.compile(r"^(and|also|plus|or|what about|how about|same for|same with|and what about|"
                         r"what of|then|what if|if|so|ok|okay|but)\b|^(\S+\s*){1,2}$")
FACT_QUESTION_RE = re.compile(r"^(how|why|is|are|does|do|did|was|were|has|have|can|could|explain|describe|"
                              r"tell me about)\b|"
                              r"^(when|where) (would|is|are|does|do)\b|^what (happens|is|are|does|did)\b|"
                              r"^(what|which|how much|how many) \w+ (is|are|was|were|does|do|did|gets?)\b")
SETTING_RE = re.compile(r"\b(office|clinic|home|bedside|surgery center|in-office|operating room)\b")
# "this code" is the one the chat is about, not a request for one ("what does separate procedure mean for this code").
CODE_ASK_RE = re.compile(r"\b((?<!this )(?<!that )codes?|coding|coded|(bill|report)(ed|ing)? (it|that|this|for|with)|"
                         r"append\w*|modifiers?|mods?)\b")
WRITING_RE = re.compile(r"^(please |can you |could you )?(write|compose|draft|generate|create|rewrite|summari[sz]e "
                        r"(it )?(as|in) (a )?(poem|song|story))\b|\b(poem|song|haiku|limerick|joke|story|essay)\b")
INSTEAD_RE = re.compile(r"\b(instead|rather)\b")
# "and if it's on the sacrum?", "what about the OT": a follow-up setting another case beside the earlier one.
CONTRAST_RE = re.compile(r"^(and|or|but|what about|how about|what if|if)\b")
PRONOUN_RE = re.compile(r"\b(it|that|this|those|them|these|they|the same|same one|which one|which of)\b")


def parse(question: str, catalog: Catalog, history: list[str] | None = None) -> Query:
    """Understand one question, given the earlier user turns of the chat (oldest first)."""
    history = [h for h in (history or []) if h and h.strip()][-4:]
    prev = parse(history[-1], catalog, history[:-1]) if history else None
    lex = lexicon()
    fixed, corrections = catalog.correct(question.strip())
    for alias, name in lex.payer_aliases.items():
        fixed = re.sub(rf"\b{alias}\b", name, fixed, flags=re.I)
    text = re.sub(r"\s+", " ", fixed).strip()
    # The code set's name is one word: the "10" of "icd 10 code for …" is no number the question states.
    text = re.sub(r"\bicd[ -]?10(?:[ -]?cm)?\b", "icd-10", text, flags=re.I)
    # A number typed against its unit is the number and the unit: "2cm" is "2 cm", "30min" "30 min".
    text = lex.glued_unit_re.sub(r"\1 \2", text)
    text = catalog.unclipped(text)
    low = text.lower()
    defined = [a for a in catalog.aliases if re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", low)]
    # Letters a report spells out mean what it says they mean ("durable medical equipment (DME)"), before
    # the lexicon's reading of them (an eye report's "diabetic macular edema").
    shorthand = [(abbr, full) for abbr, full in lex.abbreviations.items()
                 if re.search(rf"(?<![\w/-]){re.escape(abbr)}(?![\w/-])", low)]
    # The question with its shorthand spelled out in place: "payment amt" asks for a "payment amount".
    spelled = in_full(low)
    spelled_names = tuple(full for abbr, full in catalog.read_initials(text).items() if abbr not in lex.abbreviations)
    # A spinal level ("c6-7", "L5-S1") names its region, which tells cervical codes from lumbar ones.
    spelled_names += tuple(dict.fromkeys(region for m in lex.spine_level_re.finditer(low)
                                         if catalog.may_mean(m.group(0), region := lex.spine_regions[m.group(1)])))
    # "related codes?": naming a table's heading asks for that table's rows.
    heading = None if _target(low) else catalog.heading_type(low)
    if heading is not None and heading != "pos" and re.search(POS_NAMED, low):
        heading = None  # "custodial pt in a nursing facility, pos?" asks for a POS, whatever table's heading it names
    target = _target(low) or heading
    # A follow-up leans on the earlier turn: it opens with "and…"/"what about…", points back ("it",
    # "that"), or is a short question naming no code, kind of code or report of its own.
    own = find_codes(text, catalog, target)
    elliptical = bool(prev) and (FOLLOWUP_RE.search(low) is not None
                                 or (PRONOUN_RE.search(low) is not None and len(low.split()) <= 10)
                                 or (len(low.split()) <= 6 and not target and not any(own)))
    hint = target or (prev.target or _code_type(prev) if elliptical and prev else None)
    # ...unless the question's other words, and the kind of code it asks for, fit the shorthand's own reading
    # better ("taxonomy for a PA": a physician assistant, though a chest x-ray report defines posteroanterior).
    words = tokenize(low)
    expansions = tuple(catalog.reading(abbr, (catalog.aliases[abbr], full), words, hint) if abbr in catalog.aliases
                       else full for abbr, full in shorthand) + spelled_names
    codes, unknown = find_codes(text, catalog, hint, counting=elliptical and prev is not None and counts(prev.text),
                                asked=hint is not None and hint == target)
    # "b12 deficiency": three characters shaped like an ICD-10-CM category that ICD-10-CM has no item for, and
    # no report lists, are a word (vitamin B12), not a code to look up.
    unknown = [c for c in unknown if not (c.type == "icd10" and len(c.key) == 3 and not is_icd_item(c.key))]
    reports = tuple(catalog.reports[c.key] for c in codes if c.key in catalog.reports)
    codes = [c for c in codes if c.key not in catalog.reports]
    # "the x one instead of 59", "more specific than 59", "payer won't take 59": a code named to rule it out
    # (after "than", or as what a negated verb refuses) is not asked about; its kind of code is.
    ruled_out = tuple(c for c in codes if re.search(
        rf"(\b(instead of|than|besides|except|not)|n['\u2019]t \w+|\bnot \w+)\s+(?:(?:mod|modifier|code)\s+)?-?"
        rf"{re.escape(c.raw)}\b", text, re.I))
    if ruled_out and len(ruled_out) == len(codes):
        codes = []
        target = target or ruled_out[0].type
        # Nor does its shorthand spelled out ("besides LT": not "left") say what is asked.
        unsaid = {lex.abbreviations.get(c.raw.lower()) for c in ruled_out}
        expansions = tuple(e for e in expansions if e not in unsaid)
    else:
        ruled_out = ()
    named = {d for a in defined for d in catalog.names.get(a, ())}
    if not reports and len(named) == 1:
        reports = tuple(named)  # "modifier 53 for ire": the report whose procedure IRE names
    if target in PROCEDURE_KINDS and reports and not codes and not unknown and re.search(
            rf"\b(cpt|hcpcs)\s+(code\s+)?({'|'.join(r.lower() for r in reports)})\b", low):
        target = None  # "cpt 0600t": the word names the report's own code, not its related-CPT table
    if prev is not None and not reports:
        # The chat has been about one report: a code it lists, or a follow-up, stays in that report.
        earlier = set(prev.reports) or catalog.reports_holding(c.key for c in prev.codes)
        held = catalog.reports_holding(c.key for c in codes)
        if len(earlier) == 1 and (elliptical and not codes or codes and held >= earlier):
            reports = tuple(earlier)
    if (prev is not None and elliptical and codes and len(prev.codes) == 1 and not unknown
            and all(c.type != prev.codes[0].type for c in codes)
            and re.search(rf"\b(on|for|with|to|w/)\s+-?{re.escape(codes[0].raw)}\b", text, re.I)):
        # "what about on 64484" after "mod 51 on 64483": still modifier 51, now asked about with 64484.
        codes = list(prev.codes)
    intent = _intent(low, codes, unknown, target)
    if heading and intent in ("reverse", "prose"):
        intent = "list"
    titled = {catalog.title_words[t] for t in tokenize(low) if t in catalog.title_words}
    if intent == "clinical_context" and not reports and len(titled) == 1:
        reports = tuple(titled)  # "…in the <title word> vignette": the example of the report on that procedure
    told = {catalog.example_words[t] for t in tokenize(low) if t in catalog.example_words}
    if intent == "clinical_context" and not reports and len(told) == 1:
        reports = tuple(told)  # "what did glare testing show in the example": the one example that has glare
    if intent == "clinical_context" and (re.search(SETTING_NAMED, low) or SERVICE_WHERE_RE.search(low)):
        # "where was the example pt treated": its setting; "where was the mass" asks where in the body.
        expansions += (lex.intent_hints["site_of_service"],)
    followup = False
    context = ""
    subject: tuple[CodeRef, ...] = ()
    asks_code = bool(CODE_ASK_RE.search(low))
    if prev is not None and elliptical:
        followup = True
        # "is that billed per specimen?" asks a fact about the earlier subject, not for another code of its kind.
        asks_fact = FACT_QUESTION_RE.search(low) is not None and not asks_code and not codes
        if not target and not asks_fact:
            target = hint
            # "and for the pneumonia vaccine?" after "medicare flu shot admin code" asks for a code too.
            asks_code = asks_code or prev.asks_code
        if not reports:
            reports = prev.reports
        if not codes and not unknown and not _has_content(low, catalog):
            codes = list(prev.codes)
            if intent == "prose":
                intent = prev.intent
        elif not codes and not unknown and prev.intent in ("reverse", "list") and intent in ("prose", "list"):
            # "which one is …" after a list picks one row of it
            intent = "reverse" if re.search(r"\b(which|what|the) one\b", low) else prev.intent
        elif not codes and not unknown and intent == "prose" and not target:
            intent = prev.intent if prev.intent not in ("lookup", "compare") else "prose"
        # "is that per level?" points back at the earlier answer's subject: it keeps the earlier question.
        # ...but not one that replaces the earlier situation ("and if they admit her inpatient instead?" after
        # "pos for a tka done at an asc": the place asked is no longer the ASC).
        points_back = (PRONOUN_RE.search(low) is not None and not codes and not unknown
                       and not (INSTEAD_RE.search(low) and _has_content(low, catalog)))
        earlier = prev.text if not prev.followup else f"{prev.context} {prev.text}"
        # "and if we never got one signed?" after "abn signed, which modifier": a turn that only denies what the
        # earlier one said varies its situation, and needs its words ("signed" alone finds nothing).
        said = catalog.own_words(low)
        denies = bool(said) and said <= negated_words(low) & (set(tokenize(earlier)) - negated_words(earlier))
        # "what if they found something abnormal" after "dx for a physical, no abnormal findings": the same
        # question, now with them (and without the earlier turn's "without").
        affirmed = None if codes or unknown or denies else _affirmed(low, earlier)
        # "and left?" after "icd for right knee oa", "what if a different doc did it" after "…same doc": the
        # same question, another value of one of its axes.
        # (Shorthand is the word it stands for: "what if a diff doc does it" names "different".)
        swapped = None if codes or unknown else _swap_value(low, earlier) or _swap_value(spelled, in_full(earlier))
        if (not _has_content(low, catalog) or points_back or denies) and not codes:
            # ...and the earlier turn's plain statement of what this one denies ("abn signed" under "and if we
            # never got one signed?") is no longer said: the situation holds the denial alone.
            context = affirmed or swapped or (without_statements_of(earlier, said) if denies else None) or earlier
            if points_back and len(prev.codes) == 1 and not prev.followup:
                subject = tuple(prev.codes)
        elif not codes and not unknown and (swapped := swapped or affirmed):
            context = swapped
        else:
            # New content leads; the earlier turn only lends its report and its kind of code, a place of
            # service among them ("and a school clinic?" after "pos for a pharmacy").
            lent = [target] if target and not _target(low) else []
            if not target and prev.asks_place_of_service:
                # In both forms: the format writes "POS 24: …" as often as "place of service".
                lent, intent = ["pos place of service"], "site_of_service" if intent == "prose" else intent
            context = " ".join([*reports, *lent])
        if context in (earlier, swapped, affirmed):  # the earlier words, their shorthand spelled out ("oa") as it was
            expansions += tuple(e for e in prev.expansions if e not in expansions
                                and not (context == affirmed and negated(e)))
    return Query(original=question, text=text, codes=tuple(codes), unknown=tuple(unknown), reports=reports,
                 intent=intent, target=target, terms=tuple(tokenize(text)), followup=followup,
                 context=context, corrections=corrections, expansions=expansions,
                 topics=tuple(name for name, (ask, _) in lex.topics.items()
                              if ask.search(low) or ask.search(spelled) or ask.search(" ".join(expansions))),
                 payers=tuple(p for p in lex.payer_names if re.search(rf"\b{p}(?:'?s)?\b", low)),
                 places=tuple(p for p in lex.places if re.search(rf"\b{p}\b", low)),
                 fact_question=bool(FACT_QUESTION_RE.search(low)) and not asks_code and not target,
                 asks_code=bool(target) or asks_code, ruled_out=ruled_out, subject=subject,
                 contrasts=followup and CONTRAST_RE.search(low) is not None,
                 writing_request=bool(WRITING_RE.search(low)))


def _code_type(q: Query) -> CodeType | None:
    types = {c.type for c in (*q.codes, *q.unknown) if c.type}
    return types.pop() if len(types) == 1 else None


def in_full(low: str) -> str:
    """``low`` with staff shorthand spelled out in place: "payment amt" is "payment amount"."""
    abbreviations = lexicon().abbreviations
    return re.sub(r"(?<![\w/-])[\w/&-]+(?![\w/-])", lambda m: abbreviations.get(m.group(0), m.group(0)), low)


def _swap_value(low: str, earlier: str) -> str | None:
    """``earlier`` with its value of one axis replaced, when ``low`` names nothing but another value of
    that axis ("left" after "…right knee oa", "lumbar" after "…cervical", "and off campus?" after "…on
    campus"); None otherwise."""
    said_before = set(re.findall(r"[a-z]+", earlier.lower()))
    # "and type 1?" after "…type 2 dm…", "and 2nd degree?" after "…first degree burn": another number of a
    # numbered word, the turn saying nothing more.
    if (renamed := renumbered(low, earlier)) and not (set(re.findall(r"[a-z]+", renamed[1])) - STOPWORDS
                                                      - FOLLOWUP_GLUE - said_before):
        return renamed[0]
    phrases = axis_phrases(low)
    # Words the earlier turn also said are what the value is of ("and left leg?" after "…right leg…").
    words = (set(re.findall(r"[a-z]+", low)) - STOPWORDS - FOLLOWUP_GLUE - {"side", "one", "level", "region"}
             - said_before
             - {w for said in phrases.values() for m in said for w in re.findall(r"[a-z]+", m.group(0))}) | set(phrases)
    lex = lexicon()
    for axis in lex.contrasts:
        said = words & axis
        before = axis_words(earlier) & axis
        if said and said == words and len(said) == 1 and before and not before & said:
            (new,) = said
            for value in sorted(before):
                spelled = lex.contrast_phrases.get(value) or re.compile(rf"\b{value}\b", re.I)
                earlier = spelled.sub(new, earlier)
            return earlier
    return None


def _affirmed(low: str, earlier: str) -> str | None:
    """``earlier`` without its negation of the words ``low`` states plainly, when it negates any and ``low``
    negates nothing; None otherwise."""
    if negated(low):
        return None
    stated = set(tokenize(low))
    revised = without_negations_of(earlier, stated & negated_words(earlier))
    return revised if revised != earlier.strip() else None


def _has_content(low: str, catalog: Catalog) -> bool:
    """True when the words name something new to search for, rather than a field of the earlier
    answer (a column name such as "clinical relevance") or words every passage shares."""
    return any(catalog.is_content(t) for t in tokenize(low) if not t.isdigit())


def _intent(low: str, codes: list[CodeRef], unknown: list[CodeRef], target: CodeType | None) -> Intent:
    matched = {name for name, rx in INTENT_PATTERNS if rx.search(low)}
    if FACT_QUESTION_RE.search(low) and SETTING_RE.search(low):
        matched.add("site_of_service")  # "is it an office procedure" asks for the setting, not a visit code
    if "clinical_context" in matched and not re.search(r"\b(site|place) of service\b|\bpos\b|\bsetting\b", low):
        matched.discard("site_of_service")  # "where in the kidney was the tumor in the example"
    n = len(codes) + len(unknown)
    # "…in the example": what the example says of a code, or which codes of a kind it names.
    of_example = "clinical_context" in matched and lexicon().names_example.search(low) is not None
    if n >= 2 and "compare" in matched:
        return "compare"
    if re.search(r"\b(the|this|that)( [\w/-]+){0,3} report\b", low):
        matched.discard("reports")  # "which pos codes does the 99454 report list" asks within the report it names
    every = _every_kind(low)  # "every dx code": a list, as a plural asks for one
    if every:
        matched.add("list")
    if "reports" in matched:
        return "reports"
    if n >= 2:
        return "list"
    if n == 1:
        return "clinical_context" if of_example else "lookup"  # "how many units of 17003 … in the example"
    if target and of_example:
        return "clinical_context"  # "which dx codes did they bill in the example"
    if target and _plural_type(low):
        return "list"
    for name in ("list", "site_of_service", "clinical_context", "payer", "definition"):
        if name in matched:
            if name == "list" and not target and not CODES_ASKED_RE.search(low) and not every:
                # A list of what? Without a kind of code, or "codes" ("which mask codes are listed": the rows
                # the words pick, of any kind), it is asked like any other question.
                continue
            return name  # type: ignore[return-value]
    return "reverse" if target else "prose"


def _every_kind(low: str) -> bool:
    """Whether "every" comes before a kind of code or before "code" ("every dx code in the report", "every
    pos code that applies", "every place of service"): the singular a list asks with, as a plural does."""
    kinds = lexicon().type_words
    return any(m.group(1) in kinds or m.group(2) or POS_ASKED_RE.match(low, m.start(1))
               for m in re.finditer(r"\bevery ([a-z0-9/-]+)( codes?\b)?", low))


def with_earlier(q: Query, history: list[str]) -> Query | None:
    """A follow-up with the earlier question's words added to its context, when ``parse`` left them out
    (it keeps only the earlier turn's report and kind of code when the follow-up brings words of its own);
    None for a question that is no follow-up or already carries them."""
    if not q.followup or not history or history[-1].lower() in q.context.lower():
        return None
    return q.model_copy(update={"context": f"{q.context} {history[-1]}".strip()})
