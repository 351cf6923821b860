"""Check a document the portal issued, with nothing but the portal's public keys.

This module imports neither Django nor anything else of the portal: copy it beside the
published keys (``/.well-known/portal-signing-keys.json``) and run

    python docverify.py LETTER.pdf --keys portal-signing-keys.json

It needs only ``cryptography``. The portal uses the same functions for its verify page,
``manage.py verify_document`` and the partner API, so every checker reaches one verdict.

Two signatures, one key
    *The payload* is what the QR code carries: a compact token ``P1.<facts>.<signature>``,
    the facts being base64url JSON with short keys (:data:`FACT_NAMES`: kind, number,
    version, holder, category, employer, validity, issue date, signing date, key id; never
    a passport number or a birth date). The signature is Ed25519 over ``PAYLOAD_CONTEXT`` and the
    facts part.

    *The file seal* binds the payload to the PDF it was printed in. After rendering, the
    portal inserts one PDF comment line just before the final ``startxref``::

        %PORTAL-SIGNATURE <token> <signature>

    whose signature is Ed25519 over ``FILE_CONTEXT`` and the SHA-256 of the file without
    that line. PDF readers skip comments, and no byte offset moves (everything the
    cross-reference table points at comes before the line). Any edit of the file, an
    appended incremental update included, changes the hash; a tool that rewrites the
    whole file drops the line. Either way the file fails, while its QR payload alone may
    still be genuine (a printed copy is checked by scanning it).

Keys
    Each published key has an id (``kid``), the raw public key (``x``, base64url, as a
    JSON Web Key of type OKP / Ed25519, RFC 8037), the first day it signed (``not_before``)
    and, once retired, the last (``not_after``); a revoked key verifies nothing. A payload
    whose signing date lies outside its key's service is refused, so a retired key cannot
    sign new documents by mistake (a key that leaked must be revoked: whoever holds it can
    also write an earlier date).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "FACT_NAMES",
    "Check",
    "PublicKey",
    "check_file",
    "check_token",
    "encode_token",
    "load_keys",
    "main",
    "read_seal",
    "seal_pdf",
]

TOKEN_PREFIX = "P1"  # noqa: S105 - a format marker, not a secret
PAYLOAD_CONTEXT = b"portal-document-payload-v1:"
FILE_CONTEXT = b"portal-document-file-v1:"
SEAL_MARK = b"%PORTAL-SIGNATURE "
# Short keys of the payload and what they mean.
FACT_NAMES: dict[str, str] = {
    "t": "kind",
    "n": "number",
    "r": "version",
    "h": "holder",
    "c": "category",
    "e": "employer",
    "f": "valid_from",
    "u": "valid_until",
    "i": "issued_on",
    "s": "signed_on",
    "k": "key_id",
}
MAX_TOKEN_LENGTH = 2000
_TOKEN = re.compile(r"^P1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{86})$")
_SEAL = re.compile(rb"%PORTAL-SIGNATURE (P1\.[A-Za-z0-9_.-]+) ([A-Za-z0-9_-]{86})\r?\n")

# Why a check failed, by code (the portal translates these for its pages).
REASONS: dict[str, str] = {
    "malformed": "This is not a document payload of the portal (or it was cut or altered).",
    "unknown_key": "The payload names a signing key the portal never published.",
    "bad_signature": "The signature does not match the payload: the payload was altered or forged.",
    "key_revoked": "The key that signed this payload has been revoked.",
    "key_not_in_service": "The payload is dated outside the period its key was in service.",
    "no_seal": "The file carries no portal signature: it is not a file the portal issued, "
    "or it was saved again by another program.",
    "file_altered": "The file was changed after the portal issued it.",
}


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PublicKey:
    kid: str
    key: Ed25519PublicKey
    not_before: dt.date
    not_after: dt.date | None = None
    revoked: bool = False


@dataclass(frozen=True)
class Check:
    """The outcome: ``ok`` with the signed ``facts`` (long names), or a failure ``code``
    (a key of :data:`REASONS`). ``token`` is the payload read, when one was."""

    ok: bool
    code: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    token: str = ""

    @property
    def message(self) -> str:
        return REASONS.get(self.code, "") if not self.ok else "Genuine."


def load_keys(published: Mapping[str, Any] | str | bytes) -> dict[str, PublicKey]:
    """The keys of the published JSON document (a mapping, or its text)."""
    data = json.loads(published) if isinstance(published, str | bytes) else published
    keys: dict[str, PublicKey] = {}
    for entry in data.get("keys", []):
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        not_after = entry.get("not_after")
        keys[entry["kid"]] = PublicKey(
            kid=entry["kid"],
            key=Ed25519PublicKey.from_public_bytes(b64decode(entry["x"])),
            not_before=dt.date.fromisoformat(entry["not_before"]),
            not_after=dt.date.fromisoformat(not_after) if not_after else None,
            revoked=bool(entry.get("revoked")),
        )
    return keys


# --- The payload ---------------------------------------------------------------------------


def _canonical(facts: Mapping[str, Any]) -> bytes:
    return json.dumps(facts, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def encode_token(facts: Mapping[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """The payload for ``facts`` (short keys, ``k`` the key id), signed by ``sign``."""
    body = b64encode(_canonical(facts))
    signature = sign(PAYLOAD_CONTEXT + body.encode("ascii"))
    return f"{TOKEN_PREFIX}.{body}.{b64encode(signature)}"


def _long_names(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts under their long names, in the order of :data:`FACT_NAMES`."""
    order = list(FACT_NAMES)
    ranked = sorted(facts, key=lambda key: order.index(key) if key in order else len(order))
    return {FACT_NAMES.get(key, key): facts[key] for key in ranked}


def check_token(token: str, keys: Mapping[str, PublicKey]) -> Check:
    """Check a payload: its form, its key, its signature, the key's service period."""
    token = (token or "").strip()
    match = _TOKEN.match(token) if len(token) <= MAX_TOKEN_LENGTH else None
    if match is None:
        return Check(False, "malformed", token=token)
    body, signature = match.groups()
    try:
        facts = json.loads(b64decode(body))
        raw_signature = b64decode(signature)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return Check(False, "malformed", token=token)
    if not isinstance(facts, dict) or not isinstance(facts.get("k"), str):
        return Check(False, "malformed", token=token)
    key = keys.get(facts["k"])
    if key is None:
        return Check(False, "unknown_key", token=token)
    try:
        key.key.verify(raw_signature, PAYLOAD_CONTEXT + body.encode("ascii"))
    except InvalidSignature:
        return Check(False, "bad_signature", token=token)
    if key.revoked:
        return Check(False, "key_revoked", token=token)
    # The day it was signed (a document issued before a key took over may be rendered,
    # and signed, by the new key a little later); older payloads carry only the issue day.
    try:
        signed = dt.date.fromisoformat(str(facts.get("s") or facts.get("i", "")))
    except ValueError:
        return Check(False, "malformed", token=token)
    if signed < key.not_before or (key.not_after is not None and signed > key.not_after):
        return Check(False, "key_not_in_service", token=token)
    return Check(True, facts=_long_names(facts), token=token)


# --- The file seal -------------------------------------------------------------------------


def _file_message(unsealed: bytes) -> bytes:
    return FILE_CONTEXT + hashlib.sha256(unsealed).digest()


def seal_pdf(pdf: bytes, token: str, sign: Callable[[bytes], bytes]) -> bytes:
    """``pdf`` with the seal line inserted before its final ``startxref``."""
    at = pdf.rfind(b"startxref")
    if at <= 0 or pdf[at - 1 : at] not in (b"\n", b"\r"):
        raise ValueError("Not a complete PDF: no final startxref on a line of its own.")
    signature = sign(_file_message(pdf))
    line = SEAL_MARK + token.encode("ascii") + b" " + b64encode(signature).encode() + b"\n"
    return pdf[:at] + line + pdf[at:]


@dataclass(frozen=True)
class Seal:
    token: str
    signature: bytes
    unsealed: bytes


def read_seal(pdf: bytes) -> Seal | None:
    """The seal of a file and the file without it; None when it has none."""
    matches = list(_SEAL.finditer(pdf))
    if not matches:
        return None
    last = matches[-1]
    unsealed = pdf[: last.start()] + pdf[last.end() :]
    return Seal(
        token=last.group(1).decode("ascii"),
        signature=b64decode(last.group(2).decode("ascii")),
        unsealed=unsealed,
    )


def check_file(pdf: bytes, keys: Mapping[str, PublicKey]) -> Check:
    """Check a PDF: its seal's payload, then the seal over the file's bytes."""
    seal = read_seal(pdf)
    if seal is None:
        return Check(False, "no_seal")
    payload = check_token(seal.token, keys)
    if not payload.ok:
        return payload
    key = keys[payload.facts["key_id"]]
    try:
        key.key.verify(seal.signature, _file_message(seal.unsealed))
    except InvalidSignature:
        return Check(False, "file_altered", facts=payload.facts, token=seal.token)
    return payload


# --- Command line --------------------------------------------------------------------------


def describe(check: Check) -> str:
    """The verdict and the facts as lines of text."""
    lines = ["GENUINE" if check.ok else f"NOT GENUINE ({check.code}): {check.message}"]
    for name, value in check.facts.items():
        lines.append(f"  {name}: {value}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check a PDF issued by the work permit portal against its public keys."
    )
    parser.add_argument("file", help="the PDF to check")
    parser.add_argument(
        "--keys", required=True, help="the portal's published keys (portal-signing-keys.json)"
    )
    args = parser.parse_args(argv)
    try:
        with open(args.keys, "rb") as handle:
            keys = load_keys(handle.read())
        with open(args.file, "rb") as handle:
            pdf = handle.read()
    except (OSError, ValueError, KeyError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    check = check_file(pdf, keys)
    sys.stdout.write(describe(check) + "\n")
    return 0 if check.ok else 1


if __name__ == "__main__":  # pragma: no cover - exercised through main()
    sys.exit(main())
