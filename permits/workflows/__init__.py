"""The lifecycles of permits, as data: applications, registrations, letters and permits,
each in its own module. Importing the package registers them all with the engine (the app's
``ready`` does, so that every process knows every workflow)."""

from permits.workflows.application import APPLICATION_WORKFLOW
from permits.workflows.permit import LETTER_WORKFLOW, PERMIT_WORKFLOW
from permits.workflows.registration import REGISTRATION_WORKFLOW

__all__ = ["APPLICATION_WORKFLOW", "LETTER_WORKFLOW", "PERMIT_WORKFLOW", "REGISTRATION_WORKFLOW"]
