"""Issue 8 end to end: code-set findings are stored with the index and shown under answers."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_findings_are_stored_in_the_manifest(bot):
    kinds = {(f.code, f.kind) for f in bot.index.manifest.findings}
    assert ("207L00000X", "description_mismatch") in kinds
    assert ("C64.1", "description_mismatch") in kinds
    assert ("C34.9", "not_billable") in kinds
    assert bot.index.manifest.codesets["nucc_taxonomy"] == "26.1"


def test_warning_follows_the_reports_answer(bot):
    ans = bot.ask("207L00000X")
    assert ans.answered and "Urology" in ans.text  # what the report says stays
    assert [w.code for w in ans.warnings] == ["207L00000X"]
    warning = ans.warnings[0]
    assert "Anesthesiology" in warning.official and "NUCC 26.1" in warning.source
    assert "208800000X" in warning.message
    assert warning.message in ans.markdown()


def test_not_billable_warning_lists_billable_codes(bot):
    ans = bot.ask("c34.9")
    assert ans.answered
    assert any(w.kind == "not_billable" and "C34.90" in w.message for w in ans.warnings)


def test_clean_row_has_no_warning(bot):
    assert bot.ask("modifier 53").warnings == []
    assert bot.ask("C78.00").warnings == []


def test_code_no_report_mentions_is_still_not_covered(bot):
    ans = bot.ask("what is C50.911")
    assert not ans.answered and ans.warnings == []


def test_fixture_reports_wrong_rows_warn_and_right_rows_do_not(multi_bot):
    assert any(w.kind == "not_billable" for w in multi_bot.ask("G57.6 for 0441T").warnings)
    assert multi_bot.ask("G57.61").warnings == []


def test_audit_cli_strict_exits_nonzero_on_findings(bot):
    # The session bot's index is built already: `audit` reads its findings, no rebuild.
    s = bot.settings
    cmd = [sys.executable, "-m", "assistant", "--corpus", str(s.corpus_dir), "--index", str(s.index_dir), "audit"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "207L00000X" in out.stdout and "Anesthesiology" in out.stdout and "not_billable" in out.stdout
    strict = subprocess.run([*cmd, "--strict"], capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1
