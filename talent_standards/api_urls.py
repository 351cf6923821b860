"""API endpoints of the talent standards app, mounted under /api/v1/ (namespace ``api``).

Names: ``api:national-standard-list`` / ``-detail`` (``national-standards/{version}/``),
``api:points-table-list`` / ``-detail``, ``api:regional-standard-list`` / ``-detail`` /
``-transitions``, ``api:agreement-list`` / ``-detail`` / ``-transitions``,
``api:points-assess`` (``points/assess``) and ``api:recognition-validity``.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from talent_standards.api import (
    AgreementViewSet,
    NationalStandardViewSet,
    PointsAssessView,
    PointsTableViewSet,
    RecognitionValidityView,
    RegionalStandardViewSet,
)

router = SimpleRouter()
router.register("national-standards", NationalStandardViewSet, basename="national-standard")
router.register("points-tables", PointsTableViewSet, basename="points-table")
router.register("regional-standards", RegionalStandardViewSet, basename="regional-standard")
router.register("agreements", AgreementViewSet, basename="agreement")

urlpatterns = [
    path("points/assess", PointsAssessView.as_view(), name="points-assess"),
    path("recognition-validity/", RecognitionValidityView.as_view(), name="recognition-validity"),
    *router.urls,
]
