"""API endpoints of the permits app, mounted under /api/v1/ (namespace ``api``).

Employer integrations: ``api:application-list`` (``applications/``), ``-detail``,
``-step`` (``applications/{id}/steps/{step}/``), ``-documents``, ``-document``
(``applications/{id}/documents/{document_id}/``), ``-checklist``, ``-problems``,
``-transitions``, ``-information-request`` and ``-information-item``
(``applications/{id}/information-request/items/{position}/``).

Partner agencies: ``api:partner-permit`` (``partner/permits/{permit_number}/``) and
``api:partner-permit-by-passport`` (``partner/permits/by-passport/``).
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from permits.api import (
    ApplicationViewSet,
    PartnerPermitByPassportView,
    PartnerPermitView,
    PartnerVerifyView,
)
from portal.api import root as api_root

router = SimpleRouter()
router.register("applications", ApplicationViewSet, basename="application")

urlpatterns = [
    path("partner/verify/", PartnerVerifyView.as_view(), name="partner-verify"),
    path(
        "partner/permits/by-passport/",
        PartnerPermitByPassportView.as_view(),
        name="partner-permit-by-passport",
    ),
    path(
        "partner/permits/<str:permit_number>/",
        PartnerPermitView.as_view(),
        name="partner-permit",
    ),
    *router.urls,
]

# The API root lists the collections (the partner lookups need a number or a passport).
api_root.register("applications", "api:application-list")
