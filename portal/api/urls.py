from django.conf import settings
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .publications import PublicationViewSet
from .root import APIRootView
from .views import MeView, OrganizationViewSet, RegionViewSet

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("publications", PublicationViewSet, basename="publication")

urlpatterns = [
    path("", APIRootView.as_view(), name="root"),
    path("me/", MeView.as_view(), name="me"),
    path("", include(router.urls)),
    # Each app's endpoints, by dotted path (the kernel imports no app).
    *(path("", include(urlconf)) for urlconf in settings.PORTAL_API_URLCONFS),
]
