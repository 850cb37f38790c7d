"""The framework in motion. Each sub-domain keeps its models in its own package; Django loads
an app's models from this one module, so it imports them all."""

from escalations.guide.models import GuideRevision, GuideSection, Scenario
from escalations.handoffs.models import (
    AdminResponse,
    ChecklistAnswer,
    ChecklistItem,
    Engagement,
    InboundMail,
    Procedure,
)
from escalations.notifications.models import Notification
from escalations.urgent.models import UrgentRequest, UrgentStepRecord

__all__ = [
    "AdminResponse",
    "ChecklistAnswer",
    "ChecklistItem",
    "Engagement",
    "GuideRevision",
    "GuideSection",
    "InboundMail",
    "Notification",
    "Procedure",
    "Scenario",
    "UrgentRequest",
    "UrgentStepRecord",
]
