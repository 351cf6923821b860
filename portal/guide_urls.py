"""Pages of the service guides (办事指南): ``portal.guide_views``, public."""

from django.urls import URLPattern, path

from portal import guide_views

app_name = "guides"

urlpatterns: list[URLPattern] = [
    path("guides/", guide_views.guide_list, name="list"),
    path("guides/<slug:key>/", guide_views.guide_detail, name="guide"),
    path("guides/<slug:key>/pdf", guide_views.guide_pdf, name="pdf"),
]
