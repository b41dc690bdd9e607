"""SQLAlchemy models of LeadDesk. Nothing here imports Qt."""

from leaddesk.models.activity import CONTACT_KINDS, Activity, ActivityKind, CallOutcome
from leaddesk.models.base import Base, UTCDateTime, utc_now
from leaddesk.models.conversion_model import ConversionModelVersion
from leaddesk.models.dedup_decision import DedupDecision
from leaddesk.models.email_template import EmailTemplateRecord
from leaddesk.models.escalation_plan import EscalationPlan
from leaddesk.models.follow_up import RECURRENCES, FollowUp
from leaddesk.models.import_batch import ImportBatch
from leaddesk.models.import_change import ImportChange
from leaddesk.models.lead import COMPANY_AND_PLACE_FIELDS, NAME_FIELDS, STAGES, Lead, normalize_phone
from leaddesk.models.lead_evaluation import LeadEvaluation
from leaddesk.models.lead_match_key import LeadMatchKey
from leaddesk.models.merge_operation import MergeOperation
from leaddesk.models.notification_receipt import NotificationReceipt
from leaddesk.models.qualification_change import QualificationChange
from leaddesk.models.rep import Rep
from leaddesk.models.saved_mapping import SavedMapping
from leaddesk.models.sequence_enrollment import ENROLLMENT_STATUSES, SequenceEnrollment
from leaddesk.models.setting import Setting
from leaddesk.models.sync import SyncChange, SyncConflict, SyncDevice, SyncFile, SyncIdentity, SyncRowState  # noqa: F401

__all__ = [
    "Activity",
    "ActivityKind",
    "Base",
    "CONTACT_KINDS",
    "CallOutcome",
    "COMPANY_AND_PLACE_FIELDS",
    "ConversionModelVersion",
    "DedupDecision",
    "EmailTemplateRecord",
    "EscalationPlan",
    "FollowUp",
    "ImportBatch",
    "ImportChange",
    "Lead",
    "LeadEvaluation",
    "LeadMatchKey",
    "MergeOperation",
    "NAME_FIELDS",
    "NotificationReceipt",
    "QualificationChange",
    "RECURRENCES",
    "Rep",
    "STAGES",
    "SavedMapping",
    "SequenceEnrollment",
    "ENROLLMENT_STATUSES",
    "Setting",
    "UTCDateTime",
    "normalize_phone",
    "utc_now",
]
