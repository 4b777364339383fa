"""Summaries of repeated measurements and the printed results table."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    """``median [min–max] (n=…)``: the form every repeated figure is printed in."""
    if not values:
        return "—"
    f = f"{{:.{digits}f}}"
    med = f.format(statistics.median(values))
    if len(values) == 1:
        return f"{med}{unit} (n=1)"
    return f"{med}{unit} [{f.format(min(values))}–{f.format(max(values))}] (n={len(values)})"


def latency(samples_ms: list[float], passes: list[list[float]] | None = None) -> str:
    """p50 / p95 / p99 of pooled samples, and the spread of each pass's p50."""
    if not samples_ms:
        return "—"
    out = f"p50 {pct(samples_ms, 50):.1f} / p95 {pct(samples_ms, 95):.1f} / p99 {pct(samples_ms, 99):.1f} ms"
    if passes and len(passes) > 1:
        p50s = [pct(p, 50) for p in passes if p]
        out += f" (pass p50 {min(p50s):.1f}–{max(p50s):.1f}, n={len(samples_ms)})"
    else:
        out += f" (n={len(samples_ms)})"
    return out


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


@dataclass
class Table:
    """Rows of (section, figure, value, target verdict), printed as a markdown table."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, section: str, figure: str, value: str, target: str = "") -> None:
        self.rows.append((section, figure, value, target))
        print(f"  {section} · {figure}: {value}" + (f"   [{target}]" if target else ""), flush=True)

    def markdown(self) -> str:
        lines = ["| section | figure | median [min–max] or percentiles | target |", "|---|---|---|---|"]
        last = None
        for section, figure, value, target in self.rows:
            lines.append(f"| {section if section != last else ''} | {figure} | {value} | {target} |")
            last = section
        return "\n".join(lines)


def verdict(value: float, limit: float, unit: str = "", lower_is_better: bool = True) -> str:
    ok = value <= limit if lower_is_better else value >= limit
    sign = "≤" if lower_is_better else "≥"
    if ok:
        return f"target {sign} {limit:g}{unit}: met"
    ratio = value / limit if lower_is_better else limit / value if value else float("inf")
    return f"target {sign} {limit:g}{unit}: MISSED ({ratio:.1f}×)"
