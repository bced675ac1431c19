"""Import every model module so ``Base.metadata`` is complete (Alembic, tests)."""

from engine.accounts import models as accounts_models
from engine.accounts import tokens as tokens_models  # noqa: F401  (the api_tokens table)
from engine.audit import models as audit_models
from engine.cases import models as cases_models
from engine.db import Base
from engine.definitions import models as definitions_models
from engine.instances import models as instances_models
from engine.jobs import models as jobs_models
from engine.tasks import models as tasks_models

metadata = Base.metadata

__all__ = [
    "metadata",
    "accounts_models",
    "audit_models",
    "cases_models",
    "definitions_models",
    "instances_models",
    "jobs_models",
    "tasks_models",
]
