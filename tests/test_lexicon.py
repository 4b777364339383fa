"""The domain's words are data (`assistant/data/lexicon.toml`): the file validates, every group says where
its entries come from, a malformed file names its bad entry, and no module keeps a specialty's words."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from assistant import lexicon as lx
from assistant.errors import LexiconError

PACKAGE = Path(lx.__file__).parent
RAW = tomllib.loads(lx.LEXICON_FILE.read_text(encoding="utf-8"))


def _groups() -> dict[str, dict]:
    """Each group of the file by its name (an abbreviation group as ``abbreviations.<name>``)."""
    out = {f"abbreviations.{k}": v for k, v in RAW["abbreviations"].items()}
    out.update({k: v for k, v in RAW.items() if k != "abbreviations"})
    return out


def test_the_packaged_lexicon_loads_and_validates():
    lex = lx.lexicon()
    assert lx.read(lx.LEXICON_FILE) == lex
    assert len(lex.abbreviations) >= 80 and len(lex.payer_names) >= 20 and len(lex.topics) >= 8
    assert lex.payer_aliases["bcbs"] == "Blue Cross Blue Shield"
    assert frozenset({"left", "right", "bilateral"}) in lex.contrasts
    assert lex.type_words["dx"] == "icd10" and "dx" in lex.query_words
    assert set(lex.intent_hints) <= {"site_of_service", "clinical_context", "payer"}
    # Names the code refers to: the facade's exception for a denial situation, the setting cue of a vignette.
    assert "payer coverage decisions" in lex.topics and "site_of_service" in lex.intent_hints


def test_every_group_says_where_its_entries_come_from():
    groups = _groups()
    assert len(groups) >= 15
    for name, group in groups.items():
        assert isinstance(group.get("source"), str) and len(group["source"].split()) >= 3, name


def test_every_pattern_compiles():
    lex = lx.lexicon()
    patterns = [p for pair in (*lex.topics.values(), *lex.answer_types) for p in pair]
    assert len(patterns) == 2 * (len(RAW["topics"]["entries"]) + len(RAW["answer_types"]["entries"]))
    assert all(isinstance(p, re.Pattern) for p in patterns)
    # `{payers}` is filled in: a question naming a payer's coverage asks for a coverage decision.
    ask = lex.topics["payer coverage decisions"][0]
    assert "{payers}" not in ask.pattern and ask.search("does aetna cover it")


def test_the_old_module_names_are_views_of_the_file():
    from assistant import query
    from assistant.query import ABBREVIATIONS, INTENT_HINTS, PAYER_NAMES, TOPICS
    from assistant.signals import ANSWER_TYPES, DEFINITION_WORDS, EXAMPLE_NAMES
    from assistant.vocab import CONTRASTS, TYPE_WORDS

    lex = lx.lexicon()
    assert ABBREVIATIONS is lex.abbreviations and TOPICS is lex.topics and PAYER_NAMES == lex.payer_names
    assert INTENT_HINTS is lex.intent_hints and CONTRASTS == lex.contrasts and TYPE_WORDS is lex.type_words
    assert ANSWER_TYPES == lex.answer_types and DEFINITION_WORDS == lex.definition_words
    assert EXAMPLE_NAMES == lex.example_names
    with pytest.raises(AttributeError, match="'assistant.query' has no attribute 'NO_SUCH_NAME'"):
        _ = query.NO_SUCH_NAME
    with pytest.raises(TypeError):
        ABBREVIATIONS["new"] = "entry"  # type: ignore[index]  # read-only: edit the file instead


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lexicon.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _packaged() -> str:
    return lx.LEXICON_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "where"), [
    # a pattern that does not compile
    ("ask = '\\b(w?rvus?|relative value)'", "ask = '\\b(w?rvus?|relative value'",
     r"group 'topics', entry 'RVUs', field 'ask': .*invalid regular expression"),
    # a group without its source line
    ('[contrasts]\nsource = "ICD-10-CM', '[contrasts]\nsourc = "ICD-10-CM', r"group 'contrasts'"),
    # an upper-case key never matches a lower-cased question
    ('gerd = "gastro-esophageal', 'GERD = "gastro-esophageal',
     r"group 'abbreviations.gastroenterology', entry 'GERD'.*lower case"),
    # one abbreviation in two groups would keep only one long form
    ('ibd = "inflammatory bowel disease"', 'ibd = "inflammatory bowel disease"\npt = "physical therapy"',
     r"'pt' is in both abbreviations.clinical and abbreviations.gastroenterology"),
    # a list entry is named by its place in the file
    ("ask = '\\bhow old\\b|\\bwhat age\\b'", "ask = '\\bhow old\\b|(?P<x'",
     r"group 'answer_types', entry '#3', field 'ask'"),
    # a spelling of a value no axis holds would never be used
    ('"same physician" = ', '"same doctor" = ', r"contrasts.spellings names \['same doctor'\]"),
    # an unknown kind of code
    ('cpt = ["cpt", "cpts"]', 'cpt = ["cpt", "cpts"]\nloinc = ["loinc"]', r"group 'type_words', entry 'loinc'"),
])
def test_a_malformed_lexicon_names_the_file_group_and_entry(tmp_path, old, new, where):
    text = _packaged()
    assert text.count(old) == 1, old
    path = _write(tmp_path, text.replace(old, new))
    with pytest.raises(LexiconError, match=where) as err:
        lx.read(path)
    assert str(err.value).startswith(str(path))


def test_a_file_that_is_not_toml_or_is_missing_says_so(tmp_path):
    with pytest.raises(LexiconError, match=r"lexicon\.toml: not valid TOML"):
        lx.read(_write(tmp_path, "[payers\nnames = ["))
    with pytest.raises(LexiconError, match=r"nothing\.toml: cannot read the lexicon"):
        lx.read(tmp_path / "nothing.toml")


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module's code: docstrings and comments explain, so they don't count."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


# Groups whose entries belong to a specialty or a payer, never to the pipeline's mechanism. (Billing
# shorthand such as "pos" or "asc" also names an intent in query.py's question patterns.)
SPECIALTY_GROUPS = ("clinical", "medicine", "oncology", "spine_and_pain", "gastroenterology", "radiology",
                    "ophthalmology")


def test_no_module_spells_out_a_specialty_or_a_payer():
    words = {*RAW["payers"]["names"], *RAW["payers"]["aliases"]}
    words |= {w for g in SPECIALTY_GROUPS for w in RAW["abbreviations"][g]["entries"] if len(w) >= 3}
    words |= {"intravitreal", "esophagitis", "macular"}  # specialty words the modules once held
    pattern = re.compile(rf"(?<![a-z])({'|'.join(sorted(map(re.escape, words)))})(?![a-z])", re.I)
    found = [f"{path.name}:{line}: {m.group(0)!r} in {text[:60]!r}"
             for path in sorted(PACKAGE.glob("*.py")) for line, text in _code_strings(path)
             if (m := pattern.search(text))]
    assert not found, "domain words belong in assistant/data/lexicon.toml:\n" + "\n".join(found)
