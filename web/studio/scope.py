"""Show a studio user the findings of the files they uploaded or edited, not the whole library's.

The studio validates an upload together with the library (a call activity or a decision may live in
another file), so the report covers every file. Warnings about files the user did not touch are noise
to them; errors elsewhere still block the deploy, so those stay, after the user's own findings.
"""

from __future__ import annotations

from collections.abc import Collection

from engine.definitions.validation import Severity, ValidationReport


def for_files(report: ValidationReport, names: Collection[str]) -> ValidationReport:
    """Return ``report`` limited to findings in ``names`` plus errors that block elsewhere."""
    wanted = set(names) | {name.rsplit("/", 1)[-1] for name in names}
    own = [finding for finding in report.findings if finding.file in wanted or not finding.file]
    elsewhere = [finding for finding in report.findings if finding not in own and finding.severity is Severity.ERROR]
    return ValidationReport(findings=own + elsewhere, process_ids=list(report.process_ids))
