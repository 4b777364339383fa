"""What the reports leave out, said plainly: codes they don't list (what they list instead, and which
report has the code), conditions ICD-10-CM names that their closest diagnosis row does not describe, and
facts of a kind they never state (RVUs, payment, edits) or payers they never name.

The facade abstains with these sentences; they are composed from the corpus' own codes and headers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from . import answer as tpl
from .chunks import CELL_SEPARATOR
from .codes import CodeRef
from .embed import embed_text
from .icd import as_written, icd_unlisted, icd_words
from .ingest import sentences
from .lexicon import lexicon
from .models import PROCEDURE_KINDS, Answer, Chunk, Hit
from .query import Query
from .signals import QUESTION_ABOUT_REPORT, negated_words, with_numerals
from .vocab import QUERY_VOCAB, TYPE_WORDS, Catalog, stems, tokenize

# Above this many codes, a note that a code is not listed says how many it looked through, not which.
LISTED_MAX = 20


def not_listed(refs: Iterable[CodeRef], scope: set[str], chunks: Sequence[Chunk], catalog: Catalog,
               n_docs: int) -> str:
    """Say which codes the report(s) don't list, what they list instead (or how many, when too many to
    read), which report has them, and the listed codes one slip away ("92057": 92507, digits swapped)."""
    lines = []
    for ref in refs:
        where = " and ".join(f"{s} report" for s in sorted(scope)) if scope else (
            "report" if n_docs <= 1 else "reports")
        elsewhere = sorted({chunks[i].doc_code for i in catalog.by_key.get(ref.key, [])})
        if elsewhere:
            lines.append(f"{ref.raw.upper()} is not in the {where}; it is listed in the "
                         f"{', '.join(elsewhere)} report{'s' if len(elsewhere) > 1 else ''}.")
            continue
        listed = catalog.codes_of(ref.type, scope) if ref.type else []
        header = next((c.columns[0] for c in chunks if c.code_type == ref.type and c.columns), None)
        raw = ref.raw.upper().lstrip("-")
        if listed and header and len(listed) <= LISTED_MAX:
            lines.append(f"The {where} list{'s' if where.endswith('report') else ''} {header.lower()}s "
                         f"{', '.join(listed)}; {raw} is not among them.")
        elif listed and header:
            lines.append(f"None of the {len(listed)} {header.lower()}s the {where} "
                         f"list{'s' if where.endswith('report') else ''} is {raw}.")
        else:
            lines.append(f"The {where} doesn't mention {raw}.")
        if near := catalog.near_codes(ref.key, scope):
            lines[-1] += f" Did you mean {' or '.join(near)}?"
    return "\n\n".join(lines)


def asked_topics(q: Query) -> tuple[str, ...]:
    """The topics a question asks for. Asking for a code, none: "the claim will be denied, which modifier",
    "needs bilevel w/o backup rate, which code": the topic's words describe the situation a row may answer
    (GA, GZ, E0470)."""
    return () if q.target and not q.codes else q.topics


def unstated_topic(q: Query, ans: Answer) -> str | None:
    """A topic the question asks for that an answer must state itself (an amount, RVUs…; lexicon `quoted`)
    and none of the answer's quotes states, though its report does elsewhere: "how much does uhc reimburse
    for 99203" is not answered by a UnitedHealthcare note giving no amount because another sentence gives
    Medicare's "85 percent"."""
    from .query import TOPICS

    quoted = lexicon().quoted_topics
    return next((name for name in asked_topics(q) if name in quoted
                 and not any(TOPICS[name][1].search(c.quote) for c in ans.citations)), None)


def uncovered_topic(q: Query, chunks: Sequence[Chunk]) -> str | None:
    """Why a question about a fact the reports (``chunks``, those in scope) do not state is not answered:
    a kind of fact none of them gives (RVUs, payment, edits…) or a payer none of them names; None when
    they might answer it."""
    from .query import TOPICS

    if not q.topics and not q.payers:
        return None
    lex = lexicon()
    for name in asked_topics(q):
        evidence = TOPICS[name][1]
        # Sentences are split only in the passages that hold the evidence at all (a topic question at
        # 1,000 reports would otherwise split every passage of the corpus).
        # A sentence that says the report leaves the fact out ("… not available in the input") does not state it.
        # A table row is read with its column names: "Coverage Status: Covered" states coverage.
        texts = (embed_text(c) if c.kind == "row" else c.text for c in chunks)
        if not any(evidence.search(s) and not lex.not_stated.search(s) and not lex.left_out.search(s)
                   for text in texts if evidence.search(text) for s in sentences(text)):
            return f"{tpl.NOT_COVERED} It does not give {name}."
    absent = [p for p in q.payers if not any(p in c.text.lower() for c in chunks)]
    if absent:
        return f"{tpl.NOT_COVERED} It does not mention {absent[0].title()}."
    if found := payer_left_out(q, chunks):
        return f"{tpl.NOT_COVERED} It names {found[0].title()} only to say it leaves it out."
    return None


def payer_left_out(q: Query, chunks: Sequence[Chunk]) -> tuple[str, Chunk, str] | None:
    """A payer the question names that the reports name only to say they leave it out ("Medicaid, TRICARE,
    and Humana policies are not covered"): the payer, and the passage and sentence saying so."""
    for p in q.payers:
        said = [(c, s) for c in chunks if p in c.text.lower() for s in sentences(c.text) if p in s.lower()]
        if said and all(says_left_out(s, c.section) for c, s in said):
            return p, said[0][0], said[0][1]
    return None


def says_left_out(sentence: str, section: Sequence[str]) -> bool:
    """Whether a sentence says its report leaves a fact out: in its own words ("… data not available in
    the input"), or by standing under a heading that says so ("Not Addressed in This Report")."""
    return bool(lexicon().left_out.search(sentence)) or under_left_out_heading(section)


def under_left_out_heading(section: Sequence[str]) -> bool:
    """Whether a passage stands under a heading that says the report leaves its facts out."""
    return bool(section and lexicon().left_out_section.search(section[-1]))


PARENTHESES = re.compile(r"\([^()]*\)")
# A table cell that holds no value: the report has nothing to put there.
NO_VALUE = re.compile(r"(?i)not available|n/?a|unknown|[-\u2013\u2014]?")


def left_out(ans: Answer) -> Answer:
    """An answer whose passage says the report leaves the fact out ("Medicare fee schedule amounts … are
    data not available in the input") is an abstention that quotes it, unless the question asks what the
    report holds ("is the payer policy text in the 64483 report"): then that passage is the answer."""
    # An aside saying so ("Office-based endoscopy suites (payment amounts are not covered in this report)")
    # leaves out what it names, not what the rest of the sentence states.
    quote = PARENTHESES.sub("", ans.citations[0].quote) if ans.citations else ""
    # A row states what each of its cells says: a payer's "Varies by local plan | …; plan-specific policy not
    # available" gives the plan's rule; its "Not available | …was not available in the input" gives none.
    cells = quote.split(CELL_SEPARATOR) if ans.citations and ans.citations[0].row else [quote]
    gaps = [says_left_out(c, ()) for c in cells]
    gap = ans.citations and (under_left_out_heading(ans.citations[0].section) or (
        any(gaps) and all(g or NO_VALUE.fullmatch(c.strip(" .")) for g, c in zip(gaps, cells, strict=True))))
    if ans.answered and gap and not QUESTION_ABOUT_REPORT.search(ans.question):
        return tpl.abstain_quoting(ans, f"{tpl.NOT_COVERED} It says it leaves that out:", ans.citations[0])
    return ans


def as_typed(text: str, missing: set[str], code_set_spelling: bool = False) -> list[str]:
    """The words of ``text`` whose tokens (as ICD-10-CM writes them, with ``code_set_spelling``) hold one of
    ``missing``, as typed, once each and without the punctuation around them ("flu vacine?" → "vacine")."""
    def holds(word: str) -> bool:
        tokens = set(tokenize(word))
        return bool((as_written(tokens) if code_set_spelling else tokens) & missing)
    return list(dict.fromkeys(w for w in re.findall(r"[\w'-]+", text) if holds(w)))


def undescribed_condition(q: Query, row: Chunk, names: frozenset[str] = frozenset()) -> list[str]:
    """The words of a described condition that the diagnosis row chosen for it lacks, when ICD-10-CM
    names a condition holding them all ("icd for primary central sleep apnea": the obstructive sleep apnea
    row lacks "primary" and "central"), as the user typed them; empty when the row may be the code."""
    if row.code_type != "icd10":
        return []
    request = stems(frozenset(TYPE_WORDS)) | stems(frozenset(QUERY_VOCAB))
    # What the question negates ("nothing abnormal found") is not the condition it describes.
    asked = (set(tokenize(q.asked_text)) - request - q.spelled_out - {c.key.lower() for c in q.codes}
             - negated_words(q.asked_text))
    # A word the row names only to negate it ("not inflamed") is not one it describes.
    held = with_numerals(tokenize(row.text)) - (negated_words(row.text) - negated_words(q.text)) | names
    missing = icd_unlisted(asked, held)
    return as_typed(q.text, missing, code_set_spelling=True) or sorted(missing)


def unnamed_sites(q: Query, row: Chunk, affirmed: Callable[[str], frozenset[str]]) -> list[str]:
    """The organs a question names (ICD-10-CM's neoplasm sites: "liver", "lung") that the procedure row chosen
    for it does not name and its report (``affirmed``: the tokens a report says) names nowhere but to rule them
    out, as typed: a procedure code from a report that never speaks of the liver is no code for a liver tumor.
    (A modifier, a place or a taxonomy means the same in every report; a diagnosis row has its own check.)"""
    if row.code_type not in PROCEDURE_KINDS:
        return []
    typed = f"{q.context} {q.text}"  # not the expansions of its shorthand: "od" may be an overdose, not an eye
    missing = set(tokenize(typed)) & icd_words().sites - negated_words(typed) - set(tokenize(row.text))
    if not missing:
        return []
    missing -= affirmed(row.doc_code)  # read only now: a report's every sentence, once per report
    return as_typed(typed, missing) or sorted(missing)


def undescribed(q: Query, row: Hit, names: frozenset[str] = frozenset(),
                affirmed: Callable[[str], frozenset[str]] | None = None) -> Answer | None:
    """The abstention for a row offered for a code request it does not answer, showing the row: a diagnosis
    row for a condition ICD-10-CM names otherwise, or a row from a report that never names the organ asked
    (``affirmed``: the tokens a report says); None when the row may be the code (or no code is asked)."""
    if not (q.asks_code or q.intent == "reverse"):
        return None
    c = row.chunk
    if lacking := undescribed_condition(q, c, names):
        return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} The closest code it lists, {c.cells[0]}, does not "
                                  f"describe “{' '.join(lacking)}”:", row, c.description or c.text)
    if affirmed is not None and (sites := unnamed_sites(q, c, affirmed)):
        return tpl.abstain_citing(q, f"{tpl.NOT_COVERED} The closest code, {c.cells[0]}, is from the {c.doc_code} "
                                  f"report, which does not name “{' '.join(sites)}”:", row, c.description or c.text)
    return None
