"""Whatever is uploaded, validation ends in a report with located findings, never in an exception."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from engine.definitions import xml_safety
from engine.definitions.validation import SourceFile, ValidationContext, ValidationReport, validate_files

FIXTURES = Path(__file__).parent / "fixtures"
VALID = (FIXTURES / "valid_home_visit.bpmn").read_bytes()
CTX = ValidationContext(
    known_roles=frozenset({"social_worker", "supervisor"}),
    form_exists=frozenset({"plan_visit", "escalation", "review_visit"}).__contains__,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&lol9;" isExecutable="true" />
</bpmn:definitions>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- looks harmless -->
<!DOCTYPE definitions [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&secret;" isExecutable="true" />
</bpmn:definitions>
"""


def validate(name: str, content: bytes, **ctx_overrides: object) -> ValidationReport:
    ctx = CTX if not ctx_overrides else ValidationContext(**(vars(CTX) | ctx_overrides))
    return validate_files([SourceFile(name, content)], ctx)


def only(report: ValidationReport) -> tuple[str, str, int | None, str | None]:
    (finding,) = report.findings
    return (finding.code, finding.file, finding.line, finding.element_id)


def test_not_xml_at_all() -> None:
    report = validate("notes.bpmn", b"These are my meeting notes, not a diagram.\n")

    assert only(report) == ("xml.not_well_formed", "notes.bpmn", 1, None)
    assert not report.ok


def test_broken_xml_is_reported_at_its_line() -> None:
    broken = VALID.replace(b"</bpmn:userTask>", b"</bpmn:task>", 1)
    line = VALID[: VALID.index(b"</bpmn:userTask>")].count(b"\n") + 1

    assert only(validate("broken.bpmn", broken)) == ("xml.not_well_formed", "broken.bpmn", line, None)


def test_entity_expansion_bomb_is_refused_without_expanding_it() -> None:
    tracemalloc.start()
    try:
        report = validate("bomb.bpmn", BILLION_LAUGHS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert only(report) == ("xml.doctype_forbidden", "bomb.bpmn", 2, None)
    assert peak < 64 * 2**20  # expanded, the laughs would take gigabytes


def test_external_entity_is_refused_and_never_read() -> None:
    report = validate("xxe.bpmn", EXTERNAL_ENTITY)

    assert only(report) == ("xml.doctype_forbidden", "xxe.bpmn", 3, None)
    assert "root:" not in report.findings[0].message


def test_doctype_is_refused_even_where_the_prolog_check_would_not_see_it() -> None:
    # A DOCTYPE after the root element is a syntax error for libxml2; either way it must not pass.
    content = VALID + b'<!DOCTYPE x [ <!ENTITY e SYSTEM "file:///etc/passwd"> ]>'

    assert not validate("late.bpmn", content).ok


def test_a_50_megabyte_file_is_refused_by_size_before_any_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*_: object) -> None:
        raise AssertionError("parsed a file that is over the size limit")

    monkeypatch.setattr(xml_safety, "_decode", must_not_parse)
    monkeypatch.setattr(xml_safety, "safe_parser", must_not_parse)
    huge = VALID + b"<!--" + b"x" * 50_000_000 + b"-->"

    report = validate("huge.bpmn", huge)

    assert only(report) == ("xml.too_large", "huge.bpmn", None, None)
    assert "5.0 MB" in report.findings[0].message


def test_the_size_limit_comes_from_the_context() -> None:
    assert only(validate("small.bpmn", VALID, max_bytes=1000))[0] == "xml.too_large"


def test_latin1_without_a_declaration_is_an_encoding_finding() -> None:
    text = VALID.decode("utf-8").split("\n", 1)[1]  # drop <?xml ... encoding="UTF-8"?>
    text = text.replace('name="Plan home visit"', 'name="Planowanie wizyty (café)"')
    content = text.encode("latin-1")
    line = text[: text.index("café")].count("\n") + 1

    assert only(validate("latin1.bpmn", content)) == ("xml.encoding", "latin1.bpmn", line, None)


def test_latin1_that_declares_a_wrong_encoding_is_an_encoding_finding() -> None:
    content = VALID.replace(b"Plan home visit", "Plan (café)".encode("latin-1"))

    code, _, line, _ = only(validate("liar.bpmn", content))

    assert code == "xml.encoding"
    assert line == VALID[: VALID.index(b"Plan home visit")].count(b"\n") + 1


def test_latin1_that_declares_itself_is_read() -> None:
    text = VALID.decode("utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    content = text.replace("Plan home visit", "Plan (café)").encode("latin-1")

    assert validate("declared.bpmn", content).findings == []


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    content = VALID.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")

    assert validate("utf16.bpmn", content).findings == []


def test_an_unknown_declared_encoding_is_an_encoding_finding() -> None:
    content = VALID.replace(b'encoding="UTF-8"', b'encoding="klingon-8"')

    assert only(validate("klingon.bpmn", content))[:3] == ("xml.encoding", "klingon.bpmn", 1)


def test_xml_that_is_not_bpmn() -> None:
    report = validate("pom.xml", b'<?xml version="1.0"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0"/>')

    assert only(report) == ("xml.not_bpmn", "pom.xml", 2, None)


def test_a_dmn_version_spiffworkflow_cannot_read() -> None:
    content = b'<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d" name="d" namespace="x"/>'

    assert only(validate("new.dmn", content))[0] == "dmn.unsupported_version"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02\xff" * 1000,
        b"<a>" * 100_000,
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        b'<bpmn:process isExecutable="true"/></bpmn:definitions>',
        VALID.replace(b'name="formKey" value="plan_visit"', b'name="formKey"'),
        VALID.replace(b"needs_review == True", b"(" * 500 + b"1" + b")" * 500),
        VALID.replace(b"needs_review == True", b"\xef\xbf\xbe"),
    ],
    ids=[
        "empty",
        "binary",
        "deep",
        "no-process",
        "process-without-id",
        "property-without-value",
        "nested",
        "non-character",
    ],
)
def test_odd_inputs_end_in_a_report_with_an_error(content: bytes) -> None:
    report = validate("odd.bpmn", content)

    assert not report.ok
    assert all(finding.message and finding.file == "odd.bpmn" for finding in report.findings)


def test_every_truncation_of_a_valid_file_is_refused_with_a_located_error() -> None:
    for cut in range(0, len(VALID) - 30, max(1, len(VALID) // 60)):
        report = validate("cut.bpmn", VALID[:cut])

        assert not report.ok, cut
        assert report.errors[0].file == "cut.bpmn"


def test_random_bytes_never_raise() -> None:
    for seed in range(20):
        content = os.urandom(200 + seed * 50)
        assert not validate("random.bpmn", content).ok


def test_no_files_at_all() -> None:
    report = validate_files([], CTX)

    assert [finding.code for finding in report.findings] == ["bundle.empty"]


def test_two_files_with_the_same_name() -> None:
    report = validate_files([SourceFile("a.bpmn", VALID), SourceFile("a.bpmn", VALID)], CTX)

    assert [finding.code for finding in report.findings] == ["file.duplicate_name"]


def test_a_programming_mistake_in_the_caller_still_ends_in_a_report() -> None:
    report = validate_files([None], CTX)  # type: ignore[list-item]

    assert [finding.code for finding in report.findings] == ["validation.internal"]
