"""Every table of the platform, for Alembic and the schema checks: importing this registers them all."""

from builder.db.models import Base
from builder.observability import models as _observability  # noqa: F401 - registers spans, log_records, workers

metadata = Base.metadata
