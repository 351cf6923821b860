"""Pages of documents issued before 1 April 2017 (``permits.views.legacy``)."""

from permits.views.legacy import urlpatterns

__all__ = ["urlpatterns"]
