"""The issued documents shown on the permits pages: one query per page, every version."""

from __future__ import annotations

from django.db.models import Model, Q

from permits.models import Application, NotificationLetter, Permit, Registration
from portal.models import IssuedDocument


def _of(model: type[Model], ids: list[int]) -> Q:
    # By the content type's natural key, joined in the one query (no lookup of its id).
    meta = model._meta
    return Q(
        subject_type__app_label=meta.app_label,
        subject_type__model=meta.model_name,
        subject_id__in=ids,
    )


def _listed(condition: Q) -> list[IssuedDocument]:
    return list(
        IssuedDocument.objects.filter(condition)
        .select_related("supersedes")
        .order_by("superseded_at", "kind", "-version")
    )


def application_documents(application: Application) -> list[IssuedDocument]:
    """The decision on the application and what its approval issued or changed: the
    letter, the new permit, or the new version of the permit it extended or changed."""
    decided = (
        Application.State.APPROVED,
        Application.State.REJECTED,
        Application.State.NOT_ACCEPTED,
    )
    if application.state not in decided:  # only a decision issues documents
        return []
    condition = _of(Application, [application.pk])
    if application.state == Application.State.APPROVED:
        letters = list(
            NotificationLetter.objects.filter(application=application).values_list("pk", flat=True)
        )
        permits = list(Permit.objects.filter(application=application).values_list("pk", flat=True))
        if letters:
            condition |= _of(NotificationLetter, letters)
        if permits:
            condition |= _of(Permit, permits)
        elif application.permit_id is not None and application.kind in (
            Application.Kind.EXTENSION,
            Application.Kind.CHANGE,
        ):
            condition |= _of(Permit, [application.permit_id])
    return _listed(condition)


def permit_documents(permit: Permit) -> list[IssuedDocument]:
    """Every version of the permit's document, and the letter it was issued on."""
    condition = _of(Permit, [permit.pk])
    if permit.letter_id is not None:
        condition |= _of(NotificationLetter, [permit.letter_id])
    return _listed(condition)


def letter_documents(letter: NotificationLetter) -> list[IssuedDocument]:
    return _listed(_of(NotificationLetter, [letter.pk]))


def registration_documents(registration: Registration) -> list[IssuedDocument]:
    return _listed(_of(Registration, [registration.pk]))
