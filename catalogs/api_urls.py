"""API endpoints of the catalogs app, mounted under /api/v1/ in the ``api`` namespace.

Names: ``api:occupation-list``, ``api:occupation-detail``, ``api:catalog-list``,
``api:catalog-detail`` and ``api:catalog-entries`` (``catalogs/{id}/entries/``).
"""

from rest_framework.routers import SimpleRouter

from catalogs.api import CatalogViewSet, OccupationViewSet

router = SimpleRouter()
router.register("occupations", OccupationViewSet, basename="occupation")
router.register("catalogs", CatalogViewSet, basename="catalog")

urlpatterns = router.urls
