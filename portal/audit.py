"""Writing and verifying the hash-chained audit log.

``audit_record`` is called inside the transaction of the change it records, so the event
and the change commit or roll back together. Verification recomputes every hash in
sequence order and names the first event that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from portal.models import AuditChainHead, AuditEvent, User
from portal.models.audit import GENESIS_HASH


def _normalise(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a JSON column gives back: dates, decimals and UUIDs as strings."""
    return json.loads(json.dumps(dict(data or {}), cls=DjangoJSONEncoder))


def event_hash(
    *,
    seq: int,
    at: Any,
    actor_id: int | None,
    actor_repr: str,
    organization_id: int | None,
    action: str,
    target_model: str,
    target_id: str,
    target_repr: str,
    data: Mapping[str, Any],
    ip_address: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON rendering of the event and its predecessor's hash."""
    at_utc = at.astimezone(dt.UTC) if timezone.is_aware(at) else at
    canonical = json.dumps(
        [
            seq,
            at_utc.isoformat(timespec="microseconds"),
            actor_id,
            actor_repr,
            organization_id,
            action,
            target_model,
            target_id,
            target_repr,
            data,
            ip_address,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _trusted(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the person, for the audit log and sign-in throttling.

    Without configured proxies it is the connection's address (REMOTE_ADDR). When the
    connection comes from one of ``PORTAL_TRUSTED_PROXIES``, X-Forwarded-For is read from
    the right, skipping trusted proxies; the first untrusted address is the client's.
    Addresses a client wrote into the header itself lie further left and are never used.
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    networks = settings.PORTAL_TRUSTED_PROXY_NETWORKS
    if not remote or not networks or not _trusted(remote, networks):
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    for address in reversed(forwarded):
        if not _trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # a malformed header: fall back to what we know
    return remote


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    data: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_repr: str = "",
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    ``actor`` is None for events without a signed-in person (a failed sign-in, a periodic
    task); ``actor_repr`` then says who or what acted.
    """
    with transaction.atomic():
        # Lock the head first (row lock on PostgreSQL, write lock on SQLite), so concurrent
        # writers queue here and every event is chained onto the one committed before it.
        updated = AuditChainHead.objects.filter(pk=1).update(seq=F("seq") + 1)
        if not updated:
            AuditChainHead.objects.create(pk=1, seq=1, hash=GENESIS_HASH)
        head = AuditChainHead.objects.get(pk=1)

        person = actor if actor is not None and actor.is_authenticated else None
        fields: dict[str, Any] = {
            "seq": head.seq,
            "at": timezone.now(),
            "actor_id": person.pk if person is not None else None,
            "actor_repr": (person.get_username() if person is not None else actor_repr)[:150],
            "organization_id": person.organization_id if person is not None else None,
            "action": action,
            "target_model": target._meta.label_lower if target is not None else "",
            "target_id": str(target.pk) if target is not None else "",
            "target_repr": str(target)[:255] if target is not None else "",
            "data": _normalise(data),
            "ip_address": client_ip(request),
            "prev_hash": head.hash,
        }
        digest = event_hash(**fields)
        event = AuditEvent.objects.create(
            seq=fields["seq"],
            at=fields["at"],
            actor_id=fields["actor_id"],
            actor_repr=fields["actor_repr"],
            organization_id_at_time=fields["organization_id"],
            action=action,
            target_model=fields["target_model"],
            target_id=fields["target_id"],
            target_repr=fields["target_repr"],
            data=fields["data"],
            ip_address=fields["ip_address"],
            prev_hash=fields["prev_hash"],
            hash=digest,
        )
        AuditChainHead.objects.filter(pk=1).update(hash=digest)
    return event


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    last_seq: int
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def _stored_hash(event: AuditEvent) -> str:
    return event_hash(
        seq=event.seq,
        at=event.at,
        actor_id=event.actor_id,
        actor_repr=event.actor_repr,
        organization_id=event.organization_id_at_time,
        action=event.action,
        target_model=event.target_model,
        target_id=event.target_id,
        target_repr=event.target_repr,
        data=event.data,
        ip_address=event.ip_address,
        prev_hash=event.prev_hash,
    )


def iter_chain(chunk_size: int = 2000) -> Iterator[AuditEvent]:
    """Every event in chain order, in bounded memory (keyset pages on ``seq``)."""
    last = 0
    while True:
        page = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:chunk_size])
        if not page:
            return
        yield from page
        last = page[-1].seq


def audit_verify_chain(progress: Any = None) -> ChainReport:
    """Recompute the chain; report the first event that is missing, altered or misplaced."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in iter_chain():
        if event.seq != expected_seq:
            return ChainReport(
                checked,
                expected_seq - 1,
                ChainBreak(
                    expected_seq,
                    None,
                    f"event #{expected_seq} is missing (next stored is #{event.seq})",
                ),
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                event.seq,
                ChainBreak(
                    event.seq,
                    event.pk,
                    f"event #{event.seq} does not point at the hash of event #{event.seq - 1}",
                ),
            )
        if _stored_hash(event) != event.hash:
            return ChainReport(
                checked,
                event.seq,
                ChainBreak(
                    event.seq,
                    event.pk,
                    f"event #{event.seq} ({event.action}) was altered: "
                    "its content no longer matches its hash",
                ),
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
        if progress is not None and checked % 1000 == 0:
            progress(checked)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        return ChainReport(
            checked,
            expected_seq - 1,
            ChainBreak(
                expected_seq,
                None,
                f"the chain ends at event #{expected_seq - 1} but its head records "
                f"#{head.seq}: events at the end were removed",
            ),
        )
    return ChainReport(checked, expected_seq - 1, None)
