"""Models of the shared kernel.

Identity (regions, organizations, users, foreigners), the audit log, workflow history,
the working-day calendar, counters and second-factor devices. Domain apps point at these
with foreign keys; nothing here points at a domain app.
"""

from .audit import AuditChainHead, AuditEvent
from .calendar import HolidayDate, HolidayYear
from .documents import IssuedDocument, SigningKey
from .files import StoredFile
from .filing import FilingReminder
from .grants import (
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
    RegionGroupObjectPermission,
    RegionUserObjectPermission,
)
from .identity import Foreigner, Organization, Passport, Region, User
from .notification import Notification, NotificationPreference
from .publication import Publication, PublicationLink
from .security import TOTPDevice
from .sequences import Sequence
from .workflow import TransitionRecord

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "FilingReminder",
    "Foreigner",
    "HolidayDate",
    "HolidayYear",
    "IssuedDocument",
    "Notification",
    "NotificationPreference",
    "Organization",
    "OrganizationGroupObjectPermission",
    "OrganizationUserObjectPermission",
    "Passport",
    "Publication",
    "PublicationLink",
    "Region",
    "RegionGroupObjectPermission",
    "RegionUserObjectPermission",
    "Sequence",
    "SigningKey",
    "StoredFile",
    "TOTPDevice",
    "TransitionRecord",
    "User",
]
