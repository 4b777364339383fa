"""A synthetic corpus in the shape of ``corpus/0600T.txt``: N reports, distinct codes, varied wording.

    python bench/synth.py [--n 1000] [--seed 7] [--out bench/out/synth]

Each report has the real report's sections (summary, billing overview with bullets, clinical
context, and the modifier, taxonomy, ICD-10 and related-CPT tables), about 40 chunks. What varies
per report, from one seeded ``random.Random``: the report code (a distinct 4-digit+T code, then
+U past 9,999), the procedure and organ, which modifiers / taxonomies / ICD-10 / CPT rows it lists
and their wording (synonym substitution, sentence order), so no two reports embed alike.
The corpus is cached: a second call with the same (n, seed, version) returns the folder as is.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

VERSION = 2
OUT = Path(__file__).resolve().parent / "out" / "synth"

TECHNIQUES = [
    ("irreversible electroporation", "IRE", "nonthermal"),
    ("cryoablation", "cryoablation", "freezing"),
    ("radiofrequency ablation", "RFA", "thermal"),
    ("microwave ablation", "MWA", "thermal"),
    ("laser interstitial thermal therapy", "LITT", "laser"),
    ("histotripsy", "histotripsy", "acoustic"),
    ("high-intensity focused ultrasound ablation", "HIFU", "focused ultrasound"),
    ("photodynamic therapy", "PDT", "light-activated"),
    ("chemical ablation", "ethanol ablation", "chemical"),
    ("transarterial embolization", "TAE", "embolic"),
]
APPROACHES = ["Percutaneous", "Image-guided", "Laparoscopic", "Endoscopic", "CT-guided", "Ultrasound-guided"]
ORGANS = {
    "kidney": [
        ("C64.1", "Malignant neoplasm of right kidney, except renal pelvis"),
        ("C64.2", "Malignant neoplasm of left kidney, except renal pelvis"),
        ("C64.9", "Malignant neoplasm of unspecified kidney"),
        ("C79.00", "Secondary malignant neoplasm of unspecified kidney"),
        ("D41.00", "Neoplasm of uncertain behavior of unspecified kidney"),
    ],
    "lung": [
        ("C34.11", "Malignant neoplasm of upper lobe, right bronchus or lung"),
        ("C34.2", "Malignant neoplasm of middle lobe, bronchus or lung"),
        ("C34.31", "Malignant neoplasm of lower lobe, right bronchus or lung"),
        ("C34.90", "Malignant neoplasm of unspecified part of bronchus or lung"),
        ("C78.00", "Secondary malignant neoplasm of unspecified lung"),
    ],
    "pancreas": [
        ("C25.0", "Malignant neoplasm of head of pancreas"),
        ("C25.1", "Malignant neoplasm of body of pancreas"),
        ("C25.2", "Malignant neoplasm of tail of pancreas"),
        ("C25.9", "Malignant neoplasm of pancreas, unspecified"),
        ("D37.8", "Neoplasm of uncertain behavior of other specified digestive organs"),
    ],
    "bone": [
        ("C40.20", "Malignant neoplasm of long bones of unspecified lower limb"),
        ("C41.2", "Malignant neoplasm of vertebral column"),
        ("C79.51", "Secondary malignant neoplasm of bone"),
        ("C79.52", "Secondary malignant neoplasm of bone marrow"),
        ("D16.6", "Benign neoplasm of vertebral column"),
    ],
    "thyroid": [
        ("C73", "Malignant neoplasm of thyroid gland"),
        ("E04.1", "Nontoxic single thyroid nodule"),
        ("E04.2", "Nontoxic multinodular goiter"),
        ("D34", "Benign neoplasm of thyroid gland"),
        ("E05.10", "Thyrotoxicosis with toxic single thyroid nodule"),
    ],
    "breast": [
        ("C50.911", "Malignant neoplasm of unspecified site of right female breast"),
        ("C50.412", "Malignant neoplasm of upper-outer quadrant of left female breast"),
        ("D05.11", "Intraductal carcinoma in situ of right breast"),
        ("D24.1", "Benign neoplasm of right breast"),
        ("N63.10", "Unspecified lump in the right breast, unspecified quadrant"),
    ],
    "adrenal gland": [
        ("C74.00", "Malignant neoplasm of cortex of unspecified adrenal gland"),
        ("C79.70", "Secondary malignant neoplasm of unspecified adrenal gland"),
        ("D35.00", "Benign neoplasm of unspecified adrenal gland"),
        ("E27.8", "Other specified disorders of adrenal gland"),
        ("D44.10", "Neoplasm of uncertain behavior of unspecified adrenal gland"),
    ],
    "soft tissue": [
        ("C49.20", "Malignant neoplasm of connective and soft tissue of unspecified lower limb"),
        ("C49.4", "Malignant neoplasm of connective and soft tissue of abdomen"),
        ("D21.9", "Benign neoplasm of connective and other soft tissue, unspecified"),
        ("C79.89", "Secondary malignant neoplasm of other specified sites"),
        ("D48.1", "Neoplasm of uncertain behavior of connective and other soft tissue"),
    ],
}
GENERIC_ICD = [
    ("Z85.528", "Personal history of other malignant neoplasm of kidney"),
    ("Z51.11", "Encounter for antineoplastic chemotherapy"),
    ("R93.89", "Abnormal findings on diagnostic imaging of other specified body structures"),
    ("C80.1", "Malignant (primary) neoplasm, unspecified"),
    ("Z92.3", "Personal history of irradiation"),
]
MODIFIERS = [
    ("22", "Increased procedural services", "{p} required substantially greater work than typical"),
    ("23", "Unusual anesthesia", "{p} required general anesthesia where local anesthesia is usual"),
    (
        "24",
        "Unrelated E/M service during a postoperative period",
        "an unrelated evaluation occurs in the global period of {p}",
    ),
    (
        "25",
        "Significant, separately identifiable E/M service",
        "a separate evaluation is documented on the same day as {p}",
    ),
    ("26", "Professional component", "only the physician interpretation of {p} is billed"),
    ("50", "Bilateral procedure", "{p} treats lesions on both sides in one session"),
    ("51", "Multiple procedures", "{p} is billed with additional separate procedures on the same day"),
    ("52", "Reduced services", "{p} was partially reduced or not completed but some service was provided"),
    ("53", "Discontinued procedure", "{p} was started but terminated for reasons unrelated to patient improvement"),
    ("58", "Staged or related procedure", "{p} is a planned second stage during the postoperative period"),
    ("59", "Distinct procedural service", "{p} is distinct from other services performed on the same day"),
    ("62", "Two surgeons", "two surgeons of different specialties perform distinct portions of {p}"),
    ("66", "Surgical team", "a team of surgeons performs {p} with team documentation"),
    ("76", "Repeat procedure by same physician", "the same physician repeats {p} on the same day"),
    (
        "78",
        "Return to operating room for a related procedure",
        "the patient returns to the room for a complication of {p}",
    ),
    (
        "79",
        "Unrelated procedure during the postoperative period",
        "an unrelated procedure occurs in the global period of {p}",
    ),
    ("80", "Assistant surgeon", "an assistant surgeon is present for {p} and meets payer requirements"),
    ("81", "Minimum assistant surgeon", "minimal assistance is provided during {p} and the payer allows it"),
    (
        "82",
        "Assistant surgeon (when qualified resident not available)",
        "no qualified resident was available to assist with {p}",
    ),
    (
        "AS",
        "Nonphysician assistant at surgery",
        "an advanced practice provider assists with {p} within scope of practice",
    ),
    ("QX", "Qualified nonphysician assistant", "a qualified nonphysician assistant at {p} is documented"),
    ("TC", "Technical component", "only the equipment and staff portion of {p} is billed"),
    ("XS", "Separate structure", "{p} treats a separate organ or structure"),
    ("XU", "Unusual non-overlapping service", "{p} does not overlap the usual components"),
    ("RT", "Right side", "the lesion treated by {p} is on the right side"),
    ("LT", "Left side", "the lesion treated by {p} is on the left side"),
]
TAXONOMIES = [
    ("2085R0204X", "Vascular & Interventional Radiology"),
    ("2085R0202X", "Diagnostic Radiology"),
    ("207RH0003X", "Hematology & Oncology"),
    ("207RX0202X", "Medical Oncology"),
    ("2085R0001X", "Radiation Oncology"),
    ("2086S0102X", "Surgical Oncology"),
    ("208800000X", "Urology"),
    ("207P00000X", "Otolaryngology (ENT)"),
    ("207RP1001X", "Pulmonary Disease"),
    ("207RG0100X", "Gastroenterology"),
    ("207X00000X", "Orthopaedic Surgery"),
    ("208G00000X", "Thoracic Surgery"),
    ("207VG0400X", "Gynecology"),
    ("207L00000X", "Anesthesiology"),
    ("207RE0101X", "Endocrinology, Diabetes & Metabolism"),
]
CPTS = [
    ("32550", "Insertion of indwelling tunneled pleural catheter"),
    ("76942", "Ultrasonic guidance for needle placement"),
    ("77012", "CT guidance for needle placement"),
    ("77013", "CT guidance for parenchymal tissue ablation"),
    ("77022", "MR guidance for parenchymal tissue ablation"),
    ("76940", "Ultrasound guidance for tissue ablation"),
    ("99213", "Office visit, established patient, low complexity"),
    ("99214", "Office visit, established patient, moderate complexity"),
    ("99152", "Moderate sedation, initial 15 minutes"),
    ("99153", "Moderate sedation, each additional 15 minutes"),
    ("50592", "Ablation, renal tumors, radiofrequency, percutaneous"),
    ("50593", "Ablation, renal tumors, cryotherapy, percutaneous"),
    ("32998", "Ablation of pulmonary tumors, radiofrequency, percutaneous"),
    ("32994", "Ablation of pulmonary tumors, cryoablation"),
    ("20982", "Ablation of bone tumors, radiofrequency, percutaneous"),
    ("20983", "Ablation of bone tumors, cryoablation"),
    ("60660", "Ablation of thyroid nodules, radiofrequency, percutaneous"),
    ("10005", "Fine needle aspiration biopsy with ultrasound guidance"),
    ("88305", "Surgical pathology, gross and microscopic examination"),
    ("36002", "Injection procedures into pseudoaneurysm"),
]
PAYERS = [
    "Aetna",
    "Blue Cross Blue Shield",
    "Cigna Health",
    "UnitedHealthcare",
    "Medicare",
    "Humana",
    "Anthem",
    "Medicaid",
]
SITES = [
    "Hospital outpatient department or ambulatory surgical center",
    "Hospital outpatient department",
    "Ambulatory surgical center or office-based interventional suite",
    "Hospital inpatient or outpatient setting",
]
CAVEATS = [
    "",
    "",
    "; document the reason in the procedure note",
    " and the payer accepts it",
    "; check payer policy",
    " as supported by the record",
    "; append it to the primary code",
    " (rare for this service)",
]
SYNONYMS = {
    "procedure": ["procedure", "service", "intervention", "treatment"],
    "tumor": ["tumor", "lesion", "mass", "neoplasm"],
    "patient": ["patient", "beneficiary", "individual"],
    "imaging": ["imaging", "image", "radiologic"],
    "typical": ["typical", "usual", "expected"],
    "documented": ["documented", "recorded", "supported in the record"],
    "payer": ["payer", "plan", "insurer"],
    "performed": ["performed", "carried out", "done"],
    "minimally invasive": ["minimally invasive", "low-morbidity", "percutaneous"],
    "report": ["report", "analysis", "publication"],
}


def _vary(text: str, rng: random.Random) -> str:
    """Substitute synonyms word by word, so reports built from one template embed differently."""
    for word, alts in SYNONYMS.items():
        text = re.sub(rf"\b{word}\b", lambda _m, a=alts: rng.choice(a), text)
    return text


def codes(n: int, seed: int) -> list[str]:
    """``n`` distinct report codes: 4 digits + T (the real 0600T excluded), then 4 digits + U."""
    pool = [f"{i:04d}T" for i in range(10_000) if i != 600] + [f"{i:04d}U" for i in range(10_000)]
    if n > len(pool):
        raise ValueError(f"at most {len(pool)} synthetic reports, asked for {n}")
    return random.Random(seed).sample(pool[:9_999], min(n, 9_999)) + pool[9_999 : 9_999 + max(0, n - 9_999)]


def report(code: str, rng: random.Random) -> str:
    technique, abbr, energy = rng.choice(TECHNIQUES)
    organ = rng.choice(list(ORGANS))
    approach = rng.choice(APPROACHES)
    title = f"{approach} {technique.title()} of {organ.title()} Tumors"
    payers = rng.sample(PAYERS, rng.randint(3, 6))
    age, size = rng.randint(38, 88), round(rng.uniform(0.8, 4.5), 1)
    summary = [
        f"CPT code {code} denotes {approach.lower()} {technique} ({abbr}) of one or more tumors of the {organ}, "
        f"with imaging guidance included. This code captures a minimally invasive, {energy} technique that spares "
        f"surrounding structures and may be chosen when surgery is high risk. "
        f"Its relevance stems from growing use of "
        f"image-guided, organ-preserving therapy and payer scrutiny of emerging ablative technology.",
        f"Key payers covered in this report include {', '.join(payers[:-1])}, and {payers[-1]}. "
        f"The report outlines which "
        f"payers recognize claims for this procedure and common coding considerations tied to the code definition. "
        f"Coverage positions differ by payer and by line of business, "
        f"and several plans review {abbr} claims individually.",
        f"Readers will learn the clinical context for {abbr} of the {organ}, "
        f"billing classification for CPT code {code}, "
        f"typical sites of service, and what documentation supports the code. The report also summarizes benchmarking "
        f"and policy topics relevant to adoption. "
        f"Data not available in the input is noted where payer policies are not provided.",
    ]
    overview = [
        f"CPT code {code} describes {technique} ({abbr}) of {organ} tumors. A probe placed through the skin "
        f"delivers {energy} energy to destroy the tumor while preserving nearby tissue. Imaging guidance is "
        f"included as part of the procedure and is not reported separately. The code applies per session, not per "
        f"tumor, and documentation should state the number of lesions, their size and the probe placement."
    ]
    sents = [
        f"A {age}-year-old patient with a {size} cm {organ} tumor and significant comorbidities is referred for a "
        f"minimally invasive option.",
        "After multidisciplinary review, the team schedules the procedure under image guidance.",
        f"The operator positions one or more probes to bracket the tumor and delivers {energy} energy.",
        "Immediate post-ablation imaging assesses the treatment zone and detects complications.",
        "The patient is monitored in recovery and discharged the same day or observed overnight.",
        "Anesthesia is moderate sedation or general anesthesia according to the anesthesia team.",
        f"Pre-procedure consent, time-out and {rng.choice(['CT', 'ultrasound', 'MR'])} "
        f"localization of the tumor are completed.",
        "Follow-up imaging and oncology consultation are scheduled to evaluate response.",
    ]
    middle = sents[1:-1]
    rng.shuffle(middle)
    clinical = " ".join([sents[0], *middle, sents[-1]])
    lines = [
        "Summary & Overview",
        f"CPT {code}: {title}",
        *[_vary(p, rng) for p in summary],
        "Billing Code Overview",
        _vary(overview[0], rng),
        "-",
        f"Service type: {approach} {energy} tumor ablation ({abbr})",
        "-",
        f"Typical site of service: {rng.choice(SITES)}, performed under image guidance",
        "Clinical & Coding Specifications",
        "Clinical Context",
        _vary(clinical, rng),
        "Coding Specifications",
        "| Modifier | Description | When to Use |",
        "|---|---|---|",
    ]
    for mod, desc, when in sorted(rng.sample(MODIFIERS, rng.randint(11, 17))):
        proc = rng.choice([f"the {abbr} procedure", f"{abbr} of the {organ}", f"the {organ} {abbr} procedure"])
        lines.append(f"{mod} | {desc} | {_vary('Use when ' + when.format(p=proc), rng)}{rng.choice(CAVEATS)}. |")
    lines += ["| Taxonomy Code | Specialty | Notes |", "|---|---|---|"]
    for tax, spec in rng.sample(TAXONOMIES, rng.randint(4, 6)):
        note = rng.choice(
            [
                "Primary specialty performing",
                "May perform or assist with",
                "Coordinates or refers for",
                "Often consulted before",
                "Manages follow-up after",
                "Credentialed in some centers for",
            ]
        )
        lines.append(f"| {tax} | {spec} | {_vary(f'{note} {abbr} of {organ} tumors.', rng)} |")
    lines += ["Related Diagnoses", "| ICD-10 Code | Description | Clinical Relevance |", "|---|---|---|"]
    for icd, desc in ORGANS[organ][: rng.randint(3, 5)] + rng.sample(GENERIC_ICD, rng.randint(1, 2)):
        why = rng.choice(["amenable to", "treated with", "may be considered for", "documented to support"])
        when = rng.choice(
            [
                "when surgery is high risk",
                "in select cases",
                "for local control",
                "after tumor board review",
                "when thermal ablation is unsuitable",
                "as a palliative option",
            ]
        )
        lines.append(f"{icd} | {desc} | {_vary(f'{organ.capitalize()} tumor {why} {abbr} {when}.', rng)} |")
    lines += ["Related CPT Codes", "| CPT Code | Description | Relationship to This Procedure |", "|---|---|---|"]
    for cpt, desc in rng.sample(CPTS, rng.randint(4, 6)):
        rel = rng.choice(
            [
                "Reported when separately identifiable and allowed by the payer",
                "Alternative approach that may be reported instead",
                "Often performed in the same session",
                "Bundled by some payers",
                "Reported for pre-procedure planning",
                "Reported for a complication",
            ]
        )
        lines.append(f"{cpt} | {desc} | {_vary(f'{rel} with {abbr} of the {organ}.', rng)} |")
    return "\n".join(lines) + "\n"


def generate(n: int = 1000, seed: int = 7, out: Path = OUT) -> Path:
    """Write (or reuse) the corpus of ``n`` reports; returns its folder. ``meta.json`` marks it complete."""
    folder = out / f"n{n}-s{seed}-v{VERSION}"
    corpus = folder / "corpus"
    meta = folder / "meta.json"
    if meta.is_file():
        return corpus
    corpus.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    report_codes = codes(n, seed)
    for code in report_codes:
        (corpus / f"{code}.txt").write_text(report(code, rng), encoding="utf-8")
    meta.write_text(json.dumps({"n": n, "seed": seed, "version": VERSION, "codes": report_codes}), encoding="utf-8")
    return corpus


PARAPHRASES = [
    "the procedure got cut short partway, what modifier",
    "which specialty usually does this",
    "typical site of service",
    "walk me through a clinical example",
    "which payers are in the report",
    "second surgeon from another specialty, which modifier",
    "what does the code describe",
    "lesions on both sides in one session what modifier",
]


def questions(corpus: Path, k: int = 60, seed: int = 11) -> list[tuple[str, str]]:
    """(question, group) pairs that name codes of the synthetic reports, and paraphrases.

    Groups: ``code+report`` names a row's code and its report; ``code`` names a row code only (it is
    listed by many reports); ``paraphrase+report`` and ``paraphrase`` name no row code.
    """
    rng = random.Random(seed)
    files = sorted(corpus.glob("*.txt"))
    out: list[tuple[str, str]] = []
    while len(out) < k:
        path = rng.choice(files)
        code, text = path.stem, path.read_text(encoding="utf-8")
        mods = re.findall(r"^([0-9A-Z]{2}) \| ", text, re.M)
        icds = re.findall(r"^([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]+)?) \| ", text, re.M)
        taxes = re.findall(r"^\| ([0-9]{3}[0-9A-Z]{6}X) \|", text, re.M)
        cpts = re.findall(r"^([0-9]{5}) \| ", text, re.M)
        out += [
            (f"when do I use modifier {rng.choice(mods)} with {code}?", "code+report"),
            (f"{rng.choice(icds).lower()} for {code}", "code+report"),
            (f"taxonomy {rng.choice(taxes)} {code}", "code+report"),
            (f"cpt {rng.choice(cpts)} with {code}", "code+report"),
            (f"{code} {rng.choice(PARAPHRASES)}", "paraphrase+report"),
            (f"what is {code}", "paraphrase+report"),
            (rng.choice(PARAPHRASES), "paraphrase"),
        ]
        if len(out) % 3 == 0:
            out.append((f"modifier {rng.choice(mods)}", "code"))
    return out[:k]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    print(generate(args.n, args.seed, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
