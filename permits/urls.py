"""Pages of the permits app, under the language prefix (namespace ``permits``). Each part's
view module lists its own ``urlpatterns``."""

from django.urls import include, path

from permits.views import applications, registration, review
from permits.views import permits as permits_views

app_name = "permits"

urlpatterns: list = []
urlpatterns += [path("", include(registration.urlpatterns))]
urlpatterns += [path("", include(review.urlpatterns))]
urlpatterns += [path("", include(applications.urlpatterns))]
urlpatterns += [path("", include(permits_views.urlpatterns))]
urlpatterns += [path("", include("permits.legacy_urls"))]
