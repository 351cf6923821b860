"""The API root: every endpoint of every app, registered by name.

The kernel registers its own; domain apps call ``register`` from their ``AppConfig.ready``
so that the kernel never imports them.
"""

from __future__ import annotations

from collections import OrderedDict

from django.urls import NoReverseMatch
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

_ENDPOINTS: OrderedDict[str, str] = OrderedDict()


def register(key: str, url_name: str) -> None:
    _ENDPOINTS[key] = url_name


register("regions", "api:region-list")
register("organizations", "api:organization-list")
register("me", "api:me")
register("publications", "api:publication-list")
register("schema", "api-schema")
register("docs", "api-docs")


class APIRootView(APIView):
    """Foreigner's Work Permit Portal API, version 1."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        links: dict[str, str] = {}
        # Resources first, in registration order; the schema and its docs last.
        ordered = sorted(_ENDPOINTS.items(), key=lambda item: item[0] in ("schema", "docs"))
        for key, name in ordered:
            try:
                links[key] = reverse(name, request=request)
            except NoReverseMatch:
                continue
        return Response(links)
