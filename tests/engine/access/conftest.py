"""The engine's instance fixtures (test forms, fixture processes, people, a case) for the access policy tests."""

from tests.engine.instances.conftest import case, deploy_fixture, people, test_forms  # noqa: F401
