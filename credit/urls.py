"""The credit app's pages: records, objections and the public list (``credit.record_urls``);
inspection campaigns (``credit.inspection_urls``)."""

from django.urls import include, path

app_name = "credit"

urlpatterns = [
    path("", include("credit.record_urls")),
    path("", include("credit.inspection_urls")),
]
