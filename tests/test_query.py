"""Question understanding on the real reports' catalog (no model needed): stems, abbreviations a
report defines, misspelled labels, what a question asks for."""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys

import pytest
from conftest import MULTI_FILES

from assistant.gaps import uncovered_topic
from assistant.ingest import parse as parse_report
from assistant.ingest import read_text
from assistant.query import Query, parse
from assistant.rules import bound_first
from assistant.select import query_views
from assistant.signals import (
    PRESENCE,
    answer_type,
    counts_asked,
    enumerates_payers,
    negated,
    negated_words,
    number_fit,
    numbers,
    ranges,
    renumbered,
)
from assistant.vocab import Catalog, initial_spellings, initials, long_form, tokenize


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    chunks = [c for path in MULTI_FILES for c in parse_report(read_text(path), path.name).chunks]
    return Catalog(chunks)


def test_four_digits_a_table_lists_are_a_code_and_a_ratio_is_not(catalog):
    report = read_text(MULTI_FILES[0]) + "\nFacility Billing\n| Revenue Code | Description |\n|---|---|\n" \
        "| 0762 | Observation room |\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    assert [c.key for c in parse("rev code 0762?", both).codes] == ["0762"]
    assert parse("is 0600t done 24/7 in the ed", both).codes == ()
    assert parse("pain went from 8/10 to 2/10 after 0600t", both).codes == ()


def test_letters_joined_to_a_number_are_an_adjustment_code_not_a_modifier(catalog):
    """"CO-16" is a claim adjustment (group CO, reason 16), not modifier CO, though a report lists CO."""
    report = read_text(MULTI_FILES[0]) + "\nModifiers\n| Modifier | Description | When to Use |\n|---|---|---|\n" \
        "| CO | Occupational therapy assistant | Services furnished in whole or part by an OTA. |\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    assert [c.key for c in parse("when is CO used with 0600t", both).codes] == ["CO"]
    assert "CO" not in [c.key for c in parse("0600t denied CO-16 with MA120, what is missing", both).codes]


def test_a_bare_number_after_a_counted_quantity_is_a_quantity(catalog):
    """A follow-up to a question counting minutes asks about another count, not for modifier 51."""
    history = ["the case took 45 min, what code"]
    assert parse("and if it went 51?", catalog, history).codes == ()
    assert [c.key for c in parse("and mod 51?", catalog, history).codes] == ["51"]
    assert [c.key for c in parse("and if it went 51?", catalog, ["when do i use 22"]).codes] == ["51"]


def test_the_plural_of_letters_is_the_letters():
    assert tokenize("LMFTs and CRNAs") == tokenize("LMFT and CRNA") == ["lmft", "crna"]


def test_a_negative_contraction_is_its_verb_and_not():
    """"isn't" is "is not" (no word "isn" to look for); "won't" and "can't" too, with either apostrophe."""
    assert tokenize("what isn't included") == tokenize("what is not included") == ["not", "includ"]
    assert tokenize("won't pay") == tokenize("can\u2019t pay") == ["not", "pay"]


def test_a_condition_named_itis_is_one_word_not_its_organ_or_a_verb():
    """Stemmed, "appendicitis" was "append" (the verb of every modifier row), "sinusitis" "sinus"."""
    assert tokenize("appendicitis") == ["appendicitis"] != tokenize("append")
    assert tokenize("sinusitis sinus esophagitis esophageal") == ["sinusitis", "sinus", "esophagitis", "esophag"]


def test_tokens_are_stems_and_word_parts():
    assert tokenize("placed placement") == ["place", "placement"]
    assert tokenize("Follow-up imaging") == tokenize("follow up images")
    assert tokenize("C18.9 and 0600T") == ["c189", "0600t"]
    # Letters and a number name one thing, hyphenated or not ("PHQ-9", "phq9"; a CARC "CO-151").
    assert tokenize("PHQ-9 and gad7, CO-151") == tokenize("phq9 and GAD-7, co151") == ["phq9", "gad7", "co151"]


@pytest.mark.parametrize(("before", "abbr", "expected"), [
    ("percutaneous irreversible electroporation", "IRE", "irreversible electroporation"),
    ("a hospital outpatient department", "HOPD", "hospital outpatient department"),
    ("with an advance beneficiary notice", "ABN", "advance beneficiary notice"),
    ("is given under general anesthesia", "IRE", None),
    ("a single word", "X", None),
    # One word inside that the letters skip; not a trailing one, nor two.
    ("by a physician or other qualified health care professional", "QHP", "qualified health care professional"),
    ("nightly continuous positive airway pressure ventilation", "CPAP", None),
    ("with a care plan that each physician reviews", "CPR", None),
])
def test_long_form_follows_the_letters_of_the_abbreviation(before, abbr, expected):
    assert long_form(before, abbr) == expected


@pytest.mark.parametrize(("name", "letters"), [
    ("Obstructive sleep apnea", "osa"), ("Post-traumatic stress disorder", "ptsd"),
    ("Vascular & Interventional Radiology", "vir"), ("Malignant neoplasm of colon", "mnc"),
    ("Colon", ""), ("Malignant neoplasm of the upper outer quadrant of the right breast", ""),
])
def test_initials_of_a_name(name, letters):
    assert initials(name) == letters


@pytest.mark.parametrize(("name", "ways"), [
    ("dual-energy x-ray absorptiometry", {"dxa", "dexa", "dxra", "dexra"}),
    ("non-small cell lung cancer", {"nclc", "nsclc"}),
    ("obstructive sleep apnea", {"osa"}),
    ("colon", set()),
])
def test_a_hyphenated_word_gives_one_initial_or_one_per_part(name, ways):
    assert initial_spellings(name) == ways


def test_a_name_a_table_spells_out_reads_for_its_initials(catalog):
    """"rsi" is the related-code rows' "Radiological supervision and interpretation"; letters a report
    uses as a word ("ire", defined by 0600T) or two names share are not read that way."""
    q = parse("is rsi billed with 0600t", catalog)
    assert "radiological supervision and interpretation" in q.expansions
    assert "rsi" in q.spelled_out
    assert catalog.read_initials("modifier 53 for ire") == {}


def test_a_word_the_model_knows_whole_is_not_a_typo(catalog):
    """"house" is no report's word, but the embedding model's tokenizer holds it whole: it is spelled
    right, so typo repair does not make it a report's "hose". A misspelling is not held whole."""
    from assistant.embed import Embedder

    words = Embedder().whole_words()
    assert "house" in words and "inflammed" not in words
    report = read_text(MULTI_FILES[0]) + "\nSite of Service\nThe irrigation hose is single use.\n"
    chunks = [*catalog.chunks, *parse_report(report, "0600T.txt").chunks]
    assert parse("pt treated at their house after 0600t", Catalog(chunks)).corrections == (("house", "hose"),)
    assert parse("pt treated at their house after 0600t", Catalog(chunks, words)).corrections == ()


def test_a_glue_word_missing_its_last_letter_is_that_word(catalog):
    """"befor" is how the stemmer spells "before": a glue word typed short, not the clipped start of a report's
    "beforehand"."""
    report = read_text(MULTI_FILES[0]) + "\nSite of Service\nThe device is primed beforehand.\n"
    chunks = [*catalog.chunks, *parse_report(report, "0600T.txt").chunks]
    assert parse("modifier befor 0600t", Catalog(chunks)).corrections == (("befor", "before"),)


def test_a_kind_of_code_word_clipped_from_a_report_word_is_that_word(catalog):
    """"mod sedation" is moderate sedation where a report writes "moderate sedation": no modifier is asked
    for. "mod 25" and "mod ga" stay modifiers, and without such a report "mod sedation" is left as typed."""
    assert parse("mod sedation code for a 4 yo", catalog).target == "modifier"
    report = read_text(MULTI_FILES[0]) + "\nSedation\nModerate sedation by the same physician is reported separately.\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    q = parse("mod sedation code for a 4 yo", both)
    assert q.target is None and "moderate sedation" in q.text
    assert parse("what mod for the bilateral one", both).target == "modifier"
    assert [c.key for c in parse("mod 53 for 0600t", both).codes] == ["53"]


def test_letters_and_a_digit_typed_after_the_word_a_report_names_them_with_are_that_name(catalog):
    """"free t4" is the thyroid test a report writes as "reflex free T4", not modifier T4 (left fifth toe),
    which another report's table lists; "is t4 the left 5th toe" and "toe T4" still ask about the modifier."""
    report = read_text(MULTI_FILES[0]) + "\nModifiers\n| Modifier | Description | When to Use |\n|---|---|---|\n" \
        "| T4 | Left foot, fifth digit | Hammertoe correction of the left fifth toe. |\n"
    toes = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    assert [c.key for c in parse("cpt for free t4", toes).codes] == ["T4"]
    thyroid = read_text(MULTI_FILES[1]) + "\nBilling Tips\nBill the reflex free T4 only when the TSH triggered it.\n"
    both = Catalog([*toes.chunks, *parse_report(thyroid, "0441T.txt").chunks])
    assert parse("cpt for free t4", both).codes == ()
    assert [c.key for c in parse("is t4 the left 5th toe?", both).codes] == ["T4"]
    assert [c.key for c in parse("hammertoe fix on toe T4, any modifier?", both).codes] == ["T4"]


def test_a_follow_up_opening_on_another_case_contrasts_with_the_earlier_turn(catalog):
    """"and if it's on the sacrum" sets another case beside the earlier one; "is it billed per unit" asks
    about the same one."""
    history = ["dx code for a heel pressure ulcer stage 3"]
    assert parse("and if it's on the sacrum", catalog, history).contrasts
    assert parse("what about the left one", catalog, history).contrasts
    assert not parse("is it billed per unit", catalog, history).contrasts
    assert not parse("and if it's on the sacrum", catalog).contrasts  # no earlier turn: no follow-up


def test_a_word_of_the_diagnosis_code_set_is_not_a_typo(catalog):
    """"cauda" is one letter from a report's "caudal", but ICD-10-CM spells it ("Cauda equina syndrome"):
    it is spelled right, and the question keeps the condition no report lists. A slip ICD-10-CM does not
    spell ("modifer") is still repaired."""
    from assistant.icd import icd_words

    terms = icd_words().spellings
    assert "cauda" in terms and "modifer" not in terms
    report = read_text(MULTI_FILES[0]) + "\nSite of Service\nA caudal approach is used.\n"
    chunks = [*catalog.chunks, *parse_report(report, "0600T.txt").chunks]
    assert parse("icd for cauda equina syndrome", Catalog(chunks)).corrections == (("cauda", "caudal"),)
    assert parse("icd for cauda equina syndrome", Catalog(chunks, terms=terms)).corrections == ()
    assert parse("modifer for cauda equina", Catalog(chunks, terms=terms)).corrections == (("modifer", "modifier"),)


def test_the_code_sets_name_is_one_word_not_a_number(catalog):
    """"icd 10 code for …": the 10 is the code set's name, not a number the question states (a number would
    keep ICD-10-CM from telling that no listed row describes the condition)."""
    for typed in ("icd 10 code for sickle cell disease", "ICD10 code for sickle cell disease",
                  "icd-10 cm code for sickle cell disease"):
        q = parse(typed, catalog)
        assert "10" not in q.terms and "sickl" in q.terms, (typed, q.terms)


def test_staff_shorthand_and_its_plural_are_not_a_names_initials(catalog):
    """"pts" is the patients of staff shorthand ("pt"), not the initials of a row's "Pain in thoracic spine"."""
    spine = parse_report(read_text(MULTI_FILES[0]) + "\nRelated Diagnoses\n| ICD-10 Code | Description | Notes |\n"
                         "|---|---|---|\n| M54.6 | Pain in thoracic spine | Mid-back pain. |\n"
                         "| M54.50 | Low back pain | Lumbar pain. |\n", "0600T.txt")
    both = Catalog([*catalog.chunks, *spine.chunks])
    assert "low back pain" in parse("dx when pts have lbp", both).expansions  # initials no shorthand holds
    assert "pain in thoracic spine" not in parse("dx when pts mom had breast ca", both).expansions


def test_initials_two_names_share_are_not_read_as_either(catalog):
    report = read_text(MULTI_FILES[0]) + "\nRelated Codes\n| Code | Description |\n|---|---|\n" \
        "| 99999 | Radiologic survey of implants |\n"
    shared = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    assert len(shared.initialisms["rsi"]) == 2
    assert "rsi" not in shared.read_initials("is rsi billed with 0600t")


def test_letters_a_report_writes_mean_what_it_means_not_another_reports_name(catalog):
    """0581T's related rows spell "Radiological supervision and interpretation" (rsi). A report writing "RSI" for
    something else means that: its letters are not read as the other report's name. A report that writes the
    letters and spells the name reads them so."""
    assert catalog.read_initials("is rsi billed with 0600t") == {"rsi": "radiological supervision and interpretation"}
    own = read_text(MULTI_FILES[1]) + "\nBilling Tips\nScore the RSI (repetitive strain index) before billing.\n"
    other = Catalog([*catalog.chunks, *parse_report(own, "0441T.txt").chunks])
    assert other.read_initials("is rsi billed with 0600t") == {}
    spelled = own + "It is not the radiological supervision and interpretation of 0581T.\n"
    both = Catalog([*catalog.chunks, *parse_report(spelled, "0441T.txt").chunks])
    assert "rsi" in both.read_initials("is rsi billed with 0600t")


def test_letters_a_report_writes_read_as_the_head_of_its_rows_name(catalog):
    """The Mohs report writes "BCC" and lists "Basal cell carcinoma of skin of nose": the letters are that
    name's head, not another report's "Birthing Clinic/Center", which spells them too."""
    birth = read_text(MULTI_FILES[1]) + "\nProvider Taxonomy\n| Taxonomy Code | Description |\n|---|---|\n" \
        "| 261QB0400X | Birthing Clinic/Center |\n"
    skin = read_text(MULTI_FILES[2]) + "\nRelated Diagnoses\n| ICD-10 Code | Description | Notes |\n|---|---|---|\n" \
        "| C44.311 | Basal cell carcinoma of skin of nose | Nasal BCC is high risk. |\n"
    both = Catalog([*catalog.chunks, *parse_report(birth, "0441T.txt").chunks, *parse_report(skin, "0581T.txt").chunks])
    assert both.initialisms["bcc"] == {"birthing clinic/center", "basal cell carcinoma"}
    assert both.read_initials("dx for bcc on the nose") == {"bcc": "basal cell carcinoma"}


def test_a_spinal_level_names_its_region_unless_a_report_writes_it_for_something_else(catalog):
    """"t4" is the fourth thoracic vertebra, unless a report writes "T4" and never "thoracic" (a thyroid
    report's "free T4"): then it is that report's word."""
    assert "thoracic" in parse("facet injection at t4", catalog).expansions
    thyroid = read_text(MULTI_FILES[1]) + "\nBilling Tips\nBill the reflex free T4 only when the TSH triggered it.\n"
    assert "thoracic" not in thyroid.lower()
    both = Catalog([*catalog.chunks, *parse_report(thyroid, "0441T.txt").chunks])
    assert "thoracic" not in parse("cpt for free t4", both).expansions


@pytest.mark.parametrize(("text", "question", "without", "topic"), [
    # A row is read with its column names: "Medicare | Covered" under "Coverage Status" is a coverage decision.
    ("Summary & Overview\nCPT 12001: Simple repair of superficial wounds\nCPT code 12001 reports a simple "
     "repair.\nPayer Coverage\n| Payer | Coverage Status | Notes |\n|---|---|---|\n"
     "| Medicare | Covered | Paid under the physician fee schedule. |\n",
     "does medicare cover 12001", ("| Covered |", "| Not available |"), "payer coverage decisions"),
    # "National Coverage Determination 230.1" names an NCD as "NCD 230.1" does; without the number, none.
    ("Summary & Overview\nCPT 50590: Lithotripsy, extracorporeal shock wave\nCPT code 50590 reports "
     "lithotripsy.\nPayer Considerations\nMedicare: ESWL is covered under National Coverage Determination "
     "230.1 (Treatment of Kidney Stones).\n",
     "does medicare cover eswl, which ncd", (" 230.1", ""), "LCD or NCD numbers"),
])
def test_a_fact_the_report_states_in_its_own_form_is_not_refused_as_left_out(text, question, without, topic):
    """A fact a report states, however it writes it, is no topic it leaves out; the same report without it is."""
    chunks = parse_report(text, "12001.txt").chunks
    assert uncovered_topic(parse(question, Catalog(chunks)), chunks) is None
    lacking = parse_report(text.replace(*without), "12001.txt").chunks
    assert topic in uncovered_topic(parse(question, Catalog(lacking)), lacking)


def test_names_the_opening_descriptor_capitalises_name_its_report(catalog):
    """0600T opens "CPT code 0600T denotes percutaneous irreversible electroporation (IRE) ablation…": IRE
    names the report; the sentence's other words ("denotes", "organs") do not."""
    assert catalog.title_words.get("ire") == "0600T"
    assert not {"denot", "organ"} & set(catalog.title_words)


def test_a_report_defined_abbreviation_names_its_report(catalog):
    assert catalog.aliases["ire"] == "irreversible electroporation"
    assert catalog.names["ire"] == {"0600T"}
    assert parse("modifier 53 for ire", catalog).reports == ("0600T",)
    assert parse("modifier 53", catalog).reports == ()


def test_a_slip_is_mended_to_the_word_fewest_slips_away(catalog):
    """"servise" is one wrong letter from "service" and two left-out letters from "supervise", which a
    similarity ratio ranks closer (it counts a wrong letter as two edits)."""
    report = read_text(MULTI_FILES[0]) + "\nSupervision\nThe physician must supervise the procedure.\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    assert parse("place of servise for 0600t", both).corrections == (("servise", "service"),)


def test_a_swapped_pair_of_letters_is_that_word_not_a_clipped_one(catalog):
    """"gose" begins the word "goserelin" of a report, but is "goes" with two letters swapped, the likelier
    slip; "wiht" is "with"."""
    report = read_text(MULTI_FILES[0]) + "\nDrugs\nGoserelin implant is given before the procedure.\n"
    # "goes" is a word the model knows, though no report uses it.
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks], frozenset({"goes"}))
    q = parse("wat modifer gose on the e/m wiht 0600t", both)
    assert ("gose", "goes") in q.corrections and ("wiht", "with") in q.corrections, q.corrections
    assert "goserelin" not in q.text


def test_letters_beginning_several_report_words_are_clipped_not_swapped_into_another_word(catalog):
    """"pulm" is "plum" with two letters swapped, a word the model knows but no report uses; the letters begin
    pulmonary, pulmonology and pulmonologist, as staff clip a word with many forms. ("gose", beginning one
    report word only, stays "goes".)"""
    report = read_text(MULTI_FILES[0]) + ("\nSite of Service\nPulmonary function testing is done in pulmonology "
                                          "practices; a pulmonologist reads the pulmonary study.\n")
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks], frozenset({"plum"}))
    assert parse("pos for the pulm office 0600t", both).corrections == (("pulm", "pulmonary"),)


def test_a_start_several_report_words_share_is_clipped_not_swapped_into_another_word(catalog):
    """"chole" is "chloe" with two letters swapped, a name the model knows but no report uses; the letters begin
    cholecystectomy, cholecystitis and cholelithiasis, words of no one form: staff's "lap chole" is the most
    used of them."""
    report = read_text(MULTI_FILES[0]) + ("\nIndications\nA cholecystectomy treats cholelithiasis with "
                                          "cholecystitis.\nApproach\nEach cholecystectomy is laparoscopic.\n")
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks], frozenset({"chloe"}))
    assert parse("is lap chole covered by tricare", both).corrections == (("chole", "cholecystectomy"),)


def test_one_wrong_letter_in_five_is_a_slip_when_one_report_word_is_that_near(catalog):
    report = read_text(MULTI_FILES[0]) + "\nGroup sessions\nA group of patients is treated together.\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    assert ("groop", "group") in parse("cpt for groop sessions", both).corrections


def test_misspelled_label_is_repaired_as_a_phrase(catalog):
    q = parse("sight of service for 0600t", catalog)
    assert "site of service" in q.text and ("sight of service", "site of service") in q.corrections
    # Real words that are not a misspelling of the label stay as typed.
    assert "type of service" in parse("type of service for 0600t", catalog).text


def test_a_one_or_two_letter_word_is_shorthand_not_a_slip_of_a_label(catalog):
    """With a heading "Reporting the CPT Code", "the pt" had been repaired to "the cpt" as a misspelled
    phrase of that label: a patient became a code set."""
    report = read_text(MULTI_FILES[0]) + "\nReporting the CPT Code\nReport one unit per session.\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    q = parse("what if the pt themselves says no", both)
    assert "the pt themselves" in q.text and q.corrections == ()
    assert "reporting the cpt" in parse("reportng the cpt code", both).text.lower()


def test_a_negated_word_asks_for_the_row_without_it():
    """"nothing abnormal found" asks for the row "without abnormal findings"; the one "with abnormal
    findings" states another value."""
    from assistant.signals import contradicts, states

    asked = "dx when nothing abnormal found"
    assert contradicts(asked, "Encounter for general adult medical examination with abnormal findings")
    assert states(asked, "Encounter for general adult medical examination without abnormal findings")
    assert not contradicts(asked, "Encounter for general adult medical examination without abnormal findings")


def test_a_device_put_in_is_not_one_taken_out_nor_a_ct_an_mri():
    """CPT descriptors tell an insertion from a removal, and a CT from an MRI: a row stating the other is
    another code."""
    from assistant.signals import contradicts

    removal = "Cystourethroscopy, with removal of foreign body, calculus, or ureteral stent from urethra or bladder"
    assert contradicts("cysto with ureteral stent insertion cpt", removal) == ("insertion", "removal")
    assert contradicts("cysto with stent removal code", removal) is None
    assert contradicts("ct of the head code", "MRI brain without contrast") == ("ct", "mri")


def test_who_repeats_a_service_is_a_contrast_however_it_is_written():
    """CPT's repeat modifiers turn on who repeats the service: "a different provider" is the 77 row's
    "another physician", not the 76 row's "same physician", whatever else both say ("same day")."""
    from assistant.signals import contradicts

    same = "Repeat procedure or service by same physician or other qualified health care professional"
    another = "Repeat procedure by another physician or other qualified health care professional"
    asked = "different provider repeated the bladder scan same day, what modifier"
    assert contradicts(asked, same) == ("another physician", "same physician")
    assert contradicts(asked, another) is None
    assert contradicts("2nd ekg same day same doc, mod?", another) == ("same physician", "another physician")
    assert contradicts("a different rad reads it", same) and not contradicts("the same list of codes", another)


def test_letters_most_of_their_defining_reports_do_not_name_are_no_report_name():
    """"(E/M)" spelled out in three reports, one of whose titles holds "evaluation and management", is the field's
    common term; "(I&D)", spelled out only by the incision and drainage report, names it."""
    def report(code: str, title: str, prose: str):
        return parse_report(f"CPT {code} — {title}\n\nOverview\n\n{prose}\n", f"{code}.txt").chunks

    visit = "A separate evaluation and management (E/M) visit the same day needs modifier 25."
    catalog = Catalog([*report("99291", "Critical Care Evaluation and Management",
                               "Critical care is a time-based evaluation and management (E/M) service."),
                       *report("10060", "Incision and Drainage of Abscess",
                               f"Incision and drainage (I&D) opens the abscess. {visit}"),
                       *report("11102", "Tangential Biopsy of Skin", f"A shave biopsy samples a lesion. {visit}")])
    assert catalog.names == {"i&d": {"10060"}}


def test_a_word_then_meaning_asks_for_a_definition(catalog):
    assert parse("paronychia meaning", catalog).intent == "definition"


@pytest.mark.parametrize("question", ["what are the rhythm ecg codes", "pt eval codes list",
                                      "which of the related cryoablation codes"])
def test_codes_asked_in_the_plural_are_a_list(catalog, question):
    """"what are the … codes" (four words between), "… codes list": a list, with no kind of code named."""
    assert parse(question, catalog).intent == "list"


@pytest.mark.parametrize(("question", "target"), [
    ("pt signed abn bc drug might not be covered for dx - mod?", "modifier"),
    ("hospice pt, the pcp talks about the terminal dx. modifier?", "modifier"),
    ("medicare pt signed the waiver since dx might not meet the lcd, what modifier", "modifier"),
    ("which dx goes with the modifier 25 visit", "icd10"),
    ("related cpt/hcpcs codes?", "cpt"),
])
def test_of_two_kinds_of_code_the_one_asked_is_the_target(catalog, question, target):
    """The kind a question ends on or asks "what/which" of is asked; another it names says what it is about."""
    assert parse(question, catalog).target == target


@pytest.fixture(scope="module")
def bilateral(catalog) -> Catalog:
    """The fixture reports and one listing modifier 50."""
    table = "\nModifiers\n| Modifier | Description |\n|---|---|\n| 50 | Bilateral procedure |\n"
    report = read_text(MULTI_FILES[0]) + table
    return Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])


@pytest.mark.parametrize("question", ["npwt code for a wound under 50 sq cm", "wound is 50 square cm, which code"])
def test_a_number_with_a_unit_of_area_is_a_measure_not_a_modifier(bilateral, question):
    """"50 sq cm" is a wound's area, as "25 min" is a time: not modifier 50, which a bare 50 is."""
    assert "50" not in {c.key for c in parse(question, bilateral).codes}
    assert "50" in {c.key for c in parse("both sides done, is 50 right", bilateral).codes}


def test_how_many_asks_for_a_number_of_what_it_counts():
    from assistant.signals import counted, states_count

    assert counted("how many min of crit care did they document") == ("min",)
    assert states_count("Her documented critical care time is 95 minutes.", "min")
    assert not states_count("The intensivist (Critical Care, 207RC0200X) sees her at 7 am.", "min")
    assert states_count("The podiatrist debrides all eight nails.", counted("how many nails were done"))
    assert states_count("MMR with counseling is 90460 x1 and 90461 x2.", "unit")
    assert counted("what units is it billed in") == ()


def test_how_many_counts_the_whole_noun_phrase_it_opens():
    """"how many global days" counts days, which a sentence may give as "0 days"; the phrase ends before the
    verb ("does"), a number or a participle ("billed")."""
    from assistant.signals import counted, states_count

    assert counted("how many global days does 31231 carry") == ("global", "day")
    assert states_count("The Medicare global period is 0 days (000).", counted("how many global days does it carry"))
    assert counted("how many units billed for the visit") == ("unit",)
    assert not states_count("Code 17003 billed once.", counted("how many units billed for the visit"))


def test_a_row_without_a_named_word_contradicts_and_a_passage_does_not():
    """A row's "without X" excludes X from its code; a passage's "without sedation" may answer "sedation?"."""
    from assistant.signals import contradicts, excluded, negated_words, states

    asked = "ecg interpretation only cpt"
    tracing = "Electrocardiogram, routine ECG; tracing only, without interpretation and report"
    reading = "Electrocardiogram, routine ECG; interpretation and report only"
    assert contradicts(asked, tracing, row=True) == ("interpretation", "without interpretation")
    assert contradicts(asked, tracing) is None and contradicts(asked, reading, row=True) is None
    assert states(asked, reading, excluded(asked, tracing)) and not states(asked, reading)
    assert negated_words("ecg tracing w/out interpretation") == {"interpret"}  # shorthand for "without"


def test_without_one_thing_or_another_is_without_either():
    """ICD-10-CM's "without obstruction or gangrene", a note's "no biopsy or ECC": the row excludes both, so a
    question with gangrene, or doing the ECC, asks for another row; one with neither is this one's."""
    from assistant.signals import contradicts, states

    hernia = "K40.90 Unilateral inguinal hernia, without obstruction or gangrene, not specified as recurrent"
    assert contradicts("unilateral inguinal hernia with gangrene dx", hernia, row=True) == (
        "with gangrene", "without gangrene")
    assert contradicts("inguinal hernia no gangrene dx", hernia, row=True) is None
    assert states("inguinal hernia no gangrene dx", hernia)
    scope_only = "57452 Colposcopy of the cervix including upper/adjacent vagina: Colposcopy only, no biopsy or ECC."
    assert contradicts("colpo w just ecc no biopsy cpt", scope_only, row=True) == ("ecc", "without ecc")
    assert contradicts("colpo no biopsy no ecc cpt", scope_only, row=True) is None
    # Only a "without" carries over: "with obstruction or gangrene" may have either.
    assert contradicts("hernia without gangrene", "K40.30 Unilateral inguinal hernia, with obstruction, "
                       "without gangrene", row=True) is None


def test_a_with_under_a_negated_verb_is_a_without():
    """"not treated with insulin" (HCPCS modifier KS) is the row without insulin: a question saying the patient
    is on insulin asks for another row, and one saying "not on insulin" for this one. A negation naming the
    phrase ("does not qualify as 'with contrast'") does not negate it."""
    from assistant.signals import contradicts, states

    ks = "Glucose monitor supply for diabetic beneficiary not treated with insulin"
    assert contradicts("what modifier if the pt is on insulin", ks, row=True) == ("insulin", "without insulin")
    assert contradicts("and if they're not on insulin?", ks, row=True) is None
    assert states("and if they're not on insulin?", ks)
    g0279 = "3D add-on for the diagnostic codes; it is not reported with screening 77067 (use 77063 instead)."
    assert contradicts("3d add on code with screening mammo", g0279) == ("with screening", "without screening")
    oral = 'Oral contrast alone does not qualify as "with contrast"; the contrast must be given intravascularly.'
    assert contradicts("what counts as with contrast", oral) is None


def test_another_form_of_a_corpus_word_is_not_a_typo(catalog):
    q = parse("what does 0441t cover", catalog)
    assert q.corrections == () and "cover" in q.text



def test_a_clipped_word_reads_as_the_word_it_begins(catalog):
    """Staff shorten words ("cryo", "mammo"): a word that no report uses but that begins one of theirs is
    read as the most used word it begins, not repaired to a near word ("cysto" is no "cyst")."""
    report = read_text(MULTI_FILES[0]) + ("\nSite of Service\nA cystoscopy or a cystourethroscopy is done in the"
                                          " office; a cystoscopy is quick. A cyst is not scoped.\n")
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    q = parse("pos for a cysto after 0600t", both)
    assert q.corrections == (("cysto", "cystoscopy"),) and "a cystoscopy after" in q.text
    assert parse("pos for a cyst after 0600t", both).corrections == ()  # a word of the reports is left as typed


def test_one_wrong_letter_in_a_long_word_is_a_slip_when_one_report_word_is_that_near(catalog):
    """"byopsy" is one letter from "biopsy" only: a slip. "bittle" is one letter from both "bottle" and
    "battle": which one was meant is anyone's guess, so it stays as typed."""
    report = read_text(MULTI_FILES[0]) + ("\nSite of Service\nA cystoscopy with biopsy is quick. The bottle and the"
                                          " battle are both here.\n")
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    assert parse("cystoscopy w byopsy 0600t", both).corrections == (("byopsy", "biopsy"),)
    assert parse("bittle for 0600t", both).corrections == ()


def test_a_four_letter_clip_reads_as_its_one_word_family(catalog):
    """Four letters ("anes", "cyst") are a clipped word only when every report word they begin is of one
    family ("anesthesia", "anesthesiologist"); begun words of several families ("cyst", "cystoscopy") leave
    them as typed, and so do words the model knows ("kind") and the lexicon's shorthand ("path")."""
    report = read_text(MULTI_FILES[0]) + ("\nSite of Service\nThe anesthesiologist gives general anesthesia. A"
                                          " cystoscopy is quick; a cystic lesion is not scoped.\n")
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks], frozenset({"kind"}))
    q = parse("who gives anes for 0600t", both)
    assert q.corrections == (("anes", "anesthesia"),) and "gives anesthesia for" in q.text
    assert parse("pos for a cyst after 0600t", both).corrections == ()
    assert parse("what kind of path for 0600t", both).corrections == ()


def test_a_form_of_a_question_word_is_not_a_typo(catalog):
    """"getting" is a form of "get", which questions use though no report does: not the report's "setting"."""
    report = read_text(MULTI_FILES[0]) + "\nSite of Service\nThe office setting is typical.\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    q = parse("pt has trouble getting around after 0600t", both)
    assert q.corrections == () and "getting" in q.text
    assert parse("which seting for 0600t", both).corrections == (("seting", "setting"),)


@pytest.mark.parametrize(("question", "fact"), [
    ("how does ire work", True),
    ("is 0600t an office procedure", True),
    ("can 0581t be done in the office", True),
    ("what is the code for ct guidance", False),
    ("pt needed general anesthesia for something normally done under local", False),
])
def test_fact_questions_are_told_from_code_requests(catalog, question, fact):
    assert parse(question, catalog).fact_question is fact


def test_setting_and_example_intents(catalog):
    assert parse("is 0600t an office procedure", catalog).intent == "site_of_service"
    assert parse("pt comes to the office for planning, which e/m", catalog).intent != "site_of_service"
    assert parse("where in the kidney was the tumor in the example", catalog).intent == "clinical_context"
    assert parse("what did the block show in the 0441t case", catalog).intent == "clinical_context"
    # "where" asked of a service given is its setting; asked of a finding, a place in the body.
    hint = "typical site of service"
    assert hint in parse("where was the example pt seen", catalog).expansions
    assert hint not in parse("in the vignette, where was the lesion and how large", catalog).expansions


@pytest.mark.parametrize("question", ["write me a poem about billing", "compose a haiku on modifiers"])
def test_writing_requests_are_recognised(catalog, question):
    assert parse(question, catalog).writing_request


def test_quantity_question_is_not_a_payment_question(catalog):
    assert "payment amounts" not in parse("how much product was injected in the example", catalog).topics
    assert "payment amounts" in parse("how much does medicare pay for 0600t", catalog).topics
    assert "MUEs" in parse("how many units of 0600t can i bill", catalog).topics


@pytest.mark.parametrize("question", ["pt switched to the every 6 wk schedule, how many units now",
                                      "how many units did the lab bill in the case",
                                      "did 40 min of exercise, how many units"])
def test_a_count_of_units_is_not_a_question_about_their_limit(catalog, question):
    # A report computes units (1 mg per unit, the 8-minute rule); only a limit on them is an MUE question.
    assert "MUEs" not in parse(question, catalog).topics


@pytest.mark.parametrize("question", ["mue for 0600t", "max units of 0441t per day", "units per day limit for 0581t"])
def test_a_limit_on_units_is_an_mue_question(catalog, question):
    assert "MUEs" in parse(question, catalog).topics


def test_a_number_of_anesthesia_base_units_is_data_a_report_rarely_gives(catalog):
    """How many base units is a number from CMS's base-unit file; "base units plus time" is how anesthesia is paid."""
    assert "anesthesia base units" in parse("anesthesia base units for the crna on a cataract case", catalog).topics
    assert "anesthesia base units" in parse("how many base units is 00790", catalog).topics
    assert "anesthesia base units" not in parse("is it paid as base units plus time units", catalog).topics


def test_a_rate_that_is_not_money_is_not_a_payment_question(catalog):
    assert "payment amounts" not in parse("bilevel device without a backup rate, which code", catalog).topics
    assert "payment amounts" in parse("bcbs reimbursement rate for 0600t", catalog).topics


@pytest.mark.parametrize(("question", "amount"), [
    ("does medicare make the pt pay coinsurance on 0600t", False), ("does aetna pay for 0600t", False),
    ("what does aetna pay for 0600t", True), ("how much does medicare pay for 0441t", True),
    ("whats medicare paying for 0581t this year", True), ("0600t fee?", True),
    # Opening with a verb asks whether: coverage, or what a fee is paid from, not how much.
    ("does medicare pay the collection fee if the pt collects the specimen", False),
    ("is 0600t paid off the physician fee schedule", False), ("is the cost of the probe part of 0600t", False),
    ("does medicare pay more than $500 for 0600t", True), ("can you tell me how much is paid for 0600t", True),
])
def test_pay_alone_does_not_ask_for_an_amount(catalog, question, amount):
    """Cost sharing and coverage are asked with "pay" too; an amount is asked with "how much", "what … pays",
    a rate, a fee or a price."""
    assert ("payment amounts" in parse(question, catalog).topics) is amount


@pytest.mark.parametrize(("question", "target"), [
    ("pt signed the waiver for 0600t, what do i put on the line", "modifier"),
    ("our group only reads the images for 0600t, what do we add to the claim", "modifier"),
    ("where does the ndc go on the claim for 0600t", None),
    # ...or on the code of a service already chosen: codes don't go on codes, modifiers do.
    ("saw pt yesterday and decided to do the 0600t today, what goes on the e/m", "modifier"),
    ("doc did critical care and also put in a line, what goes on the 99291", "modifier"),
    ("what dx codes go on the claim for the 0600t example", "icd10"),
])
def test_what_goes_on_the_claim_line_asks_for_a_modifier(catalog, question, target):
    assert parse(question, catalog).target == target


def test_which_codes_without_a_kind_asks_for_a_list(catalog):
    q = parse("which guidance codes are listed for 0600t", catalog)
    assert q.intent == "list" and q.target is None
    assert parse("what does uhc do with guidance codes billed with 0600t", catalog).intent != "list"


def test_pointing_back_keeps_the_earlier_question(catalog):
    q = parse("is that per level?", catalog, ["whats the add-on code for 0441T"])
    assert q.followup and "add-on code" in q.context


@pytest.mark.parametrize(("question", "answer", "other"), [
    ("who does the procedure in the example", "the interventional radiology team schedules", "the lesion is localized"),
    ("how many probes get placed", "one or more probes", "probes bracket the tumor"),
    ("why was the pt not a surgery candidate", "has severe heart failure that makes anesthesia high risk",
     "the board recommends cryoablation"),
    ("how much fluid was aspirated", "withdraws 45 mL of cloudy fluid", "his body mass index is 38"),
    ("f/u timing for the example pt", "returns in two weeks", "the physician places a needle"),
    ("what did the fluid show", "fluid analysis later shows crystals", "aspiration produced no fluid"),
    ("aspirated and injected same stick, 2 units?", "reported with one unit per joint", "through the same needle"),
    ("how long was she observed after the shot", "She is observed for 10 minutes", "A 58-year-old woman returns"),
    # Whether a service is paid apart from another: a sentence saying it is included or billed separately.
    ("is the diagnostic scope billable on top of 29881", "Diagnostic arthroscopy (29870) - always included in any "
     "surgical arthroscopy", "Diagnostic arthroscopy (29870): inspection of the joint"),
    ("do i bill the admin separate", "the administration is billed separately with CPT 96372",
     "Administration: the nurse gives the injection"),
])
def test_question_word_expects_a_kind_of_answer(question, answer, other):
    expects = answer_type(question)
    assert expects is not None and expects.search(answer) and not expects.search(other)
    assert answer_type("modifier 53") is None
    assert answer_type("what work is included in 90471") is None  # what it covers, not whether it is paid apart


@pytest.mark.parametrize("question", [
    "modifier for a separate structure, the x one instead of 59",
    "separate structure, payer wants a modifier more specific than 59",
    "this payer won't take 59 for a separate structure, which modifier",
    "payer does not accept 59 for a separate structure, modifier?",
])
def test_code_named_to_rule_it_out_is_not_looked_up(catalog, question):
    """A code after "instead of" or "than", or refused by a negated verb, is not what is asked."""
    q = parse(question, catalog)
    assert q.codes == () and [c.key for c in q.ruled_out] == ["59"] and q.target == "modifier"
    assert [c.key for c in parse("mod 59 vs 51", catalog).codes] == ["59", "51"]
    assert [c.key for c in parse("does the payer take 59 for a separate structure", catalog).codes] == ["59"]


def test_spinal_level_names_its_region_and_shorthand_is_spelled_out(catalog):
    assert "cervical" in parse("tf epidural at c6-7 w/ fluoro code", catalog).expansions
    assert "lumbar" in parse("l4-l5 injection", catalog).expansions
    assert "thoracic" in parse("t12-l1 level", catalog).expansions
    assert "lumbar" not in parse("pd-l1 result in the vignette?", catalog).expansions  # a name's end, no level
    assert "bilateral" in parse("did both sides in one session, which mod", catalog).expansions
    # Both of a pair of organs or limbs is what descriptors call bilateral; both of two codes is not.
    assert "bilateral" in parse("did both hips the same day, modifier?", catalog).expansions
    assert "bilateral" not in parse("can both codes go on the claim", catalog).expansions


def test_a_follow_up_stating_what_the_earlier_turn_negated_drops_that_negation(catalog):
    """"what if they found something abnormal" after "…no abnormal findings" asks the same question with
    abnormal findings; "and with dysplasia?" after "…w/o dysplasia" drops the "w/o" and its "without". The
    other way round, "and without imaging?" after "…w/ imaging guidance" drops the "w/ imaging"."""
    earlier = ["what dx for annual physical no abnormal findings"]
    found = parse("what if they found something abnormal", catalog, earlier)
    assert found.followup and "no abnormal" not in found.asked_text and "abnormal findings" in found.asked_text
    dysplasia = parse("and with dysplasia?", catalog, ["icd for barretts w/o dysplasia"])
    assert "w/o" not in dysplasia.context and "without" not in dysplasia.expansions
    assert "barretts" in dysplasia.context
    # A follow-up that negates in turn drops the earlier turn's plain statement of what it denies: the
    # situation holds the denial alone, not "abn signed" beside "never signed".
    denied = parse("and if we never got one signed?", catalog, ["medicare pt, abn signed, which modifier"])
    assert denied.context == "medicare pt, abn, which modifier"
    without = parse("and without imaging?", catalog, ["code for picc w/ imaging guidance adult?"])
    assert without.context == "code for picc guidance adult?" and "without imaging" in without.asked_text


def test_a_follow_up_naming_another_value_of_an_axis_swaps_it_though_it_points_back(catalog):
    """"what if a different doc did it" after "…same day same doc" asks the same question of another
    physician: "it" points back at the service, but the doc is another. Its "provider" says who did it,
    not that a taxonomy code is asked."""
    swapped = parse("what if a different doc did it", catalog, ["which modifier for 2nd ekg same day same doc"])
    assert swapped.context == "which modifier for 2nd ekg same day another physician"
    provider = parse("and if a different provider does it?", catalog, ["which modifier if same doc repeats it"])
    assert provider.target == "modifier" and "another physician" in provider.context


def test_staff_shorthand_is_no_misspelling():
    """"outpt" is the lexicon's outpatient, not one letter short of a report's "output"."""
    report = RADIOLOGY.replace("Reads the scan.", "Reads the scanner output.")
    catalog = Catalog(parse_report(report, "74177.txt").chunks)
    assert "output" in catalog.vocab
    query = parse("pos for hospital outpt on campus", catalog)
    assert query.corrections == () and "outpatient" in query.expansions


def test_a_unit_s_abbreviation_is_its_unit(catalog):
    """"30 min" holds the word a report's "First 30 Minutes" writes: the question names the title whole."""
    assert "minutes" in parse("cpt for advance care planning first 30 min", catalog).expansions
    assert "hours" in parse("medicare pt in obs over 24 hrs, what notice", catalog).expansions
    assert set(tokenize("30 minutes")) <= set(tokenize(parse("first 30 min", catalog).asked_text))


def test_enumerating_sentence_answers_presence_not_content():
    listing = "Key payers covered in this analysis include Aetna, Blue Cross Blue Shield, Cigna Health, and Medicare."
    assert enumerates_payers(listing)
    assert not enumerates_payers("Medicare local coverage determinations generally require four weeks of care.")
    # One payer named several ways, or several times, is one payer.
    assert not enumerates_payers("Blue Cross Blue Shield plans are independent licensees that each publish their "
                                 "own medical policies; national BCBS data for 27447 was not available.")
    assert not enumerates_payers("Medicaid: Coverage varies by state; many state Medicaid programs and Medicaid "
                                 "managed care plans require prior authorization.")
    assert PRESENCE.search("is bcbs in the report") and PRESENCE.search("medicare mentioned for 0600t")
    assert not PRESENCE.search("what does the report say about medicare")


def test_follow_up_naming_another_kind_of_code_keeps_the_subject(catalog):
    """"what about on 77012" after a modifier question is still about the modifier."""
    q = parse("what about on 77012", catalog, ["mod 51 on 0600t"])
    assert [c.key for c in q.codes] == ["51"] and q.followup
    assert [c.key for c in parse("and 81?", catalog, ["mod 80"]).codes] == ["81"]


def test_a_follow_up_saying_instead_replaces_the_earlier_situation(catalog):
    """"and if they admit her inpatient instead?" after "pos for 0600t done at an asc": "they" does not point
    back at the earlier question; the place asked is no longer the ASC. The report and the kind of code stay."""
    q = parse("and if they admit the pt inpatient instead?", catalog, ["pos for 0600t done at an asc"])
    assert q.followup and q.reports == ("0600T",) and "asc" not in q.retrieval_text, q.retrieval_text
    assert "place of service" in q.context
    assert "pos" in q.context.split()  # the format writes "POS 22: …" as often as "place of service"
    # Without "instead", "they" points back at the earlier question.
    assert "asc" in parse("and if they admit the pt?", catalog, ["pos for 0600t done at an asc"]).retrieval_text


def test_a_follow_up_to_a_code_question_asks_for_a_code(catalog):
    """"and for the liver one?" after "code for cryoablation of a kidney tumor" asks for a code too, though it
    names no kind of code; one asking a fact ("is that billed per session?") does not."""
    assert parse("and for the liver one?", catalog, ["code for ablation of a kidney tumor"]).asks_code
    assert not parse("and for the liver one?", catalog, ["does medicare cover ablation of a kidney tumor"]).asks_code
    assert not parse("is that billed per session?", catalog, ["code for ablation of a kidney tumor"]).asks_code


def test_side_shorthand_is_a_side_unless_a_modifier_is_asked(catalog):
    """0441T lists modifiers RT and LT: "rt" in a diagnosis question is the right side."""
    q = parse("dx for plantar nerve lesion rt foot", catalog)
    assert q.codes == () and q.target == "icd10" and "right" in q.expansions
    assert [c.key for c in parse("mod rt for 0441t", catalog).codes] == ["RT"]
    assert [c.key for c in parse("rt or lt", catalog, ["which modifiers for 0441t"]).codes] == ["RT", "LT"]


def test_english_word_after_mod_is_not_a_code(catalog):
    q = parse("pt seen same day for another problem, what mod on the visit", catalog)
    assert q.codes == () and q.unknown == () and q.target == "modifier"
    assert [c.key for c in parse("mod 59 on 0441t", catalog).codes] == ["59"]


def test_what_a_report_says_about_a_payer_is_not_a_presence_question():
    assert not PRESENCE.search("what does the 64483 report mention about medicare")
    assert PRESENCE.search("is medicare mentioned")


def test_with_and_without_are_values_of_one_axis():
    from assistant.signals import contradicts, states

    row = "K21.9 Gastro-esophageal reflux disease without esophagitis"
    assert contradicts("icd for gerd with esophagitis", row) == ("with esophagitis", "without esophagitis")
    assert contradicts("gerd w/o esophagitis icd", row) is None and states("gerd w/o esophagitis", row)
    assert contradicts("lumbar interlaminar epidural", "transforaminal epidural, lumbar") == (
        "interlaminar", "transforaminal")


@pytest.mark.parametrize("asked", ["mri brain w and wo contrast cpt", "mri brain without and with contrast",
                                   "cpt for mri brain wo contrast then w contrast"])
def test_asked_with_and_without_it_is_the_combination(asked):
    """Staff shorthand "w"/"wo" reads as with/without; asked both ways, the question asks for the combination
    code ("without contrast material(s), followed by contrast material(s)"): either side alone is another."""
    from assistant.signals import contradicts, states

    both = "MRI brain; without contrast material(s), followed by contrast material(s) and further sequences"
    assert contradicts(asked, both) is None and states(asked, both)
    assert contradicts(asked, "MRI brain; with contrast material(s)") == ("without and with contrast", "with contrast")
    assert contradicts(asked, "MRI brain; without contrast material") is not None
    assert contradicts("mri brain wo contrast", "MRI brain; with contrast material(s)") == (
        "without contrast", "with contrast")


def test_on_and_off_campus_are_values_of_one_axis_as_phrases():
    """POS 19 and 22 differ by "off"/"on" campus, words too common to count alone: the two-word values
    are matched as phrases, a hyphen joining them too; "campus" alone states neither."""
    from assistant.signals import contradicts, states

    assert contradicts("pos for hospital outpt on campus", "POS 19 (Off Campus-Outpatient Hospital)") == (
        "on campus", "off campus")
    assert states("hosp dept thats off-campus, what pos", "POS 19 (Off Campus-Outpatient Hospital)")
    assert contradicts("which pos for the main campus", "POS 19 (Off Campus-Outpatient Hospital)") is None


def test_a_numbered_variant_is_a_value_of_its_word():
    from assistant.signals import contradicts, states

    row = "E11.65 Type 2 diabetes mellitus with hyperglycemia"
    assert contradicts("type 1 dm w/ hyperglycemia code", row) == ("type 1", "type 2")
    assert contradicts("type 2 dm with hyperglycemia", row) is None and states("type 2 dm", row)
    # Roman numerals count as their number ("Level IV" is level 4); a word not numbered to name a variant
    # ("pos 11" against "POS 22") is not compared.
    assert contradicts("level 5 surgical path", "88305 Level IV - Surgical pathology") == ("level 5", "level 4")
    assert states("level 4 path", "88305 Level IV - Surgical pathology")
    assert contradicts("pos 11 for this", "Typical site of service: hospital outpatient (POS 22)") is None


def test_an_ordinal_before_a_numbered_word_is_its_value():
    """"2nd degree" is degree 2, as "second degree" and "degree 2" are: an ordinal in words or digits before a
    word numbered to name a variant; "first" too, which counting leaves out."""
    from assistant.signals import contradicts, states

    first, second = "K64.0 First degree hemorrhoids", "K64.1 Second degree hemorrhoids"
    asked = "icd10 for 2nd degree internal hemorrhoids"
    assert contradicts(asked, first) == ("degree 2", "degree 1") and contradicts(asked, second) is None
    assert states(asked, second)
    assert contradicts("second-degree perineal tear dx", "O70.0 First degree perineal laceration") == (
        "degree 2", "degree 1")
    assert contradicts("and 4th degree?", "K64.3 Fourth degree hemorrhoids") is None
    # Only before such a word: "2nd ekg" is no value of anything, and a row naming no number is not compared.
    assert contradicts("2nd ekg same day", "93000 Electrocardiogram, routine ECG with at least 12 leads") is None
    assert contradicts("first stage mohs on the ear", "Mohs, each additional stage") is None


@pytest.mark.parametrize(("before", "abbr", "expected"), [
    ("a flexible, transoral esophagogastroduodenoscopy", "EGD", "esophagogastroduodenoscopy"),
    ("the contrast", "CT", None),
])
def test_one_long_compound_word_may_spell_an_abbreviation(before, abbr, expected):
    assert long_form(before, abbr) == expected


def test_swapped_letters_are_one_slip(catalog):
    fixed, fixes = catalog.correct("plantar nerve lesoin")
    assert fixed == "plantar nerve lesion" and fixes == (("lesoin", "lesion"),)
    assert catalog.correct("planning")[0] == "planning"  # one letter off a corpus word is not a transposition


def test_clinical_shorthand_is_spelled_out(catalog):
    assert "eosinophilic esophagitis" in parse("eoe icd10", catalog).expansions
    assert "gastro-esophageal reflux disease" in parse("gerd dx", catalog).expansions
    assert "medicare administrative contractors" in parse("what do the macs want documented", catalog).expansions


def test_pointing_back_at_one_code_keeps_it_as_the_subject(catalog):
    q = parse("is it billed with the nerve block", catalog, ["what is 77002"])
    assert [c.key for c in q.subject] == ["77002"] and q.codes == ()
    assert parse("and 81?", catalog, ["mod 80"]).subject == ()


def test_non_prefix_makes_one_word():
    assert tokenize("non proliferative") == tokenize("non-proliferative") == tokenize("nonproliferative")
    assert tokenize("none of them") == ["none"]


def test_payment_question_in_shorthand_is_a_payment_question(catalog):
    assert "payment amounts" in parse("medicare allowed amt 0441t this yr", catalog).topics
    # The topic is read with the shorthand spelled out in place: "payment amt" is a "payment amount".
    assert "payment amounts" in parse("whats the national payment amt for 0441t", catalog).topics


RADIOLOGY = """Summary & Overview
CPT 74177: Computed tomography, abdomen and pelvis; with contrast material
CPT code 74177 reports a computed tomography (CT) examination of the abdomen and pelvis with contrast.
Coding Specifications
| Modifier | Description | When to Use |
|---|---|---|
CT | Computed tomography services furnished using equipment that does not meet NEMA XR-29 | Use on older scanners. |
26 | Professional component | Use when the radiologist bills only the reading. |
| Taxonomy Code | Specialty | Notes |
|---|---|---|
| 2085R0202X | Diagnostic Radiology | Reads the scan. |
Related Diagnoses
| ICD-10 Code | Description | Clinical Relevance |
|---|---|---|
| R10.31 | Right lower quadrant pain | Common reason for the scan. |
Related CPT Codes
| CPT Code | Description | Relationship to This Procedure |
|---|---|---|
| 74176 | CT abdomen and pelvis without contrast | The unenhanced scan. |
"""


@pytest.fixture(scope="module")
def radiology() -> Catalog:
    return Catalog(parse_report(RADIOLOGY, "74177.txt").chunks)


def test_letters_a_report_spells_out_are_a_word_unless_marked_as_a_modifier(radiology):
    assert "CT" in radiology.code_words
    assert parse("pos for ct a/p done in the ER", radiology).codes == ()
    assert [c.key for c in parse("when do i use mod CT", radiology).codes] == ["CT"]
    assert [c.key for c in parse("-ct on 74177?", radiology).codes] == ["CT"]
    assert [c.key for c in parse("26 or CT for the reading", radiology).codes] == ["26"]



def test_letters_a_report_spells_out_as_the_code_s_own_name_are_the_code():
    """"technical component (TC)" spells out modifier TC's own name ("Technical component"): the letters are
    the modifier whether or not the question marks them so. CT's name is more than "computed tomography", so
    "ct" stays the scan."""
    report = RADIOLOGY.replace(
        "with contrast.\nCoding", "with contrast. The hospital may bill the technical component (TC).\nCoding").replace(
        "26 | Professional component |", "TC | Technical component | Use when the facility bills the scan only. |\n"
        "26 | Professional component |")
    catalog = Catalog(parse_report(report, "74177.txt").chunks)
    assert catalog.code_words["TC"] == "technical component"
    assert [c.key for c in parse("tc vs 26 whats the difference", catalog).codes] == ["TC", "26"]
    assert [c.key for c in parse("what does the TC part cover", catalog).codes] == ["TC"]
    assert parse("which taxonomy for the lab billing the TC", catalog).codes == ()
    assert parse("pos for ct a/p done in the ER", catalog).codes == ()

COLONOSCOPY = """Summary & Overview
CPT 45378: Colonoscopy, flexible; diagnostic
CPT code 45378 reports a diagnostic colonoscopy.
Coding Specifications
| Modifier | Description | When to Use |
|---|---|---|
PT | Colorectal cancer screening test; converted to diagnostic test or other procedure | Screening became diagnostic. |
RT | Right side | Not used on a colonoscopy. |
53 | Discontinued procedure | The scope was stopped for the patient's safety. |
"""


def test_lowercase_shorthand_is_the_shorthand_unless_the_code_means_the_same():
    catalog = Catalog(parse_report(COLONOSCOPY, "45378.txt").chunks)
    # "pt" is staff shorthand for patient (lexicon); modifier PT's own name says nothing of a patient.
    assert parse("pt passed out halfway thru the scope, what mod", catalog).codes == ()
    assert parse("how old was the pt in the example", catalog).codes == ()
    # Typed in capitals or named as a modifier, it is the code.
    assert [c.key for c in parse("when do i use PT", catalog).codes] == ["PT"]
    assert [c.key for c in parse("mod pt on 45378?", catalog).codes] == ["PT"]
    # "rt" is shorthand for right, and modifier RT's name is "Right side": the code either way.
    assert [c.key for c in parse("rt or 53 here?", catalog).codes] == ["RT", "53"]


@pytest.mark.parametrize(("question", "target"), [
    ("related codes for 74177?", "cpt"),
    ("related codes?", "cpt"),
    ("what related diagnoses are there", "icd10"),
    ("what are the coding specifications", None),  # the heading of the modifier and the taxonomy tables
])
def test_a_question_naming_a_tables_heading_asks_for_its_kind_of_code(radiology, question, target):
    q = parse(question, radiology)
    assert q.target == target
    if target:
        assert q.intent == "list"


@pytest.mark.parametrize("text, bounds", [
    ("16 to 37 minutes", [(16, 37)]),
    ("Simple repair, 2.6 cm to 7.5 cm", [(2.6, 7.5)]),  # the unit after each number
    ("DMEPOS item, second or third month rental", [(2, 3)]),  # ordinals count too
    ("40 minutes or more of total time", [(40, float("inf"))]),
    ("at least 30 minutes", [(30, float("inf"))]),
    ("Medical direction of two, three, or four concurrent procedures", [(2, 4)]),
    ("the 00790-00797 range", []),  # a code range bounds nothing
    ("Injection, aflibercept, 1 mg", []),
    ("Debridement of nail(s) by any method(s); 1 to 5.", [(1, 5)]),  # a full stop ends a number
    ("an infusion of 15 minutes or less is an IV push", [(float("-inf"), 15)]),
    # A lower bound joined to an upper one is one interval, with or without "and" between.
    ("intermediate, greater than 3 minutes up to 10 minutes", [(3.000001, 10)]),
    ("at least 30 minutes but less than 60 minutes", [(30, 59.999999)]),
    ("more than 3 or up to 10", [(3.000001, float("inf")), (float("-inf"), 10)]),  # either bound
    ("at least 3 visits. Up to 10 units", [(3, float("inf")), (float("-inf"), 10)]),  # two sentences
    # A comparative of time or size bounds as one of count does.
    ("sessions longer than 10 minutes", [(10.000001, float("inf"))]),
    ("a wound larger than 20 sq cm", [(20.000001, float("inf"))]),
    ("a visit shorter than 16 minutes", [(float("-inf"), 15.999999)]),
    # ...and one of age: CPT names its age bands so ("age 5 years or older", "younger than 5 years").
    ("Repair initial inguinal hernia, age 5 years or older; reducible", [(5, float("inf"))]),
    ("age 6 months to younger than 5 years", [(float("-inf"), 4.999999)]),
    ("patients 18 years and older", [(18, float("inf"))]),
    ("children 2 years or younger", [(float("-inf"), 2)]),
    ("adults older than 65 years", [(65.000001, float("inf"))]),
])
def test_bounds_a_passage_states(text, bounds):
    assert ranges(text) == bounds


def test_a_count_in_the_question_fits_the_bound_that_holds_it():
    assert numbers("doc was juggling 6 rooms at the same time, what modifier", set()) == [6.0]
    asked = counts_asked(Query(original="", text="doc was juggling 6 rooms at the same time, what modifier"))
    assert asked == [(6.0, 6.0)]
    assert number_fit(asked, "Medical supervision of more than four concurrent procedures") == (1.0, 0.0)
    assert number_fit(asked, "Medical direction of two, three, or four concurrent procedures") == (0.0, 1.0)
    assert number_fit(asked, "Use when the anesthesiologist is present for induction") == (0.0, 0.0)
    # The codes a question names are not counts: "mod 95 on 90837" gives none.
    assert numbers("mod 95 on 90837", {"95", "90837"}) == []


def test_a_count_fits_only_a_bound_counted_in_its_unit():
    """"16 yo" is an age: "16 to 37 minutes" neither holds nor misses it; "12 through 17 years" holds it. A
    number with no unit, or a bound with none, is compared as before."""
    asked = counts_asked(Query(original="", text="16 yo established pt well visit which code"))
    assert asked == [(16.0, 16.0)] and asked[0].unit == "year"
    assert number_fit(asked, "a session of 16 to 37 minutes is reported with 90832") == (0.0, 0.0)
    assert number_fit(asked, "Preventive visit, adolescent (age 12 through 17 years)") == (1.0, 0.0)
    assert number_fit(asked, "Preventive visit, 18-39 years") == (0.0, 1.0)
    minutes = counts_asked(Query(original="", text="12 mins of quit smoking counseling"))
    assert number_fit(minutes, "greater than 3 minutes up to 10 minutes") == (0.0, 1.0)
    assert number_fit(minutes, "intensive, greater than 10 minutes") == (1.0, 0.0)
    longer = counts_asked(Query(original="", text="quit smoking counseling longer than 10 min"))
    assert number_fit(longer, "greater than 3 minutes up to 10 minutes") == (0.0, 1.0)
    assert number_fit(longer, "intensive, greater than 10 minutes") == (1.0, 0.0)
    assert number_fit(counts_asked(Query(original="", text="6 rooms at once")), "more than four") == (1.0, 0.0)
    three = counts_asked(Query(original="", text="pt is 3 yrs old reducible inguinal hernia, which code"))
    assert three == [(3.0, 3.0)] and three[0].unit == "year"
    assert number_fit(three, "Repair initial inguinal hernia, age 5 years or older; reducible") == (0.0, 1.0)
    assert number_fit(three, "Repair initial inguinal hernia, age 6 months to younger than 5 years") == (1.0, 0.0)


def test_a_number_typed_against_its_unit_is_a_count_in_that_unit(catalog):
    """"2cm" is 2 centimetres, as "2 cm" is: it fits "2.5 cm or less" and misses "2.6 cm to 7.5 cm". A code
    typed with a letter ("0600T") or a number of four digits stays as it is."""
    asked = counts_asked(parse("cpt for simple repair scalp laceration 2cm", catalog))
    assert asked == [(2.0, 2.0)] and asked[0].unit == "cm"
    assert number_fit(asked, "Simple repair, 2.5 cm or less") == (1.0, 0.0)
    assert number_fit(asked, "Simple repair, 2.6 cm to 7.5 cm") == (0.0, 1.0)
    assert counts_asked(parse("30min of counseling", catalog))[0].unit == "minut"
    assert "0600T billed with 1000mg" in parse("is 0600T billed with 1000mg", catalog).text


def test_a_bound_in_the_question_asks_for_the_passage_stating_that_bound():
    # "less then 1 lpm" (as staff type "than") asks for the row saying "less than 1", not for one whose
    # "below 55" merely holds the number 1.
    q = Query(original="", text="whats the modifier for oxygen less then 1 lpm")
    (low, high), = counts_asked(q)
    assert low == float("-inf") and high == pytest.approx(1.0, abs=1e-3)
    less = "QE. Prescribed amount of oxygen is less than 1 liter per minute (LPM)."
    more = "QG. Prescribed amount of oxygen is greater than 4 liters per minute (LPM)."
    group = "N1. Group 1 criteria met: PO2 at or below 55 mm Hg or SpO2 at or below 88 percent."
    assert number_fit(counts_asked(q), less) == (1.0, 0.0)
    assert number_fit(counts_asked(q), group) == (0.0, 1.0)
    assert number_fit(counts_asked(q), more) == (0.0, 1.0)
    # The closest row states bounds none of which is the asked one: the row stating it answers.
    scored = [(0.9, 0), (0.8, 1), (0.7, 2)]
    assert bound_first(q, scored, [group, more, less], [0.5, 0.5, 0.5], ["E1390"] * 3)[0] == (0.7, 2)
    # "less than 2" is another bound than "less than 1"; "more than 4 lpm" is the same bound as "4 or more".
    assert number_fit(counts_asked(Query(original="", text="less than 2 lpm")), less) == (0.0, 1.0)
    assert number_fit(counts_asked(Query(original="", text="more than 4 lpm")), "4 LPM or more") == (1.0, 0.0)


def test_the_row_stating_the_bound_asked_comes_first():
    # "and 7 or more?": the row saying "7 or more visits" answers, though a row stating no bound holds as many
    # of the question's words (it says "visit" too).
    q = Query(original="", text="and 7 or more?")
    texts = ["Initial prenatal care visit.", "Antepartum care only; 4-6 visits.",
             "Antepartum care only; 7 or more visits."]
    assert bound_first(q, [(0.9, 0), (0.7, 1), (0.6, 2)], texts, [0.4, 0.39, 0.39], ["59400"] * 3)[0] == (0.6, 2)
    # A count is still no reason to leave the closer row for one holding fewer of the question's words.
    q = Query(original="", text="7 visits")
    assert bound_first(q, [(0.9, 0), (0.6, 2)], texts, [0.4, 0.39, 0.39], ["59400"] * 3)[0] == (0.9, 0)


@pytest.mark.parametrize("text, negates", [("nurse anesthetist working solo, no MD overseeing", True),
                                           ("knee tap w/o imaging", True), ("we didn't waste any", True),
                                           ("with ultrasound guidance", False), ("known osteoarthritis", False)])
def test_negation_words(text, negates):
    assert negated(text) is negates


@pytest.mark.parametrize("text, words", [
    ("brand new unit bought outright not rented, what mod", {"rent"}),
    ("diverticulitis, no abscess or perforation", {"abscess", "perfor"}),
    ("no crna. which mod", {"crna"}),  # a clause ends the negation's reach
    ("the scan was not repeated, but contrast was given", {"repeat"}),
    ("with ultrasound guidance", set()),
    # A word prefixed "non-" negates its own word, and only that.
    ("Insertion of non-tunneled centrally inserted central venous catheter", {"tunnel"}),
    ("non-small cell lung cancer", {"small"}),
])
def test_words_a_negation_governs(text, words):
    assert negated_words(text) == words


def test_number_words_are_words_not_typos(catalog):
    q = parse("anesthesiologist directing seven rooms at once, which modifier", catalog)
    assert "seven" in q.text and q.corrections == ()


def test_a_number_with_a_unit_is_a_quantity_not_a_modifier(catalog):
    from assistant.codes import find_codes

    assert find_codes("the case took 22 min longer than usual", catalog, None)[0] == []
    assert find_codes("pt back in his 22 day window", catalog, None)[0] == []
    assert [c.key for c in find_codes("22 for 0600t when", catalog, None)[0]] == ["22", "0600T"]
    assert [c.key for c in find_codes("mod 22 min assistant", catalog, None)[0]] == ["22"]


def test_the_candidate_whose_bound_holds_the_asked_number_goes_first(catalog):
    from assistant.rules import bound_first

    texts = ["Office visit, 30-39 minutes of total time", "Office visit, 40 minutes or more of total time",
             "Office visit, moderate decision making"]
    scored = [(0.9, 0), (0.8, 2), (0.7, 1)]
    cover, same, apart = [1.0, 1.0, 1.0], ["99214"] * 3, ["99214", "99214", "99215"]
    assert bound_first(parse("doc spent 42 min total, still a 4?", catalog), scored, texts, cover, same)[0] == (0.7, 1)
    # The closest one holds the number, or the question gives none: the order stands.
    assert bound_first(parse("doc spent 35 min total", catalog), scored, texts, cover, same) == scored
    assert bound_first(parse("which visit level", catalog), scored, texts, cover, same) == scored
    # The closest states no bound: the one holding the number goes first if it is of the same report and
    # holds as many of the question's words.
    no_bound = [(0.9, 2), (0.7, 1)]
    assert bound_first(parse("doc spent 42 min total", catalog), no_bound, texts, cover, same) == [(0.7, 1), (0.9, 2)]
    assert bound_first(parse("doc spent 42 min total", catalog), no_bound, texts, cover, apart) == no_bound
    assert bound_first(parse("doc spent 42 min total", catalog), no_bound, texts, [1.0, 0.5, 1.0], same) == no_bound


def test_letters_a_report_defines_mean_what_it_says_before_the_lexicon():
    report = RADIOLOGY.replace("CPT code 74177 reports a computed tomography (CT) examination",
                               "Billed by a durable medical equipment (DME) supplier, CPT code 74177 reports a "
                               "computed tomography (CT) examination")
    defines = Catalog(parse_report(report, "74177.txt").chunks)
    assert "durable medical equipment" in parse("taxonomy for dme supplier", defines).expansions
    assert "diabetic macular edema" not in parse("taxonomy for dme supplier", defines).expansions
    # Without a report's definition the lexicon's reading stands.
    plain = Catalog(parse_report(RADIOLOGY, "74177.txt").chunks)
    assert "diabetic macular edema" in parse("dme injection", plain).expansions



def test_letters_with_two_readings_mean_the_one_the_question_s_other_words_fit():
    """A chest film report defines "posteroanterior (PA)"; staff also write "PA" for a physician assistant. A
    question asking for a taxonomy, whose rows name the physician assistant, means that one; a question whose
    other words are the film's ("pa and lateral view") means the view; with nothing to tell them apart the
    report's definition stands."""
    report = RADIOLOGY.replace(
        "CPT code 74177 reports a computed tomography (CT) examination of the abdomen and pelvis with contrast.",
        "CPT code 74177 reports a computed tomography (CT) examination of the abdomen and pelvis with contrast. "
        "A scout image may be a posteroanterior (PA) view with a lateral view.").replace(
        "| 2085R0202X | Diagnostic Radiology | Reads the scan. |",
        "| 2085R0202X | Diagnostic Radiology | Reads the scan. |\n"
        "| 363A00000X | Physician Assistant | Orders the scan. |")
    both = Catalog(parse_report(report, "74177.txt").chunks)
    assert "physician assistant" in parse("taxonomy for a PA", both).expansions
    assert "posteroanterior" not in parse("taxonomy for a PA", both).expansions
    # A follow-up asks for the kind of code the earlier turn asked for.
    assert "physician assistant" in parse("and for a PA?", both, ["taxonomy for a radiologist"]).expansions
    assert "posteroanterior" in parse("was the pa and lateral view done", both).expansions
    assert "posteroanterior" in parse("what is a pa", both).expansions


def test_a_word_only_one_report_s_example_uses_names_that_example():
    """"what did the glare testing show in the example" is about the one example that has glare (no other
    report uses the word); a word both examples use, a bare number and staff shorthand name none."""
    eye = ("Summary & Overview\nCPT 66984: Cataract removal\nCPT code 66984 reports cataract surgery.\n"
           "Clinical Context\nA 71-year-old patient reports glare when driving at night; glare testing shows a drop "
           "to 20/80. The surgery took 20 min.\n")
    scan = RADIOLOGY + "Clinical Context\nA 71-year-old patient with pain has a CT scan read the same day.\n"
    catalog = Catalog([*parse_report(eye, "66984.txt").chunks, *parse_report(scan, "74177.txt").chunks])
    assert parse("what did the glare testing show in the example", catalog).reports == ("66984",)
    assert parse("how old was the patient in the example", catalog).reports == ()
    assert parse("in the example was it 80 or 20", catalog).reports == ()
    assert parse("how many min in the example", catalog).reports == ()

SUPPLY = """Summary & Overview
HCPCS E0601: Continuous positive airway pressure (CPAP) device
HCPCS code E0601 reports a CPAP device for home use.
Related HCPCS/CPT Codes
| HCPCS/CPT Code | Description | Relationship to This Procedure |
|---|---|---|
| A7030 | Full face mask used with positive airway pressure device, each | A replacement supply. |
| 95811 | Polysomnography with CPAP titration | The titration study. |
"""


def test_a_related_codes_table_of_cpt_and_hcpcs_codes_is_one_kind_of_code():
    """One report's related-codes table holds CPT codes, another's HCPCS codes: "related codes?" still names
    the related-codes tables (it named none, the two kinds being different: 4 eval items were lost)."""
    both = Catalog([*parse_report(RADIOLOGY, "74177.txt").chunks, *parse_report(SUPPLY, "E0601.txt").chunks])
    assert set().union(*both.table_headings.values()) >= {"cpt", "hcpcs"}
    assert both.heading_type("related codes?") == "cpt"
    q = parse("related codes for 74177?", both)
    assert q.intent == "list" and q.target == "cpt"


ORTHOTIC = """Summary & Overview
HCPCS L3000: Foot insert, removable, molded to patient model, UCB type, Berkeley shell, each
HCPCS code L3000 reports a custom foot orthotic.
Related HCPCS and CPT Codes
Neighboring insert codes differ by material and design; the fitting visit is coded on its own.
| Code | Description | Relationship to This Code |
|---|---|---|
| L3001 | Foot, insert, removable, molded to patient model, Spenco, each | Another material. |
| L3010 | Foot, insert, removable, molded to patient model, longitudinal arch support, each | Another design. |
| 97760 | Orthotic management and training, initial encounter, each 15 minutes | The fitting. |
"""


def test_a_tables_own_introduction_does_not_unname_its_heading():
    """A sentence introducing the table under its heading leaves "related codes?" naming the related-codes
    tables, and a letter with four digits in a column that names no kind is HCPCS (L3001), not ICD-10."""
    both = Catalog([*parse_report(RADIOLOGY, "74177.txt").chunks, *parse_report(ORTHOTIC, "L3000.txt").chunks])
    assert {c.code_type for c in both.chunks if c.code in ("L3001", "L3010")} == {"hcpcs"}
    assert both.heading_type("related codes?") == "cpt"
    q = parse("related codes for 74177?", both)
    assert q.intent == "list" and q.target == "cpt"


NEIGHBORS = """Summary & Overview
CPT 76805: Obstetric ultrasound after the first trimester, transabdominal
CPT 76805 reports a transabdominal obstetric ultrasound.
Neighboring Codes and How They Differ
| Code | Description | How It Differs |
|---|---|---|
| 76801 | Obstetric ultrasound, first trimester | Before 14 weeks. |
"""


def test_question_words_and_pronouns_name_no_table_heading():
    """"how much contrast did they give in the case" shares only "how" and "they" with "Neighboring Codes and
    How They Differ": it asks for no related code (it was read as asking for a CPT row, 5 eval items)."""
    catalog = Catalog(parse_report(NEIGHBORS, "76805.txt").chunks)
    assert catalog.heading_type("how much contrast did they give in the case") is None
    assert parse("how much contrast did they give in the case", catalog).target is None
    assert catalog.heading_type("neighboring codes?") == "cpt"


def test_shorthand_narrows_as_much_as_the_word_it_stands_for():
    """"pt" stands for "patient", a column name here: it narrows nothing, while "inpatient" does."""
    report = NEIGHBORS + "Place of Service\n| POS | Setting | Patient |\n|---|---|---|\n| 21 | Inpatient | Admitted |\n"
    catalog = Catalog(parse_report(report, "76805.txt").chunks)
    assert not catalog.is_content("patient") and not catalog.is_content("pt")
    assert catalog.is_content("inpati")


def test_typo_repair_reads_contractions_and_hyphenated_words_typed_whole(catalog):
    """"wasnt" is "wasn't" (not "want"); "xrays" and "followup" are the report's "X-ray" and "follow-up"."""
    report = read_text(MULTI_FILES[0]) + "\nImaging\nA follow-up X-ray is taken.\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    fixed, _ = both.correct("why wasnt the followup xrays billed")
    assert fixed == "why wasn't the follow-up x-rays billed"


def test_a_question_about_the_example_is_also_read_without_naming_it(catalog):
    views = query_views(parse("what was the potassium value in the example", catalog))
    assert len(views) == 2 and "example" not in views[1] and "potassium value" in views[1]


def test_a_sentence_ending_in_a_colon_is_no_field_label_for_typo_repair(catalog):
    """"For CMT, CPT recognizes five spinal regions:" introduces a list; were it a label, "for ct" would be
    repaired to "for cmt"."""
    report = read_text(MULTI_FILES[0]) + "\nRegions\nFor CMT, CPT recognizes five spinal regions:\n- Cervical region\n"
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    assert both.correct("pos for ct a/p done in the ER")[0] == "pos for ct a/p done in the ER"


@pytest.mark.parametrize(("question", "intent"), [
    ("every dx code in the report", "list"),  # "every" takes the singular
    ("give me every modifier listed", "list"),
    ("pt switched to the every 6 wk schedule, how many units now", "prose"),  # "every" of a schedule
    ("every pos code that applies to 0600t", "list"),  # "every … code", whatever kind the word before names
    ("give me every place of service listed for 0600t", "list"),  # a place of service is a kind of code
    ("which pos codes does the 0600t report list", "list"),  # within the report it names, not "which reports"
])
def test_every_with_a_kind_of_code_asks_for_the_list(catalog, question, intent):
    assert (parse(question, catalog).intent == "list") is (intent == "list")


@pytest.mark.parametrize(("question", "asks"), [
    ("what does separate procedure mean for this code", False),  # "this code": the one the chat is about
    ("what counts as 'with contrast' for that code", False),
    ("whats the code for us guided elbow injection", True),
    ("which codes go with 0600t", True),
])
def test_this_code_refers_to_a_code_rather_than_asking_for_one(catalog, question, asks):
    assert parse(question, catalog).asks_code is asks


@pytest.mark.parametrize(("earlier", "question", "context"), [
    ("pos for hospital outpt on campus", "and off campus?", "pos for hospital outpt off campus"),
    ("pos for the on-campus hospital dept", "what about off campus", "pos for the off campus hospital dept"),
    # Words the earlier turn said too are what the value is of, not another thing asked.
    ("icd10 for varicose veins right leg with pain", "and left leg?", "icd-10 for varicose veins left leg with pain"),
])
def test_a_follow_up_naming_another_two_word_value_asks_the_earlier_question_with_it(catalog, earlier, question,
                                                                                     context):
    """"and off campus?" after "…on campus" is the earlier question with the value swapped, as "and left?"
    is after "…right knee oa"; the value's two words are one value, a hyphen joining them too."""
    assert parse(question, catalog, [earlier]).context == context


@pytest.mark.parametrize("question", ["which icd10s go with this, give me the whole list", "all icd-10s for 0600t"])
def test_a_type_word_with_a_plural_s_asks_for_a_list_of_that_kind(catalog, question):
    q = parse(question, catalog)
    assert q.intent == "list" and q.target == "icd10"


def test_cost_share_is_cost_sharing_not_an_amount(catalog):
    """"is cost share waived" asks whether the patient owes any, which a report states; "cost" alone asks
    for an amount, which it doesn't."""
    assert "payment amounts" not in parse("acp with the awv, is cost share waived?", catalog).topics
    assert "payment amounts" in parse("what does 0600t cost", catalog).topics


def speller_of(texts: list[str]):
    """A typo repairer over ``texts`` alone, as a catalog builds one over its passages."""
    from assistant.spelling import Speller
    from assistant.vocab import STOPWORDS, _stemmer

    vocab = {w for t in texts for w in re.findall(r"[a-z]+", t.lower())}
    df = collections.Counter(s for t in texts for s in set(tokenize(t)))
    return Speller(vocab, frozenset(), df, [], texts, STOPWORDS, _stemmer().stemWord)


def test_a_slip_that_stems_like_another_corpus_word_is_still_a_slip():
    """"modifer" stems as "modification" does ("modif"), yet it is one slip from "modifier"; "debrided" is
    another form of "debridement", whose stem it shares with its nearest word, and stays."""
    speller = speller_of(["Modifier 50 applies to bilateral debridement.",
                          "Orthotic modification is billed separately."])
    assert speller.correct("modifer for bilateral")[0] == "modifier for bilateral"
    assert speller.correct("debrided nails")[0] == "debrided nails"


def test_a_word_run_together_from_two_the_reports_write_side_by_side_is_those_two():
    """"shockwave" is a report's "shock wave" typed as one word (no single report word is near it); a word
    that only splits into two report words no passage writes side by side ("waveshock") is no compound of
    theirs and stays as typed."""
    speller = speller_of(["Lithotripsy, extracorporeal shock wave, is billed once.",
                          "A pressure wave is not a shock."])
    assert speller.correct("shockwave lithotripsy cpt")[0] == "shock wave lithotripsy cpt"
    assert speller.correct("waveshock")[0] == "waveshock"


def test_a_phrase_as_near_two_labels_is_left_as_typed_under_any_hash_seed():
    """"pro claim" is as near the label "per claim" as "pos claim": which one a set of labels offered first
    changed with each process's hash seed, and so did the answer. Two readings as near make no repair."""
    code = ("import collections, re\n"
            "from assistant.spelling import Speller\n"
            "from assistant.vocab import STOPWORDS, _stemmer, tokenize\n"
            "texts = ['Billed once per claim.', 'The POS claim field.', 'A separate claim line.']\n"
            "vocab = {w for t in texts for w in re.findall(r'[a-z]+', t.lower())}\n"
            "df = collections.Counter(s for t in texts for s in set(tokenize(t)))\n"
            "labels = ['Units per claim', 'POS claim field', 'Sepsis claim']\n"
            "s = Speller(vocab, frozenset(), df, labels, texts, STOPWORDS, _stemmer().stemWord)\n"
            "print(s.correct('what mod goes on the pro claim')[0], '|', s.correct('unts per claim')[0])\n")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in range(6)}
    assert seen == {"what mod goes on the pro claim | units per claim"}, seen


def test_a_token_shaped_like_an_icd_category_that_icd10cm_lacks_is_a_word(catalog):
    """"b12 deficiency" names vitamin B12: ICD-10-CM has no category B12, so it is no code to look up
    (and the answer is not "B12 is not listed"); F99, a category no report lists, still is one."""
    assert parse("dx code for b12 deficiency", catalog).unknown == ()
    assert [c.key for c in parse("dx code F99", catalog).unknown] == ["F99"]


@pytest.mark.parametrize("question", ["j code for triamcinolone", "whats the jcode for vitamin b12",
                                      "which j-codes are listed"])
def test_a_j_code_is_a_hcpcs_code(catalog, question):
    """Staff call HCPCS Level II drug codes by their letter, "J codes", written as one word or two."""
    assert parse(question, catalog).target == "hcpcs"


def test_an_aside_leaving_something_out_does_not_make_its_sentence_an_abstention():
    """"Office-based endoscopy suites (payment amounts are not covered in this report)" answers "office based
    colonoscopy pos"; the sentence "payment amounts are not covered in this report" alone is the abstention."""
    from assistant.gaps import left_out
    from assistant.models import Answer, Citation

    def answer(quote: str) -> Answer:
        cite = Citation(n=1, chunk_id="c", document="45378", doc_title="t", source="45378.txt",
                        section=("Site of Service Guidance",), quote=quote, score=1.0)
        return Answer(question="office based colonoscopy pos", text=quote, answered=True, citations=[cite])

    aside = "Office | Office-based endoscopy suites; the physician bills the non-facility rate (payment amounts are " \
            "not covered in this report)."
    assert left_out(answer(aside)).answered
    assert not left_out(answer("Payment amounts are not covered in this report.")).answered


def test_a_payer_policy_the_report_says_is_not_available_is_an_abstention_unless_a_cell_states_one():
    """"Aetna: Payer-specific policy not available." says the report has no Aetna policy to give; a payer row
    whose coverage cell says "Varies by local plan" states a rule, whatever its notes add."""
    from assistant.gaps import left_out
    from assistant.models import Answer, Citation

    def answer(quote: str, row: str | None = None) -> Answer:
        cite = Citation(n=1, chunk_id="c", document="19083", doc_title="t", source="19083.md", row=row,
                        section=("Payer Coverage",), quote=quote, score=1.0)
        return Answer(question="payer policy for 19083?", text=quote, answered=True, citations=[cite])

    assert not left_out(answer("Aetna: Payer-specific policy not available.")).answered
    assert not left_out(answer("Cigna: Specific coverage policy for 19083 is not available.")).answered
    assert left_out(answer("Telehealth is not available for this service.")).answered
    row = "payer table, row Blue Cross Blue Shield"
    assert left_out(answer("Varies by local plan | Plan-specific policy not available.", row)).answered
    assert not left_out(answer("Not available | A payer-specific policy was not available in the input.", row)).answered


def test_the_letter_o_typed_for_a_zero_in_a_code_is_the_listed_code(catalog):
    """"whats C78.OO": the 0600T report lists C78.00 and no code set has a letter O after the first
    character, so the code is C78.00. A first O is ICD-10-CM's pregnancy chapter and stays."""
    from assistant.ingest import code_key

    q = parse("whats C78.OO", catalog)
    assert [c.key for c in q.codes] == [code_key("C78.00")] and not q.unknown
    q = parse("whats O24.410", catalog)
    assert [c.key for c in q.unknown] == [code_key("O24.410")]


def test_a_heading_ending_in_one_of_the_examples_names_heads_the_example():
    """A heading's last words say what its section is ("Worked Clinical Scenario", "Case Example"); words
    before them qualify it, and a heading that only starts with such a word ("Examples of Denials") is not one."""
    from assistant.vocab import example_heading

    for heading in ("Clinical Context", "Clinical Example", "Worked Clinical Scenario", "Worked Example",
                    "Case Example", "Case Study: Office Visit"):
        assert example_heading(heading), heading
    for heading in ("Clinical & Coding Specifications", "Examples of Denials", "Payer Context", "Related CPT Codes"):
        assert not example_heading(heading), heading


@pytest.mark.parametrize("question", ["whats aetnas policy on 0600T", "aetna's rules for 0600T",
                                      "does aetna cover 0600t"])
def test_a_payer_is_named_with_or_without_its_possessive(catalog, question):
    assert parse(question, catalog).payers == ("aetna",)


def test_a_word_list_reads_the_same_in_any_order():
    """A set of words iterates in an order that changes with each process's hash seed: read joined, "non" would
    join the word after it ("non never"), so "never" was a negation in some runs and not in others."""
    import os
    import subprocess
    import sys

    code = "from assistant.vocab import stems; print(sorted(stems(frozenset({'non', 'never', 'nothing', 'none'}))))"
    outs = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": str(seed)},
                           capture_output=True, text=True, check=True).stdout for seed in range(8)}
    assert outs == {"['never', 'non', 'none', 'noth']\n"}


def test_an_english_word_after_the_plural_modifiers_is_no_modifier(catalog):
    """"what modifiers go on the drug line": "go" is the verb, though a report lists modifier GO; typed after
    the singular ("mod go on the ot line") it is the code."""
    therapy = read_text(MULTI_FILES[1]) + "\nModifiers\n| Modifier | Description | When to Use |\n|---|---|---|\n" \
        "| GO | Services delivered under an outpatient occupational therapy plan of care | OT visits. |\n"
    both = Catalog([*catalog.chunks, *parse_report(therapy, "0441T.txt").chunks])
    assert not parse("what modifiers go on the drug line", both).codes
    assert [c.key for c in parse("mod go on the ot line", both).codes] == ["GO"]


def test_an_icd10_category_typed_in_lower_case_is_a_code_when_asked_for_as_one(catalog):
    """"list the g57 codes": a category ICD-10-CM has, asked for as codes, whatever its case; "b12 codes" is
    no category ICD-10-CM has, and "g57" alone, not asked for as a code, stays a word."""
    assert [c.key for c in parse("list the g57 codes for plantar nerve", catalog).unknown] == ["G57"]
    assert not parse("list the b12 codes", catalog).unknown
    assert not parse("is g57 covered", catalog).unknown and not parse("is g57 covered", catalog).codes


def test_a_reading_is_a_measure_with_a_number_after_it():
    """"eGFR of 48" and "TSH is 8.9 mIU/L" give the measure a value; "at her current eGFR" names it only, and a
    code after a word ("bills 84443") is no reading. A question asking what was done ("what did they bill"),
    or which, where, who or when, asks no reading."""
    from assistant.signals import asks_reading, states_value

    assert states_value({"egfr"}, "creatinine 1.3 mg/dL with an eGFR of 48, potassium 5.4 mmol/L")
    assert states_value({"tsh"}, "The TSH result is 8.9 mIU/L (reference range 0.45-4.50 mIU/L)")
    assert not states_value({"egfr"}, "to confirm that metformin remains safe at her current eGFR.")
    assert not states_value({"bill"}, "The laboratory bills 84443 for each TSH.")
    assert asks_reading("what was the free t4 in the case") and asks_reading("example pt - op time and blood loss?")
    for question in ("what did the supplier bill in the case", "which vertebra got excluded in the sample case",
                     "where in the kidney was the tumor in the example", "what was injected in the example"):
        assert not asks_reading(question), question


def test_left_and_right_in_another_sense_say_no_side_and_one_side_is_either():
    """"45 units left in a 200-unit vial" is the verb leave, "right after" an adverb, "the right code" correct:
    none says a side, so none contradicts or states "left knee". "Given on one side only" is unilateral,
    which a left or a right service is, though the same text also names the bilateral code."""
    from assistant.signals import axis_values, contradicts, states

    vial = "Append to a separate J0585 line for the unused portion (for example, 45 units left in a 200-unit vial)."
    assert not states("injections on the left side only, modifier", vial)
    assert axis_values("the vasovagal episode came right after the needle went in") & {"left", "right"} == set()
    assert axis_values("is 96130 the right code") & {"left", "right"} == set()
    assert contradicts("oa of the right knee", "Unilateral primary osteoarthritis, left knee") == ("right", "left")
    one_side = "Use when injections are given on one side only, since 64615 describes bilateral work."
    assert contradicts("injections on the left side only", one_side) is None
    assert states("injections on the left side only", one_side)
    assert contradicts("left", "Bilateral procedure") == ("left", "bilateral")


def test_a_slip_of_the_word_the_reports_write_before_the_next_one_is_that_word(catalog):
    """"uper" is four letters, too few to tell a slip from another word on its own; but the one report word a
    letter away from it that the reports write right before "eyelid" is "upper": "uper eyelid" is "upper eyelid".
    Where no report word a slip away comes before the next word, four letters stay as typed."""
    report = read_text(MULTI_FILES[0]) + ("\nIndications\nExcess upper eyelid skin blocks the superior visual field; "
                                          "the user may need lid surgery.\n")
    both = Catalog([*catalog.chunks, *parse_report(report, "0600T.txt").chunks])
    q = parse("cpt for uper eyelid skin removal", both)
    assert ("uper", "upper") in q.corrections and "upper eyelid" in q.text, q.corrections
    assert ("uper", "upper") not in parse("is the uper limit in the report", both).corrections


def test_shorthand_for_another_value_varies_the_earlier_question(catalog):
    """"what if a diff doc does it" after "…by the same doc" is the earlier question with "different" for
    "same", as "what if a different doc does it" is: staff shorthand is the word it stands for."""
    earlier = ["mod for repeat 0600t same day by the same doc"]
    spelled = parse("what if a different doc does it", catalog, earlier).context
    assert "another physician" in spelled and "same doc" not in spelled, spelled
    assert parse("what if a diff doc does it", catalog, earlier).context == spelled


def test_a_turn_numbering_a_word_otherwise_renumbers_the_earlier_question():
    """The number of "type", "stage", "degree" (the lexicon's numbered words) is replaced in the earlier turn,
    in the words the new turn types it with; a turn giving the same number, or numbering another word, is not."""
    assert renumbered("and type 1?", "dx code for type 2 dm w/o complications")[0] == (
        "dx code for type 1 dm w/o complications")
    assert renumbered("and 2nd degree?", "icd for first degree burn of hand")[0] == "icd for 2nd degree burn of hand"
    assert renumbered("what about stage iv", "icd for ckd stage 3a")[0] == "icd for ckd stage iv"
    assert renumbered("what about type 2", "icd for type 2 dm") is None
    assert renumbered("and stage 2?", "icd for type 2 dm") is None
