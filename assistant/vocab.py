"""The corpus' vocabulary: lexical tokens (Snowball stems), and the catalog of what the reports hold
that questions are matched against — codes, report codes, words, the abbreviations they define and
the labels of the format.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

from .ingest import code_key, sentences
from .lexicon import exported, lexicon
from .models import PROCEDURE_KINDS, Chunk, CodeType
from .spelling import Speller

# English (and chat) words no question is about. They stay here, unlike the domain's words in
# data/lexicon.toml: they hold for any specialty, and `tokenize` (which builds the BM25 index) reads them
# on every word, so they are a plain constant rather than a lazily read entry.
STOPWORDS = frozenset("""a an the and or but if of to in on at by for with w wo from as is are was were be been
being do does did done i me my we our you your it its this that these those there here what whats what's
when where which who whom why how can could should would will shall may might must i'd im i'm use used
using usage about any some please tell give show need needs needed get got have has had than then so
such also just only into per via vs versus much many more most very ok okay hi hello thanks code codes
report reports pls plz u ur instead like usually typically typical one after before up say says said
mention mentions mentioned talk talks discuss discusses ever something else anything anyone someone
somebody they them their theirs she her he his actually exactly really basically literally honestly kinda
sorta go goes going went""".split())

# The names of kinds of code, the format's question words and the axes of contrasting values are the
# domain's words: they live in data/lexicon.toml, and these names stay importable, read on first use.
__getattr__ = exported(__name__, {"TYPE_WORDS": "type_words", "QUERY_VOCAB": "query_words",
                                  "CONTRASTS": "contrasts"})

ENGLISH_TWO_LETTER = frozenset("am an as at be by do go he if in is it me my no of on or so to up us we".split())

# Code-shaped words in prose: CPT (77012, 0600T), HCPCS Level II (J3301), ICD-10-CM (M17.11).
PROSE_CODE_RE = re.compile(r"\b(?:\d{4}[0-9FTU]|[A-Z]\d{4}|[A-TV-Z]\d[0-9AB](?:\.[0-9A-Z]{1,4})?)\b")

NON_PREFIX = re.compile(r"\b[Nn]on[\s-]+(?=[A-Za-z]{4,})")
WORD_RE = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*", re.I)
# English closed-class words (articles, prepositions, pronouns, question words, auxiliaries): they name no
# heading ("how much contrast did they give" names no "… and How They Differ").
FUNCTION_WORDS = frozenset("""a an the and or of to in on at by for with from as is are was were be been being
    i we you he she it they me us him her them my our your his its their this that these those
    what which who whom whose when where why how
    do does did done can could shall should will would may might must has have had""".split())
FOLLOWUP_GLUE = frozenset({"about", "same", "include", "includes", "including", "one", "part", "else"})


@lru_cache(maxsize=1)
def _spelled_word() -> dict[str, str]:
    """The lexicon's one-word shorthand and the one word each stands for, as stems ("pt" → "patient")."""
    out = {}
    for abbr, full in lexicon().abbreviations.items():
        short, spelled = tokenize(abbr), tokenize(full)
        if " " not in abbr and len(short) == 1 and len(spelled) == 1 and short != spelled:
            out[short[0]] = spelled[0]
    return out


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


PLURAL_LETTERS_RE = re.compile(r"\b([A-Z]{2,})s\b")
LETTERS_NUMBER_RE = re.compile(r"^([a-z]+)-(\d+)$")
# A negative contraction is its verb and "not" ("isn't" → "is not"; "won't", "can't"), not a word "isn".
NEGATIVE_CONTRACTION_RE = re.compile(r"\b(wo|ca|\w+?)n['\u2019]t\b", re.I)
CONTRACTED_VERBS = {"wo": "will", "ca": "can"}


def field_label(line: str) -> str | None:
    """A line's label in the format's "label: value" fields and bullets (the text before a colon in its
    first 60 characters: "Typical site of service: …"), or None when it has none."""
    return line.split(":", 1)[0] if ":" in line[:60] else None


def tokenize(text: str) -> list[str]:
    """Lexical tokens for BM25 and term checks: lower case, codes without dots, Snowball stems.

    Stemming lets "placed" meet "placement"'s sentence and "nationally" meet "national"; a hyphenated
    word counts as its parts ("follow-up" is asked as "follow up"), a code keeps its digits whole.
    """
    return list(_tokens(text))


@lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> tuple[str, ...]:
    """``tokenize``, remembered: a question's checks tokenize the same report passages again and again."""
    out = []
    # "non proliferative", "non-proliferative" and "nonproliferative" are one word.
    text = NON_PREFIX.sub("non", text)
    # "LMFTs", "CRNAs": the plural of letters is the letters (the stemmer keeps a final s after a vowel or
    # in a word without one).
    text = PLURAL_LETTERS_RE.sub(r"\1", text)
    text = NEGATIVE_CONTRACTION_RE.sub(lambda m: f"{CONTRACTED_VERBS.get(m.group(1).lower(), m.group(1))} not", text)
    for tok in WORD_RE.findall(text.lower()):
        tok = tok.replace(".", "")
        # "PHQ-9", "phq9": letters and a number, hyphenated or not, are one name (a form, a scale, a CARC).
        tok = LETTERS_NUMBER_RE.sub(r"\1\2", tok)
        parts = tok.split("-") if "-" in tok and tok.replace("-", "").isalpha() else [tok]
        out.extend(p for p in parts if p and p not in STOPWORDS and (len(p) > 1 or p.isdigit()))
    stem = _stemmer().stemWord
    # A condition named "-itis" is one word: stemmed, it is the organ or a verb ("sinusitis" → "sinus",
    # "esophagitis" → "esophag", "appendicitis" → "append", the word for appending a modifier).
    return tuple(stem(t) if t.isalpha() and not t.endswith("itis") else t for t in out)


def long_form(before: str, abbr: str) -> str | None:
    """The words an abbreviation in parentheses stands for, if the text before it spells it (Schwartz &
    Hearst's rule: its letters in order, the first one starting a word, no more than 2n words)."""
    words = before.split()[-min(len(abbr) + 5, 2 * len(abbr)):]
    text = " ".join(words).lower()
    i = len(text) - 1
    letters = [ch for ch in abbr.lower() if ch.isalnum()]
    for n, ch in enumerate(reversed(letters)):
        first = n == len(letters) - 1
        while i >= 0 and (text[i] != ch or (first and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
    start = max(text.rfind(" ", 0, i + 1), text.rfind("/", 0, i + 1)) + 1  # "hospital/ambulatory surgery center"
    long = " ".join(words)[start:].strip(" ,;:(")
    # Its longer words start with the abbreviation's letters ("hospital outpatient department"), but for one
    # word inside that the letters skip ("qualified health care professional (QHP)"): that rules out a clause
    # that merely contains them in order, and a trailing word of the name's kind ("… ventilation (CPAP)").
    # One word may spell a whole abbreviation when it is a long compound ("esophagogastroduodenoscopy
    # (EGD)"); a short one holding the letters by chance ("a single (X)") doesn't.
    named = long.split()  # the long form's words (``words`` is the window they were cut from)
    if len(named) == 1 and len(letters) >= 2 and len(long) >= 5 * len(letters):
        return long
    skipped = [w for w in named[:-1] if len(w) > 3 and w[0].lower() not in letters]
    if not 2 <= len(named) <= len(letters) + 1 or len(skipped) > 1 or named[-1][0].lower() not in letters:
        return None
    return long


# Words a name's initials skip ("Marriage & Family Therapist" is MFT); a table cell is cut into names at
# punctuation ("Basic metabolic panel (Calcium, total)…").
NAME_JOINERS = frozenset({"of", "and", "the", "for", "with", "in", "or", "to", "a", "an", "by", "on"})
NAME_BREAK_RE = re.compile(r"[,;:()\[\]]| - | — |–")


def _name_words(name: str) -> list[str]:
    """A name's words its initials are of (not the joining words a name's initials skip)."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", name) if w.lower() not in NAME_JOINERS]


def initials(name: str) -> str:
    """The letters a name's initialism spells ("obstructive sleep apnea" → "osa", "post-traumatic stress
    disorder" → "ptsd"); empty for a single word or a name too long to be shortened that way."""
    words = _name_words(name)
    letters = "".join(part[0] for w in words for part in w.split("-") if part).lower()
    return letters if len(words) >= 2 and 3 <= len(letters) <= 6 else ""


def initial_spellings(name: str) -> set[str]:
    """Every way a name's initials may be written: a hyphenated word gives its first letter or the first letter
    of each part ("dual-energy x-ray absorptiometry" is DXA, DEXA, DXRA or DEXRA; "non-small cell lung cancer"
    NCLC or NSCLC). Empty for a name ``initials`` would not shorten."""
    if not initials(name):
        return set()
    options = []
    for w in _name_words(name):
        parts = [p for p in w.lower().split("-") if p]
        options.append({parts[0][0], "".join(p[0] for p in parts)})
    return {"".join(letters) for letters in itertools.product(*options)}


# A patient's age as a vignette gives it ("a 58-year-old man", "6 month old infant").
PATIENT_AGE_RE = re.compile(r"\b\d{1,3}[- ](?:year|month|week|day)s?[- ]old\b", re.I)


@lru_cache(maxsize=1024)  # a report has a few dozen headings, asked of every passage under them
def example_heading(heading: str) -> bool:
    """Whether a section heading names the clinical example: it ends in one of the example's names ("Clinical
    Context", "Case Study", "Worked Clinical Scenario", "Case Example"). A heading's last words say what the
    section is; any before them qualify it ("Worked"), and words after a colon title that one example ("Case
    Study: Office Visit")."""
    words = tokenize(heading.split(":", 1)[0])
    return any(len(words) >= len(name) and tuple(words[-len(name):]) == name for name in _example_names())


@lru_cache(maxsize=1)
def _example_names() -> tuple[tuple[str, ...], ...]:
    return tuple(t for name in lexicon().example_names if (t := tuple(tokenize(name))))


@lru_cache(maxsize=64)
def stems(words: frozenset[str]) -> frozenset[str]:
    """A fixed word list as ``tokenize`` sees it, to compare with the tokens of a text. Each word on its own:
    joined, "non" would join the word after it ("non never" is one word) in whatever order the set iterates."""
    return frozenset(t for w in words for t in tokenize(w))


def heading_words(text: str) -> frozenset[str]:
    """A heading's or question's words for telling which heading it names. Single letters joined by a slash are
    one word ("E/M", "I/O"): "e/m billed with 31500" names no heading by its "e" and "m". ("CPT/HCPCS" is two.)"""
    return frozenset(re.findall(r"(?<![a-z/])[a-z](?:/[a-z])+(?![a-z/])|[a-z]+", text.lower()))


def row_keys(code: str) -> list[str]:
    """The keys a row's code cell is found by: the cell's, and each code of several it joins ("26 / TC", "RT/LT",
    "GP, GO"), as a row may give codes that share a use. (A range, "F1-F9", is one name.)"""
    keys = [code_key(code)]
    parts = [p for p in re.split(r"\s*(?:/|,|&|\bor\b|\band\b)\s*", code.strip()) if p]
    if len(parts) > 1 and all(re.fullmatch(r"[0-9A-Za-z]{2,7}", p) for p in parts):
        keys += [code_key(p) for p in dict.fromkeys(parts)]
    return keys


class Catalog:
    """What the corpus holds that questions are matched against: codes, report codes, vocabulary."""

    def __init__(self, chunks: Iterable[Chunk], words: frozenset[str] = frozenset(),
                 terms: frozenset[str] = frozenset()) -> None:
        """``words``: words known to be spelled right though no report uses them ("house"), which typo
        repair leaves alone (the embedding model's whole-word vocabulary); ``terms``: more such words (ICD-10-CM's:
        "cauda" is no slip of a report's "caudal")."""
        self.chunks = list(chunks)
        self.words, self.terms = words, terms
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.types: dict[str, set[CodeType]] = defaultdict(set)
        self.reports: dict[str, str] = {}
        # Words questions are made of are words, whatever the reports use ("every" is not a slip of "very"),
        # and so are the names of the facts a report states only if it says so ("timely filing" is no slip
        # of a report's "Billing limit" label).
        self.vocab: set[str] = (set(lexicon().query_words) | lexicon().listing_words
                                | {w for name in lexicon().topics for w in re.findall(r"[a-z]+", name.lower())})
        for i, c in enumerate(self.chunks):
            self.reports[code_key(c.doc_code)] = c.doc_code
            if c.kind == "row" and c.code:
                for key in row_keys(c.code):
                    self.by_key[key].append(i)
                    if c.code_type:
                        self.types[key].add(c.code_type)
            for word in re.findall(r"[a-z]+", " ".join((c.text, *c.section, *c.columns)).lower()):
                if len(word) >= 3:
                    self.vocab.add(word)
        # Codes prose names without a table row for them ("a HCPCS J-code such as J3301"), as tokens.
        self.prose_codes = {code_key(m.group(0)).lower() for c in self.chunks if c.kind == "prose"
                            for m in PROSE_CODE_RE.finditer(c.text)}
        # Abbreviations a report defines ("irreversible electroporation (IRE)") and, among them, those
        # that name a report's own procedure (their long form is mostly in its title).
        self.aliases: dict[str, str] = {}
        self.defined_in: dict[str, list[Chunk]] = defaultdict(list)  # the passages spelling each one out
        self.code_words: dict[str, str] = {}  # letters that are also a code, with the words a report spells them as
        self.names: dict[str, set[str]] = defaultdict(set)
        # Each report's title words (its procedure, as the report names it).
        self.titles = titles = {code: set(tokenize(title))
                                for code, title in {c.doc_code: c.doc_title for c in self.chunks}.items()}
        for c in self.chunks:
            for m in re.finditer(r"\(([A-Za-z][A-Za-z0-9&/-]{1,7})\)", c.text):
                long = long_form(c.text[: m.start()], m.group(1))
                if long and code_key(m.group(1)) in self.by_key:
                    # "computed tomography (CT)": letters that are also a code (modifier CT) are, unmarked,
                    # the word the report spells out.
                    self.code_words.setdefault(code_key(m.group(1)), long)
                elif long and not m.group(1).isdigit():
                    self.aliases.setdefault(m.group(1).lower(), long)
                    self.defined_in[m.group(1).lower()].append(c)
                    words = set(tokenize(long))
                    if len(words & titles[c.doc_code]) >= max(min(2, len(words)), 2 * len(words) / 3):
                        self.names[m.group(1).lower()].add(c.doc_code)
        # The same letters written another way ("dexa" for a report's "dual-energy x-ray absorptiometry (DXA)"):
        # another choice of the long form's initials, when it is no word of the reports and of one definition.
        spelt: dict[str, set[str]] = defaultdict(set)
        for alias, long in self.aliases.items():
            if alias in (ways := initial_spellings(long)):
                for way in ways - {alias}:
                    if len(way) >= 3 and way not in self.vocab and way not in STOPWORDS:
                        spelt[way].add(alias)
        self.spellings = {way: next(iter(a)) for way, a in spelt.items() if len(a) == 1}
        # Letters most of the reports defining them do not name ("(E/M)", spelled out by ten reports, whose
        # long form one title holds) are the field's common term, not that report's procedure.
        for alias in [a for a, named in self.names.items()
                      if len({c.doc_code for c in self.defined_in[a]} - named) > len(named)]:
            del self.names[alias]
        # The names tables spell out, by their initials: a question's "gad" or "bmp" is the row's
        # "Generalized anxiety disorder" or "Basic metabolic panel" when no report uses the letters as a word.
        self.initialisms: dict[str, set[str]] = defaultdict(set)
        self.spelled_rows: dict[str, list[Chunk]] = defaultdict(list)  # the rows each such name is of
        for c in self.chunks:
            # The row's name (its description cell), not its notes: a clause ("and imaging of the biopsy
            # specimen") is no name.
            # A name qualified by what follows "of" ("Basal cell carcinoma of skin of nose") is also its head's
            # (BCC).
            names = NAME_BREAK_RE.split(c.description) if c.kind == "row" else []
            for name in [*names, *(n.split(" of ")[0] for n in names if " of " in n)]:
                words = name.split()
                if words and words[0].lower() not in NAME_JOINERS and (letters := initials(name)):
                    self.initialisms[letters].add(" ".join(words).lower())
                    self.spelled_rows[" ".join(words).lower()].append(c)
        # Letters the reports write only in capitals ("OSA", never "osa"): an initialism, not a word.
        texts = " ".join(c.text for c in self.chunks)
        self.capitals = ({w.lower() for w in re.findall(r"\b[A-Z]{2,6}\b", texts)}
                         - set(re.findall(r"\b[a-z]{2,6}\b", texts)))
        # The words the reports write before each word within a line or a cell ("moderate" before "sedation",
        # "free" before "T4"), for reading a clipped word or a name that looks like a code.
        self.before: dict[str, set[str]] = defaultdict(set)
        for c in self.chunks:
            for part in re.split(r"[|\n]", c.text.lower()):
                for first, then in itertools.pairwise(re.findall(r"[a-z0-9]+", part)):
                    self.before[then].add(first)
        # Fields of the format's prose: a short label with its value after the colon ("Typical site of
        # service: …"); a sentence ending in a colon ("For CMT, CPT recognizes five spinal regions:")
        # introduces a list, no field.
        self.fields = {label for c in self.chunks if c.kind == "prose" for s in c.text.split("\n")
                       if (label := field_label(s)) is not None and s.split(":", 1)[1].strip()
                       and len(label.split()) <= 6}
        self.df: dict[str, int] = defaultdict(int)
        self.field_words: set[str] = set()
        used_by: dict[str, set[str]] = defaultdict(set)
        self._postings: dict[str, set[int]] = defaultdict(set)  # the passages using each word
        for i, c in enumerate(self.chunks):
            for t in set(tokenize(" ".join((c.text, *c.section)))):
                self.df[t] += 1
                used_by[t].add(c.doc_code)
                self._postings[t].add(i)
        # Words of one report's title, or names the sentence that opens it by describing its code capitalises
        # ("HCPCS code J9271 identifies the drug supply of pembrolizumab (brand name Keytruda)…"), that no
        # other report uses (a procedure's own names): a question using one is about that report.
        named = {code: set(words) for code, words in titles.items()}
        opened: set[str] = set()
        for c in self.chunks:
            if c.kind == "prose" and c.doc_code not in opened and c.text.strip():
                opened.add(c.doc_code)
                proper = re.findall(r"(?<=[\s(])[A-Z][\w-]*", sentences(c.text)[0])
                named[c.doc_code] |= {t for word in proper if len(toks := tokenize(word)) == 1 for t in toks}
        self.title_words = {t: code for code, words in named.items() for t in words
                            if used_by.get(t, {code}) <= {code}}
        # A report's clinical example is the section its heading names so ("Clinical Scenario"); in a report whose
        # headings name none, the one section introducing a patient by age ("A 47-year-old office worker…"), as
        # every named example of the reports does.
        headed = {c.doc_code for c in self.chunks if any(map(example_heading, c.section))}
        aged: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for c in self.chunks:
            if c.kind == "prose" and c.doc_code not in headed and PATIENT_AGE_RE.search(c.text):
                aged[c.doc_code].add(c.section)
        self.example_sections = {d: sections.pop() for d, sections in aged.items() if len(sections) == 1}
        # Words of one report's clinical example that no other report uses anywhere ("glare", "crew", "mcv"): a
        # question about "the example" using one is about that report's example. (Not a bare number: an age or a
        # dose is what such a question asks, not which example.)
        # Nor staff shorthand or a unit ("min"): what one example happens to abbreviate, others spell out; nor
        # the example's own names ("scenario"), which say where to look, not which report.
        names = stems(frozenset(lexicon().example_names))
        shorthand = stems(frozenset((*lexicon().abbreviations, *lexicon().quantity_units)))
        self.example_words = {t: c.doc_code for c in self.chunks if c.kind == "prose" and self.in_example(c)
                              for t in tokenize(c.text) if not t.isdigit() and t not in shorthand | names
                              and used_by.get(t, set()) == {c.doc_code}}
        # The heading of each table's section, as words, with the kind of code its rows hold ("Related CPT
        # Codes" → cpt): a question naming a heading ("related codes") asks for that table.
        self.table_headings: dict[frozenset[str], set[CodeType]] = defaultdict(set)
        for c in self.chunks:
            if c.kind == "row" and c.code_type:
                self.table_headings[heading_words(c.section[-1])].add(c.code_type)
        # A heading that also titles prose or labels a field elsewhere ("Site of Service" over one report's
        # place-of-service table, another's paragraph, a third's "Typical site of service:") names no table.
        # A paragraph under the table's own heading introduces the table ("ICD-10-CM codes commonly paired
        # with L3000; …"): a heading over more rows than passages of prose still names its table. (Over a
        # run of code-led bullets, read as rows and kept as prose, it titles prose as much as a table.)
        kinds = Counter((c.doc_code, c.section, c.kind) for c in self.chunks)
        tabled = {(d, sec) for (d, sec, kind), n in kinds.items() if kind == "row" and n > kinds[(d, sec, "prose")]}
        prose_labels = {heading_words(label)
                        for label in self.fields | {c.section[-1] for c in self.chunks if c.kind == "prose"
                                                    and (c.doc_code, c.section) not in tabled}}
        for heading in [h for h in self.table_headings if any(h <= label for label in prose_labels)]:
            del self.table_headings[heading]
        for columns in {c.columns[1:] for c in self.chunks}:
            self.field_words.update(tokenize(" ".join(columns)))
        labels = {label for c in self.chunks for label in (*c.section, *c.columns)} | self.fields
        self._speller = Speller(self.vocab, self.words, self.df, labels, (c.text for c in self.chunks), STOPWORDS,
                                _stemmer().stemWord, frozenset(lexicon().abbreviations), self.terms,
                                self.spellings, self.before)

    def resembles(self, word: str) -> bool:
        """Whether ``word`` is alike to a word of the reports (a slip the repair left, "hypertenshun")."""
        return self._speller.nearest(word.lower(), 75) is not None

    def heading_type(self, text: str) -> CodeType | None:
        """The kind of code of the one table whose section heading the question names in two or more
        words ("related codes" → "Related CPT Codes"), when no other heading is named as fully. Function words
        name nothing ("what drug was injected in the example" does not name "Billing the Drug Line")."""
        words = heading_words(text) - FUNCTION_WORDS
        named = [(len(words & h), types) for h, types in self.table_headings.items()]
        most = max((n for n, _ in named), default=0)
        kinds = set().union(*(types for n, types in named if n == most)) if most >= 2 else set()
        # CPT and HCPCS codes are one kind here, as `select.row_types` reads them: one report's "Related CPT
        # Codes" and another's "Related CPT/HCPCS Codes" (its rows HCPCS) are both what "related codes?" asks for.
        if kinds == set(PROCEDURE_KINDS):
            return "cpt"
        # A heading shared by tables of several kinds ("Coding Specifications") names none of them.
        return kinds.pop() if len(kinds) == 1 else None

    def own_words(self, text: str) -> set[str]:
        """The words of ``text`` that narrow a search (``is_content``), less negation words ("no", "never")."""
        return {t for t in tokenize(text) if self.is_content(t)} - stems(lexicon().negation)

    def is_content(self, token: str) -> bool:
        """A word that narrows a search: not a type or column name, not in most passages."""
        if (token in stems(frozenset(lexicon().type_words)) or token in self.field_words
                or token in stems(FOLLOWUP_GLUE)):
            return False
        # Shorthand narrows as much as the word it stands for: "pt" is "patient", a column name ("what about
        # if the pt is inpatient" asks about "inpatient").
        if (full := _spelled_word().get(token)) is not None and full not in _spelled_word():
            return self.is_content(full)
        return self.df.get(token, 0) < max(2, 0.3 * len(self.chunks))

    def reading(self, letters: str, readings: Iterable[str], words: Iterable[str], kind: CodeType | None) -> str:
        """Which of the readings of ``letters`` (a report's definition, staff shorthand) a question means: the
        one the passages holding it share the question's other words with, and are rows of the kind of code
        asked for ("taxonomy for a PA": the physician assistant of the taxonomy rows, not a chest film's
        posteroanterior view; "the pa and lateral": the view). The first reading when none fits better."""
        options = list(dict.fromkeys(readings))
        context = {t for t in words if t != letters and self.is_content(t)}

        def fit(reading: str) -> int:
            toks = set(tokenize(reading))
            held = set.intersection(*(self._postings.get(t, set()) for t in toks)) if toks else set()
            shared = {t for t in context if held & self._postings.get(t, set())}
            of_kind = kind is not None and any(self.chunks[i].code_type == kind for i in held)
            return len(shared) + of_kind

        return max(options, key=fit) if options else letters

    def in_example(self, chunk: Chunk) -> bool:
        """Whether a passage is in its report's clinical example (see ``example_sections``)."""
        return any(map(example_heading, chunk.section)) or self.example_sections.get(chunk.doc_code) == chunk.section

    def unclipped(self, text: str) -> str:
        """``text`` with a kind-of-code word that is also a clipped word read as the word the reports write
        before the next word typed: "mod sedation" is moderate sedation (no modifier), when the reports write
        "moderate sedation", no other word of those letters before "sedation", and never "mod sedation"."""
        kinds = lexicon().type_words

        def whole(m: re.Match[str]) -> str:
            clip, then = m.group(1), m.group(2).lower()
            if clip.lower() in self.before.get(then, ()) or then in STOPWORDS or then in kinds:
                return m.group(0)
            # (Not another form of a kind-of-code word: "mod ga" stays a modifier's.)
            fits = {w for w in self.before.get(then, ()) if len(w) > len(clip) and w.startswith(clip.lower())
                    and w not in kinds}
            return f"{fits.pop()} {m.group(2)}" if len(fits) == 1 else m.group(0)

        typed = "|".join(re.escape(w) for w in sorted(kinds, key=len, reverse=True) if w.isalpha())
        return re.sub(rf"\b({typed}) ([a-z]+)\b", whole, text, flags=re.I)

    def read_initials(self, text: str) -> dict[str, str]:
        """The question's initialisms no report uses as a word (in capitals they are letters: "OSA"), each
        with the one name a table spells it as ("icd for gad" → {"gad": "generalized anxiety disorder"}), of
        those it ``may_mean``. A plural ("OTs") is its singular."""
        out = {}
        shorthand = lexicon().abbreviations
        for tok in re.findall(r"(?<![\w/-])[A-Za-z]{3,6}(?![\w/-])", text):
            low = (tok[:-1] if re.fullmatch(r"[A-Z]+s", tok) else tok).lower()
            # "GAD-7" is a scale's name, not the word "gad".
            used = _stemmer().stemWord(low) in self.df and low not in self.capitals
            # Staff shorthand, or its plural ("pts"), is the shorthand, not a table name's initials.
            if (used or low in STOPWORDS or low in lexicon().query_words or low in shorthand
                    or low.endswith("s") and low[:-1] in shorthand
                    or code_key(low) in self.by_key or low in self.aliases):
                continue
            names = {name for name in self.initialisms.get(low, ()) if self.may_mean(low, name)}
            if len(names) == 1:
                out[tok.lower()] = next(iter(names))
        return out

    def may_mean(self, letters: str, name: str) -> bool:
        """Whether a question's ``letters`` may be read as ``name``: no report writes them, or one that does
        also spells the name. Letters a report writes mean what it means by them ("BCC" in the Mohs report, "free
        T4" in the thyroid one), not a name only other reports give ("Birthing Clinic/Center", "thoracic")."""
        writers = {self.chunks[i].doc_code for i in self._postings.get(_stemmer().stemWord(letters.lower()), ())}
        return not writers or any(name.lower() in self._text_of(d) for d in writers)

    @lru_cache(maxsize=256)  # noqa: B019 (one Catalog per loaded index; read only for letters a question uses)
    def _text_of(self, doc_code: str) -> str:
        """A report's passages, lower-cased."""
        return "\n".join(c.text.lower() for c in self.chunks if c.doc_code == doc_code)

    def rows(self, key: str, kind: CodeType | None, scope: set[str]) -> list[Chunk]:
        """The rows listing a code (in the reports of ``scope``, when given); of its kind only, when the same
        characters are codes of two kinds (modifier 25 and place of service 25)."""
        rows = [self.chunks[i] for i in self.by_key.get(key, []) if not scope or self.chunks[i].doc_code in scope]
        kinds = set(PROCEDURE_KINDS) if kind in PROCEDURE_KINDS else {kind}
        return [r for r in rows if r.code_type in kinds] or rows

    def rows_under(self, key: str, scope: set[str]) -> list[Chunk]:
        """The ICD-10-CM rows listed under a category ``key`` no row lists itself ("F84" → F84.0, F84.5; "H61.2"
        → H61.21, H61.22): a code extends its category's characters, so the category is their prefix."""
        return [self.chunks[i] for k, ids in self.by_key.items() if len(k) > len(key) and k.startswith(key)
                for i in ids if self.chunks[i].code_type == "icd10" and (not scope or self.chunks[i].doc_code in scope)]

    def reports_holding(self, keys: Iterable[str]) -> set[str]:
        """The reports that list every one of the codes ``keys`` (empty when none are given)."""
        held = [{self.chunks[i].doc_code for i in self.by_key.get(k, [])} for k in keys]
        return set.intersection(*held) if held else set()

    def code_means(self, key: str, words: str | None, exactly: bool = False) -> bool:
        """Whether a listed code's own name (a row's description) says ``words`` (True when none are given):
        typed in lower case, "rt" is modifier RT "Right side" either way; "pt" (patient) is not modifier PT.
        ``exactly``: the name is those words and no more ("Technical component", not "Computed tomography
        services furnished using equipment that does not meet…")."""
        wanted = set(tokenize(words or ""))
        return not wanted or any(wanted == names if exactly else wanted <= names for i in self.by_key.get(key, [])
                                 if (names := set(tokenize(self.chunks[i].description))))

    def codes_of(self, code_type: CodeType, docs: Iterable[str] | None = None) -> list[str]:
        """The codes of one type the corpus (or the given reports) lists, in document order."""
        wanted = set(docs) if docs else None
        seen: dict[str, None] = {}
        for c in self.chunks:
            if c.code_type == code_type and c.code and (wanted is None or c.doc_code in wanted):
                seen.setdefault(c.code)
        return list(seen)

    def near_codes(self, key: str, scope: set[str] | None = None) -> list[str]:
        """The codes the corpus (or the reports in ``scope``) lists or reports on that are one slip from ``key``
        (a code key no report has): one wrong character or two neighbours swapped, as a typed code goes
        wrong ("92057" for 92507). Each as "<code> (<reports>)". None for a key of fewer than 4 characters,
        or when more than three codes are that near: one slip then reaches codes that differ by design (an
        ICD-10-CM code's siblings: F84.0 and F84.5 beside F84.3), which are no likely slip of it."""
        from rapidfuzz.distance import OSA

        if len(key) < 4:
            return []
        found: dict[str, set[str]] = defaultdict(set)
        for k, ids in self.by_key.items():
            if len(k) == len(key) and OSA.distance(k, key) == 1:
                for i in ids:
                    if not scope or self.chunks[i].doc_code in scope:
                        found[self.chunks[i].code or k].add(self.chunks[i].doc_code)
        for k, report in self.reports.items():
            if len(k) == len(key) and OSA.distance(k, key) == 1 and (not scope or report in scope):
                found[report].add(report)
        if len(found) > 3:
            return []
        return [f"{code} ({', '.join(sorted(found[code]))} report{'s' * (len(found[code]) > 1)})"
                for code in sorted(found)]

    def correct(self, text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The question with misspelled words and labels repaired, and the repairs (`spelling.Speller`)."""
        return self._speller.correct(text)
