"""Reads of documents issued before 1 April 2017 (``permits.legacy_models``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from permits.access import employer_ids_for
from permits.legacy_models import LegacyDocument
from permits.selectors.review import OfficerScope
from portal.access import AnyUser
from portal.models import Region


def officer_provinces(scope: OfficerScope) -> QuerySet[Region]:
    """The provinces where the officer records documents (accepts or decides there)."""
    return Region.objects.filter(
        pk__in=sorted(scope.accept_provinces | scope.decide_provinces)
    ).order_by("code")


def legacy_for_officer(scope: OfficerScope, query: str = "") -> QuerySet[LegacyDocument]:
    """The documents of the officer's provinces, the latest end of validity first,
    searched by the document's or passport's number (exact, spaces ignored) or the
    holder's name."""
    provinces = sorted(scope.accept_provinces | scope.decide_provinces)
    documents = LegacyDocument.objects.filter(region_id__in=provinces).select_related(
        "holder", "passport", "employer"
    )
    query = " ".join(query.split())
    if query:
        number = query.replace(" ", "").upper()
        by_name = Q()
        for word in query.split():
            by_name &= (
                Q(holder__surname__icontains=word)
                | Q(holder__given_names__icontains=word)
                | Q(holder__name_zh__icontains=word)
            )
        documents = documents.filter(Q(number=number) | Q(passport__number=number) | by_name)
    return documents.order_by("-valid_until", "-id")


def legacy_by_number(number: str) -> LegacyDocument | None:
    """The document with this number (normalised: upper-case, no spaces); of two kinds
    with the same number, a valid one first, then the latest to end."""
    return (
        LegacyDocument.objects.filter(number=number)
        .select_related("holder", "employer")
        .annotate(
            valid_first=Case(
                When(state=LegacyDocument.State.VALID, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("valid_first", "-valid_until", "pk")
        .first()
    )


def valid_legacy_document(
    foreigner_id: int, employer_id: int, day: dt.date
) -> LegacyDocument | None:
    """The person's document valid on ``day`` at the employer, if any."""
    return (
        LegacyDocument.objects.filter(
            holder_id=foreigner_id,
            employer_id=employer_id,
            state=LegacyDocument.State.VALID,
            valid_until__gte=day,
        )
        .order_by("-valid_until", "pk")
        .first()
    )


def legacy_worker_prefill(document: LegacyDocument) -> dict[str, object]:
    """The worker step's values (as ``permits.services.applications`` reads them) taken
    from a pre-2017 document's holder and passport: what a new application for the same
    person at the same employer starts from."""
    holder, passport = document.holder, document.passport
    return {
        "surname": holder.surname,
        "given_names": holder.given_names,
        "name_zh": holder.name_zh,
        "sex": holder.sex,
        "date_of_birth": holder.date_of_birth,
        "nationality": holder.nationality,
        "passport_number": passport.number,
        "passport_country": passport.issuing_country,
        "passport_issue_date": passport.issue_date,
        "passport_expiry_date": passport.expiry_date,
    }


def employer_legacy_documents(user: AnyUser, day: dt.date) -> list[LegacyDocument]:
    """The pre-2017 documents valid on ``day`` at the employers ``user`` acts for (its own,
    or those whose power of attorney is in force), soonest to end first: each can start
    the holder's application under the new system."""
    ids = employer_ids_for(user, day)
    if not ids:
        return []
    return list(
        LegacyDocument.objects.filter(
            employer_id__in=ids, state=LegacyDocument.State.VALID, valid_until__gte=day
        )
        .select_related("holder", "employer")
        .order_by("valid_until", "pk")[:100]
    )
