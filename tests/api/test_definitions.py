"""Process definition endpoints: list, deploy (report or 422 with findings), versions."""

from __future__ import annotations

import io
from pathlib import Path

from tests.engine.instances.conftest import FIXTURES

BROKEN = Path(__file__).parents[1] / "engine" / "definitions" / "fixtures" / "bpmn_parse_error.bpmn"


def _upload(*files: tuple[str, bytes]) -> dict:
    return {
        "data": {"files": [(io.BytesIO(content), name) for name, content in files]},
        "content_type": "multipart/form-data",
    }


def _approval(suffix: str = "") -> tuple[str, bytes]:
    text = (FIXTURES / "approval.bpmn").read_text(encoding="utf-8")
    return "approval.bpmn", text.replace("Zatwierdzenie", "Zatwierdzenie" + suffix).encode()


def test_process_owner_deploys_and_versions_accumulate(api):
    first = api("owner").post("/process-definitions", **_upload(_approval()))
    assert first.status_code == 201
    body = first.get_json()
    assert body["report"]["ok"] and [d["version"] for d in body["new_versions"]] == [1]
    same = api("owner").post("/process-definitions", **_upload(_approval()))
    assert same.status_code == 200 and same.get_json()["new_versions"] == []
    assert api("admin").post("/process-definitions", **_upload(_approval(" v2"))).status_code == 201
    versions = api("sw").get("/process-definitions/four_eyes/versions").get_json()
    assert [v["version"] for v in versions["items"]] == [2, 1] and versions["total"] == 2
    listed = api("psy").get("/process-definitions").get_json()
    assert [(d["process_id"], d["version"]) for d in listed["items"]] == [("four_eyes", 2)]


def test_others_cannot_deploy(api):
    for who in ("psy", "sw", "sup"):
        assert api(who).post("/process-definitions", **_upload(_approval())).status_code == 403, who


def test_invalid_files_answer_422_with_the_findings(api):
    response = api("owner").post("/process-definitions", **_upload(("broken.bpmn", BROKEN.read_bytes())))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"] == "urn:ipd:problem:invalid-definition"
    assert problem["report"]["error_count"] >= 1 and problem["errors"]
    garbage = api("owner").post("/process-definitions", **_upload(("x.bpmn", b"\x00\xff<<not xml")))
    assert garbage.status_code == 422
    assert api("owner").get("/process-definitions").get_json()["total"] == 0


def test_upload_shape_errors_are_422(api):
    assert api("owner").post("/process-definitions", **_upload(("notes.txt", b"hi"))).status_code == 422
    assert api("owner").post("/process-definitions", data={}, content_type="multipart/form-data").status_code == 422
    assert api("owner").post("/process-definitions", json={"files": []}).status_code == 422
    twice = api("owner").post("/process-definitions", **_upload(_approval(), _approval()))
    assert twice.status_code == 422


def test_versions_of_an_unknown_process_are_404(api):
    assert api("owner").get("/process-definitions/nope/versions").status_code == 404
    assert api("owner").get("/process-definitions/" + "x" * 101 + "/versions").status_code == 404


def test_problem_document_keeps_every_finding_even_several_on_one_line(api):
    # A script task with two scripts and a pre-script: three errors on the task's line.
    text = (FIXTURES / "script_step.bpmn.tmpl").read_text(encoding="utf-8")
    text = text.replace(
        "<bpmn:script>__SCRIPT__</bpmn:script>",
        "<bpmn:extensionElements><spiffworkflow:preScript>a = 1</spiffworkflow:preScript></bpmn:extensionElements>"
        "<bpmn:script>x = 1</bpmn:script><bpmn:script>y = 2</bpmn:script>",
    )

    response = api("owner").post("/process-definitions", **_upload(("scripted.bpmn", text.encode())))

    assert response.status_code == 422
    problem = response.get_json()
    assert len(problem["errors"]) == problem["report"]["error_count"] >= 2
    assert sorted(problem["errors"].values()) == sorted(
        finding["message"] for finding in problem["report"]["findings"] if finding["severity"] == "error"
    )
