"""Import every model module so ``Base.metadata`` is complete (Alembic, tests)."""

from engine.accounts import models as accounts_models
from engine.accounts import tokens as tokens_models  # noqa: F401  (the api_tokens table)
from engine.accounts import two_factor as two_factor_models  # noqa: F401  (two-factor secrets, codes, policies)
from engine.administration import models as administration_models
from engine.aid import models as aid_models
from engine.analytics import models as analytics_models
from engine.assessments import models as assessments_models
from engine.audit import models as audit_models
from engine.cases import caseload as caseload_models
from engine.cases import models as cases_models
from engine.closure import models as closure_models
from engine.db import Base
from engine.definitions import models as definitions_models
from engine.delivery import models as delivery_models
from engine.documents import models as documents_models
from engine.instances import models as instances_models
from engine.jobs import models as jobs_models
from engine.notifications import models as notifications_models
from engine.people import models as people_models
from engine.plans import models as plans_models
from engine.privacy import models as privacy_models
from engine.subsidies import models as subsidies_models
from engine.tasks import models as tasks_models
from engine.team import models as team_models

metadata = Base.metadata

__all__ = [
    "metadata",
    "accounts_models",
    "administration_models",
    "aid_models",
    "analytics_models",
    "assessments_models",
    "audit_models",
    "caseload_models",
    "cases_models",
    "closure_models",
    "definitions_models",
    "delivery_models",
    "documents_models",
    "instances_models",
    "jobs_models",
    "notifications_models",
    "people_models",
    "plans_models",
    "privacy_models",
    "subsidies_models",
    "tasks_models",
    "team_models",
]
