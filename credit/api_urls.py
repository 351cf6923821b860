"""The credit app's API endpoints, mounted under /api/v1/ (namespace ``api``).

Partner agencies: ``api:partner-credit-standing`` (``partner/credit/standing/``).
"""

from django.urls import URLPattern, path

from credit.api import PartnerStandingView

urlpatterns: list[URLPattern] = [
    path(
        "partner/credit/standing/",
        PartnerStandingView.as_view(),
        name="partner-credit-standing",
    ),
]
