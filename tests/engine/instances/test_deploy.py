"""Versions: identical content is a no-op, changes get the next version, instances stay on theirs."""

from __future__ import annotations

import pytest

from engine.definitions.service import InvalidDefinition, deploy, latest_definition
from engine.definitions.validation import SourceFile
from engine.errors import Forbidden
from engine.instances.service import start_instance
from tests.engine.instances.conftest import fixture_file


def test_redeploying_identical_content_is_a_no_op(db_session):
    first = deploy(db_session, None, [fixture_file("parallel.bpmn")])
    again = deploy(db_session, None, [fixture_file("parallel.bpmn")])
    assert [d.version for d in first.new_versions] == [1]
    assert again.new_versions == []
    assert again.definitions[0].id == first.definitions[0].id


def test_changed_content_gets_the_next_version_and_running_cases_stay(db_session, people, case):
    v1 = deploy(db_session, None, [fixture_file("parallel.bpmn")]).definitions[0]
    old = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    changed = fixture_file("parallel.bpmn").content.replace(b"Podsumowanie", b"Podsumowanie diagnozy")
    v2 = deploy(db_session, None, [SourceFile("parallel.bpmn", changed)]).definitions[0]
    assert (v1.version, v2.version) == (1, 2) and v1.content_hash != v2.content_hash
    assert latest_definition(db_session, "parallel_diagnosis").id == v2.id
    new = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    assert old.definition_id == v1.id and new.definition_id == v2.id


def test_only_process_owners_deploy(db_session, people):
    with pytest.raises(Forbidden):
        deploy(db_session, people["sw"], [fixture_file("parallel.bpmn")])


def test_invalid_files_are_refused_with_located_findings(db_session):
    broken = fixture_file("parallel.bpmn").content.replace(b'name="lawyer"', b'name="wizard"')
    with pytest.raises(InvalidDefinition) as error:
        deploy(db_session, None, [SourceFile("parallel.bpmn", broken)])
    finding = next(f for f in error.value.report.errors if f.code == "lane.unknown_role")
    assert finding.file == "parallel.bpmn" and finding.line and finding.element_id
    with pytest.raises(InvalidDefinition):
        deploy(db_session, None, [SourceFile("x.bpmn", b"not xml at all")])
