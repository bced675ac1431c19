"""Schemathesis against the in-process app: no server error, no answer outside the document."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from engine.accounts.tokens import create_token
from engine.instances.service import start_instance
from tests import factories


@pytest.fixture
def fuzz_app(app: Any, db_session: Any, deploy_fixture: Any, people: Any, case: Any) -> Any:
    deploy_fixture("parallel.bpmn")
    deploy_fixture("approval.bpmn")
    start_instance(db_session, people["sw"], "parallel_diagnosis", case=case)
    db_session.commit()
    # Schemathesis also sends wrong credentials on purpose (the ignored-auth check): let it.
    app.config["IPD_API_MAX_AUTH_FAILURES"] = 1_000_000
    return app


@pytest.fixture
def fuzz_token(db_session: Any) -> str:
    """One user who may do nearly everything in the office, so deep paths are reached."""
    user = factories.user(db_session, "social_worker", "supervisor", "process_owner", username="fuzzer")
    secret = create_token(db_session, user, "fuzz").secret
    db_session.commit()
    return secret


MAX_EXAMPLES = 25


@pytest.mark.slow
@pytest.mark.parametrize("ids", ["any", "existing"])
def test_api_conforms_to_its_document(fuzz_app: Any, fuzz_token: str, ids: str) -> None:
    """Once with the served document as is, once with ids narrowed so that most requests find something."""
    served = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    if ids == "any":
        api_schema = served
    else:
        api_schema = schemathesis.openapi.from_dict(_narrowed(copy.deepcopy(served.raw_schema)))
        api_schema.app = fuzz_app
        api_schema.location = "/api/v1/openapi.json"
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    paths = api_schema.raw_schema["paths"]
    documented = {f"{method.upper()} {path}" for path, item in paths.items() for method in item}
    # Schemathesis leaves out the document's own address; everything else is exercised.
    assert documented - {"GET /openapi.json"} <= {operation.label for operation in operations}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            # Schema-valid input may still be refused for what the schema cannot say (an unknown
            # user id, a PESEL's length): that check alone is left out.
            response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
            assert response.status_code < 500

        check()


def _narrowed(document: dict[str, Any], top: int = 30) -> dict[str, Any]:
    """Ids in paths, queries and request bodies drawn from 1..top; response schemas stay as they are."""

    def narrow(schema: dict[str, Any]) -> None:
        if schema.get("type") in ("integer", ["integer", "null"]) and schema.get("minimum") == 1:
            schema["maximum"] = top

    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                narrow(parameter["schema"])
    components = document["components"]["schemas"]
    narrow(components["AssignRequest"]["properties"]["assignee_id"])
    narrow(components["RetryRequest"]["properties"]["incident_id"])
    narrow(components["CaseRequest"]["properties"]["case_manager_id"])
    return document
