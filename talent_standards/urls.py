"""Pages of the talent standards app, under the language prefix (namespace ``standards``)."""

from django.urls import include, path

from talent_standards.views import drafting, public, review

app_name = "standards"

urlpatterns = [
    path("", include(public.urlpatterns)),
    path("", include(drafting.urlpatterns)),
    path("", include(review.urlpatterns)),
]
