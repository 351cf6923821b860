"""Pages of the catalogs app, under the language prefix (namespace ``catalogs``)."""

from django.urls import include, path

from catalogs.views import drafting, public, review

app_name = "catalogs"

urlpatterns = [
    path("", include(public.urlpatterns)),
    path("", include(drafting.urlpatterns)),
    path("", include(review.urlpatterns)),
]
