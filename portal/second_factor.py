"""Time-based one-time passwords (RFC 6238) as the second factor for officials.

Secrets are 160 random bits, shown once as base32 (and as a QR code) at enrolment, stored
encrypted with Fernet under a key derived from ``SECRET_KEY``; keys derived from
``SECRET_KEY_FALLBACKS`` still decrypt, so a key rotation does not lock officers out.
"""

from __future__ import annotations

import base64
import os
import time
from urllib.parse import quote, urlencode

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.twofactor import InvalidToken as InvalidTOTP
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from django.conf import settings

DIGITS = 6
STEP_SECONDS = 30
# A code from the previous or the next time step is accepted: phones drift.
TOLERANCE_STEPS = 1
ISSUER = "Work Permit Portal"


def _fernet_key(secret_key: str) -> bytes:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"portal.second_factor",
        info=b"totp-secret-encryption",
    ).derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(derived)


def _cipher() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def new_secret() -> bytes:
    return os.urandom(20)


def encrypt_secret(secret: bytes) -> str:
    return _cipher().encrypt(secret).decode("ascii")


def decrypt_secret(token: str) -> bytes:
    try:
        return _cipher().decrypt(token.encode("ascii"))
    except InvalidToken as exc:  # the key changed without a fallback
        raise ValueError("the second-factor secret cannot be decrypted") from exc


def secret_base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def provisioning_uri(secret: bytes, account: str) -> str:
    """The otpauth:// URI that authenticator apps read from a QR code."""
    label = quote(f"{ISSUER}:{account}")
    query = urlencode(
        {
            "secret": secret_base32(secret),
            "issuer": ISSUER,
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def _totp(secret: bytes) -> TOTP:
    # RFC 6238's default, and the only algorithm every authenticator app supports. HMAC-SHA1
    # is not weakened by SHA-1's collision attacks.
    return TOTP(secret, DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=False)  # noqa: S303


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: bytes, step: int) -> str:
    return _totp(secret).generate(step * STEP_SECONDS).decode("ascii")


def matching_step(
    secret: bytes, code: str, *, after_step: int, now: float | None = None
) -> int | None:
    """The time step ``code`` belongs to, if valid now and newer than ``after_step``.

    Refusing steps at or before ``after_step`` makes every code single-use.
    """
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    here = current_step(now)
    for step in range(here - TOLERANCE_STEPS, here + TOLERANCE_STEPS + 1):
        if step <= after_step:
            continue
        try:
            totp.verify(code.encode("ascii"), step * STEP_SECONDS)
        except InvalidTOTP:
            continue
        return step
    return None
