"""The standalone checker (portal.docverify): payloads, file seals and the command line,
with keys made here and nothing from the database."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal import docverify

ISSUED = "2026-11-27"


def raw_public(key: Ed25519PrivateKey) -> str:
    return docverify.b64encode(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def jwk(
    key: Ed25519PrivateKey,
    kid: str,
    *,
    not_before: str = "2026-01-01",
    not_after: str | None = None,
    revoked: bool = False,
) -> dict[str, Any]:
    """A key as the portal publishes it (/.well-known/portal-signing-keys.json)."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "kid": kid,
        "x": raw_public(key),
        "not_before": not_before,
        "not_after": not_after,
        "revoked": revoked,
    }


def facts(kid: str, issued: str = ISSUED, holder: str = "AAAAAAAAAAAA") -> dict[str, Any]:
    return {
        "t": "sample",
        "n": "T-1",
        "r": 1,
        "h": holder,
        "c": "B",
        "e": "测试单位",
        "u": "2027-01-31",
        "i": issued,
        "k": kid,
    }


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def keys(key: Ed25519PrivateKey) -> dict[str, docverify.PublicKey]:
    return docverify.load_keys({"keys": [jwk(key, "k1")]})


@pytest.fixture(scope="module")
def token(key: Ed25519PrivateKey) -> str:
    return docverify.encode_token(facts("k1"), key.sign)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    """A real small PDF (WeasyPrint needs the Django settings pytest-django configured,
    not the database)."""
    from portal.pdf import render_pdf

    return render_pdf("<p>测试 test</p>")


@pytest.fixture(scope="module")
def sealed(pdf: bytes, token: str, key: Ed25519PrivateKey) -> bytes:
    return docverify.seal_pdf(pdf, token, key.sign)


# --- The payload --------------------------------------------------------------------------------


def test_a_token_round_trips_with_its_facts_under_their_long_names(token, keys) -> None:
    assert token.startswith("P1.")
    check = docverify.check_token(token, keys)
    assert (check.ok, check.code, check.token) == (True, "", token)
    assert check.facts == {
        "kind": "sample",
        "number": "T-1",
        "version": 1,
        "holder": "AAAAAAAAAAAA",
        "category": "B",
        "employer": "测试单位",
        "valid_until": "2027-01-31",
        "issued_on": ISSUED,
        "key_id": "k1",
    }
    assert check.message == "Genuine."


def test_surrounding_white_space_is_ignored(token, keys) -> None:
    assert docverify.check_token(f"  {token}\n", keys).ok


def test_one_changed_character_in_the_facts_breaks_the_signature(token, keys) -> None:
    prefix, body, signature = token.split(".")
    # "AAA" is "QUFB" in base64; Q -> R turns the holder's first "A" into an "E".
    at = body.index("QUFBQUFB")
    tampered_body = body[:at] + "R" + body[at + 1 :]
    tampered = f"{prefix}.{tampered_body}.{signature}"
    assert len(tampered) == len(token)
    assert json.loads(docverify.b64decode(tampered_body))["h"] == "EAAAAAAAAAAA"

    check = docverify.check_token(tampered, keys)
    assert (check.ok, check.code, check.facts) == (False, "bad_signature", {})


def test_changed_facts_signed_by_nobody_are_refused(token, keys) -> None:
    _, _, signature = token.split(".")
    forged = docverify.b64encode(
        json.dumps(facts("k1", holder="Mallory"), separators=(",", ":")).encode()
    )
    check = docverify.check_token(f"P1.{forged}.{signature}", keys)
    assert check.code == "bad_signature"


def test_a_changed_character_in_the_signature_is_refused(token, keys) -> None:
    prefix, body, signature = token.split(".")
    changed = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert docverify.check_token(f"{prefix}.{body}.{changed}", keys).code == "bad_signature"


def test_a_payload_signed_by_another_key_under_the_same_id_is_refused(keys) -> None:
    impostor = Ed25519PrivateKey.generate()
    forged = docverify.encode_token(facts("k1"), impostor.sign)
    assert docverify.check_token(forged, keys).code == "bad_signature"


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[:-1], id="last-character-cut"),
        pytest.param(lambda t: t[: len(t) // 2], id="cut-in-half"),
        pytest.param(lambda t: t.rsplit(".", 1)[0], id="no-signature"),
        pytest.param(lambda t: "P2" + t[2:], id="other-format"),
        pytest.param(lambda t: t.replace(".", ":", 1), id="bad-separator"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: "hello world", id="garbage"),
        pytest.param(lambda t: "P1." + "A" * 3000 + "." + "A" * 86, id="too-long"),
        pytest.param(lambda t: "P1.bm90IGpzb24." + t.rsplit(".", 1)[1], id="body-not-json"),
        pytest.param(
            lambda t: "P1." + docverify.b64encode(b"[1,2]") + "." + t.rsplit(".", 1)[1],
            id="body-not-an-object",
        ),
        pytest.param(
            lambda t: "P1." + docverify.b64encode(b'{"k":1}') + "." + t.rsplit(".", 1)[1],
            id="key-id-not-text",
        ),
    ],
)
def test_truncated_or_garbage_payloads_are_malformed(token, keys, mangle) -> None:
    check = docverify.check_token(mangle(token), keys)
    assert (check.ok, check.code, check.facts) == (False, "malformed", {})


def test_an_unreadable_issue_date_is_malformed(key, keys) -> None:
    bad = docverify.encode_token(facts("k1", issued="27.11.2026"), key.sign)
    assert docverify.check_token(bad, keys).code == "malformed"


def test_a_key_never_published_is_unknown(key) -> None:
    token = docverify.encode_token(facts("k9"), key.sign)
    keys = docverify.load_keys({"keys": [jwk(key, "k1")]})
    assert docverify.check_token(token, keys).code == "unknown_key"
    assert docverify.check_token(token, {}).code == "unknown_key"


def test_keys_of_other_types_are_not_loaded(key) -> None:
    other = {**jwk(key, "k1"), "kty": "RSA"}
    assert docverify.load_keys(json.dumps({"keys": [other]})) == {}
    assert docverify.load_keys(json.dumps({"keys": [jwk(key, "k1")]}).encode()).keys() == {"k1"}


def test_a_revoked_key_verifies_nothing(key, token) -> None:
    keys = docverify.load_keys({"keys": [jwk(key, "k1", revoked=True)]})
    check = docverify.check_token(token, keys)
    assert (check.ok, check.code, check.facts) == (False, "key_revoked", {})


@pytest.mark.parametrize(
    ("not_before", "not_after", "issued", "ok"),
    [
        ("2026-01-01", "2026-06-30", "2026-07-01", False),  # after retirement
        ("2026-12-01", None, "2026-11-30", False),  # before it entered service
        ("2026-01-01", "2026-06-30", "2026-06-30", True),  # its last day
        ("2026-01-01", "2026-06-30", "2026-01-01", True),  # its first day
    ],
)
def test_a_payload_dated_outside_its_keys_service_is_refused(
    key, not_before, not_after, issued, ok
) -> None:
    keys = docverify.load_keys(
        {"keys": [jwk(key, "k1", not_before=not_before, not_after=not_after)]}
    )
    check = docverify.check_token(docverify.encode_token(facts("k1", issued), key.sign), keys)
    assert (check.ok, check.code) == (ok, "" if ok else "key_not_in_service")


@pytest.mark.parametrize(
    ("issued", "signed", "code"),
    [
        ("2026-11-20", "2026-12-02", ""),  # issued before the key took over, signed after
        ("2026-12-02", "2026-12-02", ""),
        ("2026-12-02", "2026-11-30", "key_not_in_service"),  # signed before its service
        ("2026-12-02", "2027-02-01", "key_not_in_service"),  # signed after its retirement
        ("2026-12-02", "2.12.2026", "malformed"),
    ],
)
def test_a_signing_date_decides_the_service_period_when_the_payload_has_one(
    key, issued, signed, code
) -> None:
    keys = docverify.load_keys(
        {"keys": [jwk(key, "k1", not_before="2026-12-01", not_after="2027-01-31")]}
    )
    token = docverify.encode_token({**facts("k1", issued), "s": signed}, key.sign)
    check = docverify.check_token(token, keys)
    assert (check.ok, check.code) == (code == "", code)
    if check.ok:
        assert (check.facts["issued_on"], check.facts["signed_on"]) == (issued, signed)


def test_after_a_rotation_the_published_set_verifies_both_keys_tokens() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    published = json.dumps(
        {
            "keys": [
                jwk(old, "old", not_before="2025-01-01", not_after="2026-06-30"),
                jwk(new, "new", not_before="2026-06-30"),
            ]
        }
    )
    keys = docverify.load_keys(published)
    by_old = docverify.encode_token(facts("old", "2026-03-01"), old.sign)
    by_new = docverify.encode_token(facts("new", "2026-11-01"), new.sign)
    assert docverify.check_token(by_old, keys).facts["key_id"] == "old"
    assert docverify.check_token(by_new, keys).facts["key_id"] == "new"
    # The retired key cannot sign anything new unnoticed, nor sign as the new one.
    late = docverify.encode_token(facts("old", "2026-11-01"), old.sign)
    assert docverify.check_token(late, keys).code == "key_not_in_service"
    assert (
        docverify.check_token(docverify.encode_token(facts("new"), old.sign), keys).code
        == "bad_signature"
    )


# --- The file seal ------------------------------------------------------------------------------


def test_a_sealed_file_verifies_and_the_seal_sits_before_the_final_startxref(
    pdf, sealed, token, keys
) -> None:
    seal = docverify.read_seal(sealed)
    assert seal is not None
    assert (seal.token, seal.unsealed) == (token, pdf)
    line_end = sealed.index(b"\n", sealed.index(docverify.SEAL_MARK)) + 1
    assert sealed[line_end:].startswith(b"startxref")
    assert sealed.endswith(pdf[pdf.rfind(b"startxref") :])

    check = docverify.check_file(sealed, keys)
    assert (check.ok, check.code, check.token) == (True, "", token)
    assert check.facts["number"] == "T-1"


def test_an_unsealed_file_carries_no_seal(pdf, keys) -> None:
    assert docverify.read_seal(pdf) is None
    assert docverify.check_file(pdf, keys).code == "no_seal"


@pytest.mark.parametrize("where", ["header", "middle", "just-before-the-seal", "trailer"])
def test_one_flipped_byte_anywhere_in_the_body_alters_the_file(sealed, keys, where) -> None:
    seal_at = sealed.index(docverify.SEAL_MARK)
    position = {
        "header": 10,
        "middle": len(sealed) // 2,
        "just-before-the-seal": seal_at - 2,
        "trailer": len(sealed) - 3,  # inside the startxref offset / %%EOF
    }[where]
    altered = bytearray(sealed)
    altered[position] ^= 0x01
    check = docverify.check_file(bytes(altered), keys)
    assert (check.ok, check.code) == (False, "file_altered")
    # What the payload says is still shown, for the officer comparing it with the paper.
    assert check.facts["number"] == "T-1"


def test_an_incremental_update_appended_after_eof_alters_the_file(sealed, keys) -> None:
    update = (
        b"5 0 obj\n<< /Type /Annot /Subtype /FreeText /Contents (Valid until 2099) >>\nendobj\n"
        b"xref\n5 1\n0000000000 00000 n \ntrailer\n<< /Size 6 /Prev 0 >>\nstartxref\n0\n%%EOF\n"
    )
    assert sealed.rstrip().endswith(b"%%EOF")
    check = docverify.check_file(sealed + update, keys)
    assert (check.ok, check.code) == (False, "file_altered")


def test_a_file_without_its_seal_line_has_no_seal(sealed, keys) -> None:
    start = sealed.index(docverify.SEAL_MARK)
    end = sealed.index(b"\n", start) + 1
    stripped = sealed[:start] + sealed[end:]
    check = docverify.check_file(stripped, keys)
    assert (check.ok, check.code) == (False, "no_seal")


def test_a_seal_moved_to_another_file_does_not_verify(sealed, keys, token, key) -> None:
    from portal.pdf import render_pdf

    other = render_pdf("<p>另一份 another</p>")
    seal_line = sealed[sealed.index(docverify.SEAL_MARK) :]
    seal_line = seal_line[: seal_line.index(b"\n") + 1]
    at = other.rfind(b"startxref")
    transplanted = other[:at] + seal_line + other[at:]
    assert docverify.check_file(transplanted, keys).code == "file_altered"
    # Sealed properly by the key, the other file is genuine: the seal binds the bytes.
    assert docverify.check_file(docverify.seal_pdf(other, token, key.sign), keys).ok


def test_a_file_whose_payload_fails_fails_for_that_reason(sealed, key) -> None:
    revoked = docverify.load_keys({"keys": [jwk(key, "k1", revoked=True)]})
    assert docverify.check_file(sealed, revoked).code == "key_revoked"
    assert docverify.check_file(sealed, {}).code == "unknown_key"


def test_only_a_complete_pdf_can_be_sealed(token, key) -> None:
    with pytest.raises(ValueError, match="startxref"):
        docverify.seal_pdf(b"%PDF-1.7\nno cross-reference here", token, key.sign)
    with pytest.raises(ValueError, match="startxref"):
        docverify.seal_pdf(b"%PDF-1.7 startxref\n0\n%%EOF\n", token, key.sign)


# --- Command line -------------------------------------------------------------------------------


@pytest.fixture
def keys_file(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    path = tmp_path / "portal-signing-keys.json"
    path.write_text(json.dumps({"keys": [jwk(key, "k1")]}))
    return path


def test_main_says_genuine_and_lists_the_facts(tmp_path, keys_file, sealed, capsys) -> None:
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(sealed)
    assert docverify.main([str(letter), "--keys", str(keys_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "GENUINE"
    assert "  number: T-1" in lines
    assert "  employer: 测试单位" in lines


def test_main_says_not_genuine_with_the_reason(tmp_path, keys_file, sealed, capsys) -> None:
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(sealed + b"\n% appended\n")
    assert docverify.main([str(letter), "--keys", str(keys_file)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("NOT GENUINE (file_altered)")
    assert docverify.REASONS["file_altered"] in first


def test_main_says_not_genuine_for_a_file_without_a_seal(tmp_path, keys_file, pdf, capsys):
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(pdf)
    assert docverify.main([str(letter), "--keys", str(keys_file)]) == 1
    assert capsys.readouterr().out.splitlines()[0].startswith("NOT GENUINE (no_seal)")


@pytest.mark.parametrize("broken", ["no-pdf", "no-keys", "keys-not-json", "key-not-base64"])
def test_main_exits_2_when_it_cannot_read_its_input(
    tmp_path, keys_file, sealed, capsys, broken
) -> None:
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(sealed)
    if broken == "no-pdf":
        letter.unlink()
    elif broken == "no-keys":
        keys_file.unlink()
    elif broken == "keys-not-json":
        keys_file.write_text("<html>not the keys</html>")
    else:
        entry = json.loads(keys_file.read_text())
        entry["keys"][0]["x"] = base64.b64encode(b"short").decode()
        keys_file.write_text(json.dumps(entry))
    assert docverify.main([str(letter), "--keys", str(keys_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ")
