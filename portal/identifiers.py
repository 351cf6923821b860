"""Official identifier formats, checked on input.

* Unified Social Credit Identifier (统一社会信用代码), GB 32100-2015.
* Machine-readable passport zone check digits, ICAO Doc 9303.
* Administrative division codes, GB/T 2260.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")
_DIVISION_CODE = re.compile(r"^\d{6}$")


def uscc_check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a USCC."""
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True)
class USCCResult:
    """A well-formed USCC and what its content says.

    ``check_ok`` is False for codes whose check character does not match. Such codes exist
    in the wild, so the portal's policy is to accept them flagged for an officer rather than
    refuse the employer outright (see docs/adr/0004-uscc-checksum-policy.md).
    """

    value: str
    check_ok: bool
    division_code: str


def parse_uscc(raw: str) -> USCCResult:
    """Normalise and check a USCC; raise ValidationError if it is not well formed."""
    value = (raw or "").strip().upper()
    if len(value) != 18:
        raise ValidationError(
            _("A Unified Social Credit Identifier has exactly 18 characters."),
            code="uscc_length",
        )
    if not _USCC_SHAPE.match(value):
        raise ValidationError(
            _(
                "A Unified Social Credit Identifier uses only digits and the capital "
                "letters A-Y without I, O, S, V and Z."
            ),
            code="uscc_characters",
        )
    division = value[2:8]
    if not _DIVISION_CODE.match(division):
        raise ValidationError(
            _(
                "Characters 3 to 8 of a Unified Social Credit Identifier are the "
                "six-digit administrative division code."
            ),
            code="uscc_division",
        )
    return USCCResult(
        value=value,
        check_ok=uscc_check_character(value[:17]) == value[17],
        division_code=division,
    )


def validate_uscc_shape(value: str) -> None:
    """Model-field validator: the shape only; the check character is a flag, not an error."""
    parse_uscc(value)


def mrz_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"{char!r} cannot appear in a machine-readable zone")


def mrz_check_digit(field: str) -> str:
    """ICAO 9303 check digit: values times repeating weights 7, 3, 1, modulo 10."""
    weights = (7, 3, 1)
    total = sum(mrz_value(char) * weights[i % 3] for i, char in enumerate(field.upper()))
    return str(total % 10)


def validate_division_code(value: str) -> None:
    if not _DIVISION_CODE.match(value or ""):
        raise ValidationError(
            _("An administrative division code has six digits (GB/T 2260)."),
            code="division_code",
        )
