"""SQLAlchemy models of LeadDesk. Nothing here imports Qt."""

from leaddesk.models.activity import Activity, ActivityKind
from leaddesk.models.base import Base, UTCDateTime, utc_now
from leaddesk.models.follow_up import FollowUp
from leaddesk.models.import_batch import ImportBatch
from leaddesk.models.lead import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS, STAGES, Lead
from leaddesk.models.rep import Rep
from leaddesk.models.setting import Setting

__all__ = [
    "Activity",
    "ActivityKind",
    "Base",
    "COMPANY_AND_PLACE_FIELDS",
    "FollowUp",
    "ImportBatch",
    "Lead",
    "NAME_FIELDS",
    "Rep",
    "STAGES",
    "Setting",
    "UTCDateTime",
    "utc_now",
]
