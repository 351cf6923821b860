"""Identifier formats checked on input: USCC (GB 32100-2015) and passport MRZ (ICAO 9303)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.countries import COUNTRIES, COUNTRY_NAMES, country_name
from portal.identifiers import mrz_check_digit, parse_uscc, uscc_check_character


@pytest.mark.parametrize("code", ["91110000600037341L", "91350200MA2YJ1XR9G"])
def test_published_valid_examples_pass(code):
    result = parse_uscc(code)
    assert (result.value, result.check_ok, result.division_code) == (code, True, code[2:8])


def test_check_character_values():
    assert uscc_check_character("91110000600037341") == "L"
    assert uscc_check_character("91350200MA2YJ1XR9") == "G"
    # A remainder of 0 gives the character "0" (value 0), not "31".
    assert uscc_check_character("91310104MA1G5UNK4") == "4"


def test_every_single_character_change_is_detected():
    code = "91350200MA2YJ1XR9G"
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for char in alphabet:
            if char == code[position]:
                continue
            altered = code[:position] + char + code[position + 1 :]
            if not altered[2:8].isdigit():
                continue
            assert parse_uscc(altered).check_ok is False, altered


def test_lowercase_and_spaces_are_normalised():
    assert parse_uscc("  91110000600037341l ").value == "91110000600037341L"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("9111000060003734", "uscc_length"),
        ("91110000600037341LX", "uscc_length"),
        ("91110000600037341I", "uscc_characters"),
        ("9111000060003734-L", "uscc_characters"),
        ("91A10000600037341L", "uscc_division"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        parse_uscc(raw)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        # ICAO 9303 Part 3 worked examples.
        ("L898902C3", "6"),  # document number
        ("740812", "2"),  # date of birth
        ("120415", "9"),  # date of expiry
        ("ZE184226B", "1"),
        ("<<<<<<<<<<<<<<", "0"),
    ],
)
def test_mrz_check_digits(field, digit):
    assert mrz_check_digit(field) == digit


def test_mrz_rejects_characters_outside_the_zone():
    with pytest.raises(ValueError, match="cannot appear"):
        mrz_check_digit("AB-12")


def test_country_list_is_complete_iso_3166():
    assert len(COUNTRIES) == 249
    assert len({code for code, _en, _zh in COUNTRIES}) == 249
    assert COUNTRY_NAMES["USA"] == ("United States", "美国")
    assert country_name("DEU", "zh-hans") == "德国"
    assert country_name("DEU", "en") == "Germany"
    assert country_name("XXA", "en") == "Stateless person"
    assert country_name("QQQ", "en") == "QQQ"
