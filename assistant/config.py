"""Settings: where the corpus and index live, which model embeds, and the answer thresholds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .embed import DEFAULT_MODEL
from .retrieve import Mode

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseModel):
    """Where the corpus and index live, which model embeds, and the abstention thresholds."""

    model_config = ConfigDict(frozen=True)
    corpus_dir: Path = Path(os.environ.get("ASSISTANT_CORPUS", ROOT / "corpus"))
    index_dir: Path = Path(os.environ.get("ASSISTANT_INDEX", ROOT / "index"))
    model: str = os.environ.get("ASSISTANT_MODEL", DEFAULT_MODEL)
    mode: Mode = "hybrid"
    # "rules": the hand-set weights and bars below; "fitted": two logistic models over candidate features
    # choose the answer and abstain (rank.py). Leave-one-report-out on 21 question sets and 22 reports
    # (2026-12-02): fitted 72.9 % mean, rules 74.2 %, so the rules stay the default until the fitted one wins.
    selector: Literal["fitted", "rules"] = "rules"
    # A question naming no report is answered from the report the router (route.py) is confident about.
    route: bool = True
    # Below this cosine similarity a passage found for a question without a code is not an answer.
    min_dense: float = 0.28
    # ...and when it holds every distinctive word the user typed.
    min_dense_all_words: float = 0.15
    # Needed by a labelled field ("Typical site of service: …") whose label the question names.
    min_dense_label: float = 0.05
    # Needed when none of the question's distinctive words occur in the passage.
    min_dense_no_overlap: float = 0.50
    # ...and when that passage is a table row offered as the code for a described situation.
    min_dense_row: float = 0.70
    # A filtered list keeps rows whose similarity is within this margin of the best row.
    list_margin: float = 0.06
    # How much closer than the best sentence a row must be to answer a question that asks for no code.
    row_margin: float = 0.1
    list_max: int = 8
    # Prose passages whose sentences are scored, and how close a second sentence must be to be quoted too.
    prose_passages: int = 8
    row_candidates: int = 10
    sentence_margin: float = 0.04
    # Row score bonus (on its closest cell's similarity) for holding the question's distinctive words
    # (idf-weighted share, 0–1). This and label_weight were chosen leave-one-set-out (`bench/weights.py`,
    # 2026-12-02: every fold picked 0.2 and 0.15 over the earlier 0.1 and 0.25; held-out mean 71.05 →
    # 71.64 %, the left-out figure the same).
    row_coverage_weight: float = 0.2
    # ...and again for holding them in its description, the code's own name.
    row_name_weight: float = 0.2
    # Sentence score bonuses: for holding the question's distinctive words (idf-weighted share, 0–1); when
    # the question names its label (a bullet's "Typical site of service:" or its section's heading).
    coverage_weight: float = 0.4
    label_weight: float = 0.15
    # ...when it holds the kind of phrase the question word asks for ("who" → a team, "how many" → a number).
    answer_type_weight: float = 0.1
    self_reference_penalty: float = 0.15
