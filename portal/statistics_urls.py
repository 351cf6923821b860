"""Pages of statistics: the regulators' and the public one (``portal.statistics_views``)."""

from django.urls import URLPattern

from portal.statistics_views import urlpatterns as statistics_patterns

app_name = "statistics"

urlpatterns: list[URLPattern] = list(statistics_patterns)
