"""The inspection of results folders as people read it: one block per tracker (text, Markdown)."""

from __future__ import annotations

from odtrack_eval.results.inspection import Inspection

__all__ = ["inspection_markdown", "inspection_text"]

_MARK = {"ok": "ok", "warn": "warn (scored with repairs or suspicions)", "refused": "REFUSED"}


def _title(inspection: Inspection) -> str:
    truth = "" if inspection.with_ground_truth else "; no dataset root: names checked, not lengths or boxes"
    return (f"{inspection.dataset} ({inspection.num_sequences} sequences), protocol {inspection.protocol}: "
            f"inspection of raw results{truth}")  # fmt: skip


def inspection_text(inspection: Inspection) -> str:
    """Plain text: a summary line per tracker, then its facts (kind, count, message)."""
    lines = [_title(inspection), ""]
    width = max((len(t.name) for t in inspection.trackers), default=7)
    for t in inspection.trackers:
        lines.append(f"{t.name.ljust(width)}  {_MARK[t.verdict]}  (layout: {t.layout})")
        if t.reason:
            lines.append(f"  reason: {t.reason}")
        for f in t.facts:
            lines.append(f"  {f.kind:<9} {f.count:>6}  {f.message}")
        lines.append("")
    verdicts = [t.verdict for t in inspection.trackers]
    lines.append(", ".join(f"{verdicts.count(v)} {v}" for v in ("ok", "warn", "refused")) +
                 " (counts: files; rows for nan, inf, negative, zero_size)")  # fmt: skip
    return "\n".join(lines)


def inspection_markdown(inspection: Inspection) -> str:
    """Markdown: one table row per fact, grouped by tracker."""
    lines = [f"**{_title(inspection)}**", "", "| Tracker | Verdict | Kind | Count | Finding |",
             "|---|---|---|---:|---|"]
    for t in inspection.trackers:
        facts = [(f.kind, str(f.count), f.message) for f in t.facts] or [("", "", "")]
        if t.reason:
            facts.insert(0, ("reason", "", t.reason))
        for i, (kind, count, message) in enumerate(facts):
            head = (t.name, _MARK[t.verdict]) if i == 0 else ("", "")
            cells = [*head, kind, count, message.replace("|", "\\|")]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
