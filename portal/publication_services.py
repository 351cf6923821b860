"""Writes of publications: drafting, the review by a second officer, withdrawal.

Every function is keyword-only, takes ``actor``, runs in one transaction with its audit
event, and refuses (``PermissionDeniedError``, ``ValidationError``, the workflow's errors)
before anything is written. The sanitised HTML of each language is rendered here, on every
write of the Markdown (``portal.richtext``). The state changes go through the workflow
engine (``portal.publication_workflow``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from portal.audit import audit_record
from portal.models import Organization, Publication, PublicationLink, User
from portal.publication_selectors import is_publishing_authority, publishing_authority
from portal.publication_workflow import PUBLICATION_WORKFLOW, content_problems, is_author
from portal.publications import allowed_subjects
from portal.richtext import render_markdown
from portal.services import PermissionDeniedError

K = Publication.Kind
S = Publication.State
EDITABLE_STATES: tuple[str, ...] = (S.DRAFT, S.RETURNED)
TEXT_FIELDS: tuple[str, ...] = (
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "body_zh",
    "body_en",
)


def _clean_text(values: dict[str, str]) -> dict[str, str]:
    cleaned = {name: (values.get(name) or "").strip() for name in TEXT_FIELDS}
    # Markdown keeps its line structure; only trailing blanks go.
    for name in ("body_zh", "body_en"):
        cleaned[name] = (values.get(name) or "").strip("\n").rstrip()
    return cleaned


def _check_subjects(
    authority: Organization, subjects: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    wanted = list(dict.fromkeys((str(kind), str(key)) for kind, key in subjects))
    if wanted:
        allowed = allowed_subjects(authority)
        if any(subject not in allowed for subject in wanted):
            raise ValidationError(
                {"subjects": [gettext("Your authority may not link to one of these subjects.")]}
            )
    return wanted


def _apply_text(publication: Publication, text: dict[str, str]) -> None:
    for name, value in text.items():
        setattr(publication, name, value)
    publication.body_zh_html = render_markdown(publication.body_zh)
    publication.body_en_html = render_markdown(publication.body_en)
    problems = content_problems(publication)
    if problems:
        raise ValidationError({name: [message] for name, message in problems.items()})


def _set_links(publication: Publication, subjects: list[tuple[str, str]]) -> None:
    publication.links.all().delete()
    PublicationLink.objects.bulk_create(
        PublicationLink(publication=publication, subject_kind=kind, subject_key=key)
        for kind, key in subjects
    )


def publication_create(
    *,
    actor: User,
    kind: str,
    title_zh: str = "",
    title_en: str = "",
    summary_zh: str = "",
    summary_en: str = "",
    body_zh: str = "",
    body_en: str = "",
    subjects: Iterable[tuple[str, str]] = (),
    request: HttpRequest | None = None,
) -> Publication:
    """A draft of the actor's authority (the one they hold ``publish_information`` on)."""
    authority = publishing_authority(actor)
    if authority is None or not is_publishing_authority(authority):
        raise PermissionDeniedError()
    if kind not in K.values:
        raise ValidationError({"kind": [gettext("Choose what you are writing.")]})
    if kind == K.REPORT and authority.kind != Organization.Kind.PROVINCIAL_AUTHORITY:
        raise ValidationError(
            {"kind": [gettext("Only provincial authorities send reports to the ministry.")]}
        )
    wanted = _check_subjects(authority, subjects)
    publication = Publication(kind=kind, authority=authority, author=actor)
    _apply_text(
        publication,
        _clean_text(
            {
                "title_zh": title_zh,
                "title_en": title_en,
                "summary_zh": summary_zh,
                "summary_en": summary_en,
                "body_zh": body_zh,
                "body_en": body_en,
            }
        ),
    )
    with transaction.atomic():
        publication.full_clean()
        publication.save()
        _set_links(publication, wanted)
        audit_record(
            actor=actor,
            action="publication.create",
            target=publication,
            data={
                "kind": kind,
                "authority": authority.pk,
                "subjects": [f"{k}:{v}" for k, v in wanted],
            },
            request=request,
        )
    return publication


def publication_update(
    *,
    actor: User,
    publication: Publication,
    title_zh: str = "",
    title_en: str = "",
    summary_zh: str = "",
    summary_en: str = "",
    body_zh: str = "",
    body_en: str = "",
    subjects: Iterable[tuple[str, str]] = (),
    request: HttpRequest | None = None,
) -> Publication:
    """The author edits a draft; a returned one goes back to draft (``revise``) first."""
    with transaction.atomic():
        locked = (
            Publication.objects.select_for_update()
            .select_related("authority")
            .get(pk=publication.pk)
        )
        if not is_author(actor, locked):
            raise PermissionDeniedError(gettext("Only the author edits a draft."))
        if locked.state not in EDITABLE_STATES:
            raise ValidationError(
                gettext("Only a draft or a returned text can be edited; this one is %(state)s.")
                % {"state": locked.get_state_display()}
            )
        wanted = _check_subjects(locked.authority, subjects)
        _apply_text(
            locked,
            _clean_text(
                {
                    "title_zh": title_zh,
                    "title_en": title_en,
                    "summary_zh": summary_zh,
                    "summary_en": summary_en,
                    "body_zh": body_zh,
                    "body_en": body_en,
                }
            ),
        )
        locked.full_clean()
        if locked.state == S.RETURNED:
            PUBLICATION_WORKFLOW.run(locked, "revise", actor=actor, request=request)
            locked.state = S.DRAFT
        locked.save()
        _set_links(locked, wanted)
        audit_record(
            actor=actor,
            action="publication.update",
            target=locked,
            data={"subjects": [f"{k}:{v}" for k, v in wanted]},
            request=request,
        )
    return locked


def _run(
    actor: User,
    publication: Publication,
    transition: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Publication:
    return PUBLICATION_WORKFLOW.run(
        publication, transition, actor=actor, reason=reason, request=request
    )


def publication_submit(
    *, actor: User, publication: Publication, request: HttpRequest | None = None
) -> Publication:
    return _run(actor, publication, "submit", request=request)


def publication_approve(
    *, actor: User, publication: Publication, request: HttpRequest | None = None
) -> Publication:
    """A second officer of the authority publishes it (a report: delivers it)."""
    return _run(actor, publication, "approve", request=request)


def publication_return(
    *, actor: User, publication: Publication, reason: str, request: HttpRequest | None = None
) -> Publication:
    return _run(actor, publication, "return", reason=reason, request=request)


def publication_revise(
    *, actor: User, publication: Publication, request: HttpRequest | None = None
) -> Publication:
    return _run(actor, publication, "revise", request=request)


def publication_withdraw(
    *, actor: User, publication: Publication, reason: str, request: HttpRequest | None = None
) -> Publication:
    return _run(actor, publication, "withdraw", reason=reason, request=request)


def publication_transition(
    *,
    actor: User,
    publication: Publication,
    transition: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Publication:
    """One of the above by name (the review page posts the transition's name)."""
    if transition not in {t.name for t in PUBLICATION_WORKFLOW.transitions}:
        raise ValidationError(gettext("Unknown action."))
    return _run(actor, publication, transition, reason=reason, request=request)
