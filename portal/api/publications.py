"""Open data of what the authorities publish: announcements, policy interpretations, FAQ.

``/api/v1/publications/`` and ``/api/v1/publications/{id}/`` answer what the public page
``/publications/`` shows, for machines (provincial websites, news aggregators, partner
systems): public (no sign-in), read-only, throttled by the default anonymous rate.

* Only published announcements, interpretations and FAQ entries, through the public
  selectors (``portal.publication_selectors``): a draft, a text in review, a returned or
  withdrawn one and every report answer 404, the same as an id that does not exist.
* The filters are the public page's (``q``, ``authority``, ``kind``, ``year``, ``about``),
  applied by the same selector so that the API and the page always agree; a bad value is
  a 400 naming the field (``{"code": "invalid", ..., "fields": {...}}``), never ignored.
* Newest first (the publication date, then the id), cursor-paginated (no ``COUNT(*)``).
* The detail adds the stored sanitised HTML of each language; the Markdown source is
  never sent nor rendered here.
* ``url`` and the subjects' ``url`` are the public pages, absolute, in the request's
  language (``Accept-Language``; Chinese by default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import django_filters
from django import forms
from django.db.models import BigIntegerField, F, Model, Prefetch, QuerySet, Value
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from portal import publication_selectors as selectors
from portal.api.pagination import DefaultCursorPagination
from portal.models import Organization, Publication, PublicationLink
from portal.publications import describe_subject, parse_subject_value

FIRST_YEAR = 2017  # the national work permit system started on 1 April 2017
AUTHORITY_CODE = re.compile(rf"^(?:{selectors.MINISTRY_CODE}|\d{{2}}0000)$")
PUBLIC_KIND_CHOICES = [(k, Publication.Kind(k).label) for k in selectors.PUBLIC_KINDS]
_Model = TypeVar("_Model", bound=Model)
_Row = TypeVar("_Row")
# Not sent in a list: the texts are read one by one (and never the Markdown source).
BODIES = ("body_zh", "body_en", "body_zh_html", "body_en_html")


# --- Filters ----------------------------------------------------------------------------------


class PublicationFilterForm(forms.Form):
    """Cleans the filters into the public selector's arguments."""

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q") or "").strip()

    def clean_authority(self) -> Organization | None:
        code = str(self.cleaned_data.get("authority") or "").strip().lower()
        if not code:
            return None
        # A malformed code costs no query.
        authority = selectors.authority_by_code(code) if AUTHORITY_CODE.match(code) else None
        if authority is None:
            raise forms.ValidationError(
                _(
                    "No authority publishes under this code: give a province's division "
                    "code (310000) or mohrss for the ministry."
                ),
                code="unknown_authority",
            )
        return authority

    def clean_year(self) -> int | None:
        year = self.cleaned_data.get("year")
        if year is None:
            return None
        last = timezone.localdate().year
        if not FIRST_YEAR <= year <= last:
            raise forms.ValidationError(
                _("Give a year from %(first)d to %(last)d."),
                code="year_out_of_range",
                params={"first": FIRST_YEAR, "last": last},
            )
        return int(year)

    def clean_about(self) -> tuple[str, str] | None:
        value = str(self.cleaned_data.get("about") or "").strip()
        if not value:
            return None
        parsed = parse_subject_value(value)
        if parsed is None:
            raise forms.ValidationError(
                _("Unknown subject: give a kind and a key, such as catalog:310000."),
                code="unknown_subject",
            )
        return parsed


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


# The filter's own type would be a "number" (django-filter's NumberFilter).
YEAR_PARAMETER = OpenApiParameter(
    "year", OpenApiTypes.INT, description=_("Year of publication (from 2017).")
)


class PublicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        max_length=100,
        label=_("Words searched in the titles and texts in Chinese and English (every word)."),
    )
    authority = django_filters.CharFilter(
        label=_("The publishing authority: a province's division code (310000) or mohrss."),
    )
    kind = django_filters.ChoiceFilter(choices=PUBLIC_KIND_CHOICES, label=_("Kind of text."))
    year = YearFilter()
    about = django_filters.CharFilter(
        max_length=120,
        label=_("What the text is about, as kind:key (catalog:310000, standard:national)."),
    )

    class Meta:
        model = Publication
        form = PublicationFilterForm
        fields = ["q", "authority", "kind", "year", "about"]

    def filter_queryset(self, queryset: QuerySet[Publication]) -> QuerySet[Publication]:
        # The public page's selector applies the filters, so that the API answers exactly
        # what the page shows (``queryset`` is that selector's unfiltered list).
        data = self.form.cleaned_data
        return selectors.public_publications(
            q=data.get("q") or "",
            authority=data.get("authority"),
            kind=data.get("kind") or "",
            year=data.get("year"),
            subject=data.get("about"),
        )


# --- Serializers ------------------------------------------------------------------------------


class PublicationAuthoritySerializer(serializers.Serializer[Organization]):
    code = serializers.SerializerMethodField(
        help_text=_("A province's division code (310000), or mohrss for the ministry.")
    )
    name_zh = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)

    def get_code(self, authority: Organization) -> str:
        return selectors.authority_code(authority)


class PublicationSubjectSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text=_("Kind of subject: catalog, standard, procedure."))
    key = serializers.CharField(help_text=_("The subject within its kind (310000, national)."))
    title = serializers.CharField(help_text=_("The subject's name, in the request's language."))
    url = serializers.URLField(help_text=_("The subject's public page (absolute address)."))


def _absolute(context: Mapping[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class PublicationSerializer(serializers.ModelSerializer[Publication]):
    # A plain string, not an enum: "kind" already names the organizations' enum, and two
    # enums of one name make drf-spectacular guess a name.
    kind = serializers.CharField(
        read_only=True, help_text=_("announcement, interpretation or faq.")
    )
    authority = PublicationAuthoritySerializer(read_only=True)
    subjects = serializers.SerializerMethodField(
        help_text=_("What the text is about, with the subjects' public pages.")
    )
    url = serializers.SerializerMethodField(
        help_text=_("The text's public page (absolute address, in the request's language).")
    )
    published_on = serializers.DateField(read_only=True)

    class Meta:
        model = Publication
        fields = [
            "id",
            "kind",
            "authority",
            "title_zh",
            "title_en",
            "summary_zh",
            "summary_en",
            "published_on",
            "subjects",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(PublicationSubjectSerializer(many=True))
    def get_subjects(self, publication: Publication) -> list[dict[str, str]]:
        # Described once a request per subject (the view hands over the memo): a page
        # about one province's catalog asks for its name once, whatever its length.
        described: dict[tuple[str, str], Any] = self.context.get("described", {})
        found = []
        for link in publication.links.all():
            pair = (link.subject_kind, link.subject_key)
            if pair not in described:
                described[pair] = describe_subject(*pair)
            subject = described[pair]
            if subject is not None:
                found.append(
                    {
                        "kind": subject.kind,
                        "key": subject.key,
                        "title": subject.title,
                        "url": _absolute(self.context, subject.url),
                    }
                )
        return found

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, publication: Publication) -> str:
        return _absolute(self.context, reverse("publications:detail", args=[publication.pk]))


class PublicationDetailSerializer(PublicationSerializer):
    body_html_zh = serializers.CharField(
        source="body_zh_html",
        read_only=True,
        help_text=_("The Chinese text as sanitised HTML (empty when there is none)."),
    )
    body_html_en = serializers.CharField(
        source="body_en_html",
        read_only=True,
        help_text=_("The English text as sanitised HTML (empty when there is none)."),
    )

    class Meta(PublicationSerializer.Meta):
        fields = [*PublicationSerializer.Meta.fields, "body_html_zh", "body_html_en"]


# --- Views ------------------------------------------------------------------------------------


# The publication date and the id in one integer, yyyymmdd * 10**10 + id: unique, and in the
# order of the page and the feeds (newest first, the id breaking ties within a day).
POSITION = Cast(
    (
        ExtractYear("published_on") * 10000
        + ExtractMonth("published_on") * 100
        + ExtractDay("published_on")
    )
    * Value(10**10)
    + F("pk"),
    output_field=BigIntegerField(),
)


class PublicationPagination(DefaultCursorPagination):
    """Newest first by the publication date, then the id.

    A cursor is exact in both directions only on a unique key: on the date alone, DRF
    would count an offset within the texts of one day, and walking back across such a day
    shows some texts twice. So the key is ``POSITION`` (date and id together).
    """

    ordering = "-position"

    def paginate_queryset(
        self,
        queryset: QuerySet[_Model, _Row] | Sequence[_Row],
        request: Request,
        view: APIView | None = None,
    ) -> list[_Row] | None:
        if isinstance(queryset, QuerySet):
            return super().paginate_queryset(queryset.annotate(position=POSITION), request, view)
        return super().paginate_queryset(queryset, request, view)


def _links() -> Prefetch[Any]:
    return Prefetch("links", queryset=PublicationLink.objects.order_by("subject_kind", "pk"))


@extend_schema_view(
    list=extend_schema(
        summary=_("Published announcements, policy interpretations and FAQ entries"),
        description=_(
            "What the public page /publications/ lists, newest first, with its filters. "
            "Never a draft, never a report."
        ),
        parameters=[YEAR_PARAMETER],
    ),
    retrieve=extend_schema(
        summary=_("One published text"),
        description=_(
            "A published announcement, policy interpretation or FAQ entry, with the "
            "sanitised HTML of each language. A draft, a withdrawn text or a report is a "
            "404, as is an id that does not exist."
        ),
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The text's id.")
            )
        ],
    ),
)
class PublicationViewSet(viewsets.ReadOnlyModelViewSet[Publication]):
    """Announcements, policy interpretations and FAQ entries the authorities published."""

    permission_classes = [permissions.AllowAny]
    filterset_class = PublicationFilter
    pagination_class = PublicationPagination
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self) -> QuerySet[Publication]:
        return selectors.public_publications()

    def filter_queryset(self, queryset: QuerySet[Publication, _Row]) -> QuerySet[Publication, _Row]:
        return super().filter_queryset(queryset).defer(*BODIES).prefetch_related(_links())

    def get_object(self) -> Publication:
        publication = selectors.public_publication(int(self.kwargs["pk"]))
        if publication is None:
            raise NotFound
        return publication

    def get_serializer_class(self) -> type[BaseSerializer[Publication]]:
        if self.action == "retrieve":
            return PublicationDetailSerializer
        return PublicationSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "described": {}}
