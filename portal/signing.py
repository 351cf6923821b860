"""The portal's document-signing key: loading it, registering it, publishing the public keys.

Where the private key comes from (first that is set):

1. ``PORTAL_SIGNING_KEY``: the PEM text of an Ed25519 private key (PKCS#8), for secret
   stores that hand out values, not files;
2. ``PORTAL_SIGNING_KEY_FILE``: the path of such a PEM file (a mounted secret);
3. outside production only, ``PORTAL_SIGNING_DEV_KEY_FILE`` (``var/dev-signing-key.pem``):
   created on first use with a warning, so that a developer's portal signs at once.

Production settings refuse to start without 1 or 2. ``manage.py signing_key --new FILE``
writes a new key file.

Rotation
    The key in service is the one configured. The first time a new key signs, it is
    recorded (:class:`portal.models.SigningKey`) and the key that signed before is retired
    in the same transaction; a retired key stays published, so the documents it signed
    still verify, but it never signs again: a worker still holding it (a rolling deploy)
    refuses to render, and the document is rendered by a worker with the new key.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import docverify
from portal.models import SigningKey

logger = logging.getLogger(__name__)


class KeyRetired(RuntimeError):
    """The configured key has been retired or revoked: it may not sign."""


def new_private_key_pem() -> bytes:
    """A new Ed25519 private key as PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def parse_private_key(pem: bytes, origin: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            f"The document-signing key in {origin} is not a readable PEM private key: {error}"
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(
            f"The document-signing key in {origin} is not an Ed25519 key "
            "(make one with `manage.py signing_key --new FILE`)."
        )
    return key


def _dev_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(new_private_key_pem())
        path.chmod(0o600)
        logger.warning(
            "Generated a development document-signing key at %s; production needs "
            "PORTAL_SIGNING_KEY_FILE or PORTAL_SIGNING_KEY.",
            path,
        )
    return parse_private_key(path.read_bytes(), str(path))


@functools.cache
def private_key() -> Ed25519PrivateKey:
    """The configured private key (cached for the life of the process)."""
    text = str(getattr(settings, "PORTAL_SIGNING_KEY", "") or "").strip()
    if text:
        return parse_private_key(text.encode(), "PORTAL_SIGNING_KEY")
    name = str(getattr(settings, "PORTAL_SIGNING_KEY_FILE", "") or "").strip()
    if name:
        try:
            pem = Path(name).read_bytes()
        except OSError as error:
            raise ImproperlyConfigured(
                f"PORTAL_SIGNING_KEY_FILE={name} cannot be read: {error.strerror}."
            ) from error
        return parse_private_key(pem, name)
    dev = getattr(settings, "PORTAL_SIGNING_DEV_KEY_FILE", None)
    if dev:
        return _dev_key(Path(dev))
    raise ImproperlyConfigured(
        "No document-signing key: set PORTAL_SIGNING_KEY_FILE or PORTAL_SIGNING_KEY "
        "(docs/deployment.md, 'The document-signing key')."
    )


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_of(key: Ed25519PublicKey) -> str:
    """A short, stable id of a public key: 12 hex digits of its SHA-256."""
    return hashlib.sha256(raw_public(key)).hexdigest()[:12]


def signing_key() -> tuple[Ed25519PrivateKey, SigningKey]:
    """The private key with its record, recording it (and retiring the previous key) the
    first time it signs. Raises :class:`KeyRetired` for a key out of service."""
    key = private_key()
    public = key.public_key()
    kid = kid_of(public)
    record = SigningKey.objects.filter(kid=kid).first()
    if record is None:
        record = _register(kid, docverify.b64encode(raw_public(public)))
    if not record.in_service or record.revoked_at is not None:
        raise KeyRetired(
            f"The configured signing key {kid} was retired or revoked; configure the key "
            "in service."
        )
    return key, record


def _register(kid: str, public: str) -> SigningKey:
    now = timezone.now()
    try:
        with transaction.atomic():
            for previous in SigningKey.objects.select_for_update().filter(in_service=True):
                previous.in_service = False
                previous.retired_at = now
                previous.save(update_fields=["in_service", "retired_at"])
                logger.warning("Signing key %s retired: key %s takes over.", previous.kid, kid)
            return SigningKey.objects.create(
                kid=kid, public_key=public, in_service=True, in_service_from=now
            )
    except IntegrityError:  # registered concurrently by another worker
        return SigningKey.objects.get(kid=kid)


def sign(message: bytes) -> bytes:
    return private_key().sign(message)


def _local_day(moment: Any) -> str:
    return str(timezone.localtime(moment).date().isoformat())


def published_keys() -> dict[str, Any]:
    """Every key that has signed, as a JSON Web Key Set with service periods."""
    keys = []
    for record in SigningKey.objects.order_by("in_service_from", "id"):
        keys.append(
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": record.kid,
                "x": record.public_key,
                "not_before": _local_day(record.in_service_from),
                "not_after": _local_day(record.retired_at) if record.retired_at else None,
                "revoked": record.revoked_at is not None,
            }
        )
    return {
        "issuer": "Foreigner's Work Permit portal",
        "algorithm": "Ed25519 (RFC 8032)",
        "payload_context": docverify.PAYLOAD_CONTEXT.decode(),
        "file_context": docverify.FILE_CONTEXT.decode(),
        "keys": keys,
    }


def verification_keys() -> dict[str, docverify.PublicKey]:
    """The published keys, ready for :mod:`portal.docverify`."""
    return docverify.load_keys(published_keys())
