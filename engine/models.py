"""Import every model module so ``Base.metadata`` is complete (Alembic, tests)."""

from engine.accounts import models as accounts_models
from engine.audit import models as audit_models
from engine.db import Base
from engine.jobs import models as jobs_models

metadata = Base.metadata

__all__ = ["metadata", "accounts_models", "audit_models", "jobs_models"]
