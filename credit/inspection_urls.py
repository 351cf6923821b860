"""Pages of the inspection campaigns (see credit/urls.py; namespace ``credit``)."""

from django.urls import URLPattern, path

from . import inspection_views as views

urlpatterns: list[URLPattern] = [
    path("inspections/", views.public_campaigns, name="public_campaigns"),
    path("inspections/<int:pk>/", views.public_campaign, name="public_campaign"),
    path("inspections/work/", views.campaigns, name="inspection_campaigns"),
    path("inspections/work/new/", views.campaign_new, name="inspection_campaign_new"),
    path("inspections/work/<int:pk>/", views.campaign_detail, name="inspection_campaign"),
    path(
        "inspections/work/<int:pk>/do/<slug:name>/",
        views.campaign_transition,
        name="inspection_campaign_transition",
    ),
    path(
        "inspections/work/<int:pk>/assignments/<int:assignment_pk>/",
        views.assignment_outcome,
        name="inspection_assignment_outcome",
    ),
]
