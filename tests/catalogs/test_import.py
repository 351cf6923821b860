"""The occupation importer: ``catalogs.importing`` and ``manage.py import_occupations``.

On the shipped 2022 file (2,047 rows, four parent groups missing, one detailed occupation
with occupations under it), on a corrected edition, on another edition beside it, and on
broken files, each of which must leave the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from catalogs import importing
from catalogs.importing import (
    ImportProblem,
    ImportReport,
    ancestors_of,
    import_occupations,
    import_shipped_edition,
    parent_code_of,
    summary_lines,
)
from catalogs.models import Occupation
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parents[2] / "catalogs" / "data" / "occupations-2022.csv"
DATA = Path(__file__).resolve().parent / "data"
CORRECTED = DATA / "occupations-2022-corrected.csv"
BROKEN = DATA / "occupations-broken.csv"
HEADER = "code,level,title_zh,digital,green"

MISSING_PARENTS = [
    (
        "1-06-01-00",
        "The parent group 1-06-01-00 is missing; 3 rows need it (1-06-01-01, 1-06-01-02, "
        "1-06-01-03). They are attached to 1-06-00-00.",
    ),
    (
        "2-01-04-00",
        "The parent group 2-01-04-00 is missing; 3 rows need it (2-01-04-01, 2-01-04-02, "
        "2-01-04-03). They are attached to 2-01-00-00.",
    ),
    (
        "2-02-32-00",
        "The parent group 2-02-32-00 is missing; 2 rows need it (2-02-32-01, 2-02-32-02). "
        "They are attached to 2-02-00-00.",
    ),
    (
        "5-02-03-00",
        "The parent group 5-02-03-00 is missing; 2 rows need it (5-02-03-01, 5-02-03-02). "
        "They are attached to 5-02-00-00.",
    ),
]
# 6-20-03-00 (金属加工机械制造人员) is marked level 4 in the shipped file although three
# occupations are coded under it: a minor group mislabelled, reported, imported as it is.
GROUP_AS_OCCUPATION = (
    1748,
    "6-20-03-00",
    "A detailed occupation (level 4), yet 3 codes fall under it (6-20-03-01, 6-20-03-02, "
    "6-20-03-03): it is probably a minor group (level 3).",
)
SHIPPED_WARNINGS = [ImportProblem("warning", None, code, msg) for code, msg in MISSING_PARENTS]
SHIPPED_WARNINGS.append(ImportProblem("warning", *GROUP_AS_OCCUPATION))
WARNING_LINES = [f"  Warning, {code}: {msg}" for code, msg in MISSING_PARENTS] + [
    "  Warning, line 1748, 6-20-03-00: " + GROUP_AS_OCCUPATION[2]
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def command(*args: str) -> tuple[str, str]:
    """Run import_occupations; its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_occupations", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_command(*args: str) -> tuple[CommandError, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_occupations", *args, stdout=out, stderr=io.StringIO())
    return caught.value, out.getvalue()


def imports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="catalogs.occupations.import").order_by("seq"))


def snapshot(edition: int = 2022) -> list[tuple]:
    """Every stored value of the edition, to prove a refused file changed nothing."""
    return list(
        Occupation.objects.filter(edition=edition)
        .order_by("code")
        .values_list(
            "code",
            "level",
            "title_zh",
            "title_en",
            "definition",
            "is_digital",
            "is_green",
            "parent_code",
            "parent__code",
            "imported_at",
        )
    )


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_tuples(problems: list[ImportProblem]) -> list[tuple[str, int | None, str, str]]:
    return [(p.severity, p.line, p.code, p.message) for p in problems]


# --- The hierarchy from the code -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("2-02-10-03", "2-02-10-00"),
        ("2-02-10-00", "2-02-00-00"),
        ("2-02-00-00", "2-00-00-00"),
        ("2-00-00-00", ""),
        ("1-01-00-01", "1-01-00-00"),
        ("1-02-01-00", "1-02-00-00"),
    ],
)
def test_parent_code_is_the_code_with_its_last_non_zero_part_set_to_00(code, parent):
    assert parent_code_of(code) == parent


def test_ancestors_nearest_first():
    assert list(ancestors_of("2-02-10-03")) == ["2-02-10-00", "2-02-00-00", "2-00-00-00"]
    assert list(ancestors_of("1-01-00-01")) == ["1-01-00-00", "1-00-00-00"]
    assert list(ancestors_of("3-00-00-00")) == []


# --- The shipped file ------------------------------------------------------------------------


def test_shipped_file_first_import():
    report = import_occupations(SHIPPED.read_bytes(), file_name="occupations-2022.csv")

    assert (report.rows, report.created, report.updated, report.unchanged) == (2047, 2047, 0, 0)
    assert (report.relinked, report.absent, report.applied, report.dry_run) == (0, [], True, False)
    assert report.errors == []
    assert report.warnings == SHIPPED_WARNINGS
    assert report.sha256 == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    shipped = Occupation.objects.filter(edition=2022)
    assert dict(shipped.values_list("level").annotate(n=Count("id")).order_by("level")) == {
        1: 8,
        2: 72,
        3: 336,
        4: 1631,
    }
    assert shipped.filter(is_digital=True).count() == 95
    assert shipped.filter(is_green=True).count() == 134
    assert shipped.filter(title_en="").count() == 2047
    assert shipped.filter(definition="").count() == 2047
    by_code = {o.code: o for o in shipped.select_related("parent")}
    assert len(by_code) == 2047

    def parent(code: str) -> tuple[str, str | None]:
        occupation = by_code[code]
        return occupation.parent_code, occupation.parent.code if occupation.parent else None

    assert parent("2-02-10-03") == ("2-02-10-00", "2-02-10-00")
    assert parent("2-02-10-00") == ("2-02-00-00", "2-02-00-00")
    assert parent("2-02-00-00") == ("2-00-00-00", "2-00-00-00")
    assert parent("2-00-00-00") == ("", None)
    # Under a missing group: attached to the nearest present one; parent_code still says
    # which group it belongs to.
    assert parent("1-06-01-01") == ("1-06-01-00", "1-06-00-00")
    assert parent("2-01-04-02") == ("2-01-04-00", "2-01-00-00")
    assert parent("2-02-32-01") == ("2-02-32-00", "2-02-00-00")
    assert parent("5-02-03-02") == ("5-02-03-00", "5-02-00-00")
    # A minor group's single occupation (level 4, -00) and one directly under a medium group.
    assert by_code["1-02-01-00"].level == 4
    assert parent("1-02-01-00") == ("1-02-00-00", "1-02-00-00")
    assert parent("1-01-00-01") == ("1-01-00-00", "1-01-00-00")
    assert parent("6-20-03-01") == ("6-20-03-00", "6-20-03-00")
    # Everything else hangs under its own parent group; the 8 majors under none.
    assert sum(1 for o in by_code.values() if o.parent is None) == 8
    assert sum(1 for o in by_code.values() if o.parent and o.parent.code == o.parent_code) == (
        2047 - 8 - 10
    )
    assert all(o.parent.edition == 2022 for o in by_code.values() if o.parent)
    assert by_code["2-02-10-03"].title_zh == "计算机软件工程技术人员"
    assert (by_code["2-02-10-03"].is_digital, by_code["2-02-10-03"].is_green) == (True, False)
    assert (by_code["6-20-02-04"].is_digital, by_code["6-20-02-04"].is_green) == (False, True)


def test_shipped_file_second_import_writes_nothing():
    import_occupations(SHIPPED.read_bytes(), file_name="occupations-2022.csv")
    before = snapshot()
    with CaptureQueriesContext(connection) as queries:
        report = import_occupations(SHIPPED.read_bytes(), file_name="occupations-2022.csv")

    assert (report.created, report.updated, report.unchanged, report.relinked) == (0, 0, 2047, 0)
    assert report.applied is True
    assert report.errors == []
    assert report.warnings == SHIPPED_WARNINGS
    # SAVEPOINT (the import's transaction inside the test's), the edition's rows, RELEASE.
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 3, sql
    assert sql[0].startswith("SAVEPOINT")
    assert sql[1].startswith("SELECT")
    assert '"catalogs_occupation"' in sql[1]
    assert sql[2].startswith("RELEASE SAVEPOINT")
    assert snapshot() == before  # imported_at (auto_now) included: no row was saved
    assert len(imports()) == 1  # an import that changes nothing is not audited


def test_shipped_import_command_output_exactly():
    out, err = command(str(SHIPPED))

    assert out.splitlines() == [
        "Edition 2022 from occupations-2022.csv: 2047 rows.",
        "Created: 2047. Updated: 0. Unchanged: 0.",
        "Errors: 0. Warnings: 5.",
        *WARNING_LINES,
        "Imported edition 2022.",
    ]
    # Progress goes to stderr: every 500 rows checked, and at the end of each phase. New
    # rows are created parents first (majors, medium groups, ...), so the created counts
    # are those of the batches that cross each 500.
    assert err.splitlines() == [
        "Read 2047 rows.",
        "Checked 500 of 2047 rows...",
        "Checked 1000 of 2047 rows...",
        "Checked 1500 of 2047 rows...",
        "Checked 2000 of 2047 rows...",
        "Checked 2047 rows. Errors: 0.",
        "Compared with edition 2022: 2047 new, 0 changed, 0 unchanged.",
        "Created 515 of 2047 occupations...",
        "Created 1015 of 2047 occupations...",
        "Created 1515 of 2047 occupations...",
        "Created 2015 of 2047 occupations...",
        "Created 2047 occupations.",
    ]

    out, err = command(str(SHIPPED))

    assert out.splitlines() == [
        "Edition 2022 from occupations-2022.csv: 2047 rows.",
        "Created: 0. Updated: 0. Unchanged: 2047.",
        "Errors: 0. Warnings: 5.",
        *WARNING_LINES,
        "Edition 2022 is up to date: nothing was written.",
    ]
    assert err.splitlines()[-1] == "Compared with edition 2022: 0 new, 0 changed, 2047 unchanged."


def test_quiet_command_prints_no_progress():
    out, err = command(str(SHIPPED), "--verbosity", "0")

    assert err == ""
    assert out.splitlines()[-1] == "Imported edition 2022."


def test_the_import_is_audited():
    data = SHIPPED.read_bytes()
    command(str(SHIPPED))

    [event] = imports()
    assert event.actor is None
    assert event.actor_repr == "system:import_occupations"
    assert (event.target_model, event.target_id) == ("", "")
    assert event.data == {
        "edition": 2022,
        "file": "occupations-2022.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": 2047,
        "created": 2047,
        "updated": 0,
        "unchanged": 0,
        "relinked": 0,
        "absent": 0,
        "warnings": 5,
    }


def test_full_import_is_fast():
    started = time.perf_counter()
    first = import_shipped_edition()
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    second = import_shipped_edition()
    second_seconds = time.perf_counter() - started

    assert (first.created, second.unchanged) == (2047, 2047)
    assert first_seconds < 5, first_seconds
    assert second_seconds < 5, second_seconds


def test_import_shipped_edition_is_idempotent_and_prints_its_summary():
    out = io.StringIO()
    first = import_shipped_edition(stdout=out)
    before = snapshot()
    second = import_shipped_edition(stdout=io.StringIO())

    assert (first.created, first.updated, first.unchanged, first.applied) == (2047, 0, 0, True)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2047)
    assert snapshot() == before
    assert len(imports()) == 1
    assert out.getvalue().splitlines() == [
        "Edition 2022 from occupations-2022.csv: 2047 rows.",
        "Created: 2047. Updated: 0. Unchanged: 0.",
        "Errors: 0. Warnings: 5.",
        *WARNING_LINES,
        "Imported edition 2022.",
    ]


# --- A corrected edition over the shipped one ------------------------------------------------


def test_corrected_edition_updates_creates_and_keeps_what_it_does_not_list():
    import_occupations(SHIPPED.read_bytes())
    shipped_imported_at = Occupation.objects.get(code="2-02-10-04").imported_at
    out, err = command(str(CORRECTED))

    assert out.splitlines() == [
        "Edition 2022 from occupations-2022-corrected.csv: 4 rows.",
        "Created: 1. Updated: 3. Unchanged: 0.",
        "Attached to a new parent group: 3 occupations not in the file.",
        "Kept though not in the file: 2044 codes (1-00-00-00, 1-01-00-00, 1-01-00-01, "
        "1-01-00-02, 1-02-00-00, 1-02-01-00, 1-02-02-00, 1-02-03-00, 1-02-04-00, 1-02-05-00, "
        "...).",
        "Errors: 0. Warnings: 0.",
        "Imported edition 2022.",
    ]
    assert err.splitlines()[-2:] == [
        "Updated 3 occupations.",
        "Attached 3 occupations not in the file to their new parent group.",
    ]
    by_code = {o.code: o for o in Occupation.objects.select_related("parent")}
    assert len(by_code) == 2048
    group = by_code["1-06-01-00"]
    assert (group.level, group.title_zh, group.title_en) == (3, "企业负责人", "Enterprise heads")
    assert (group.parent_code, group.parent.code) == ("1-06-00-00", "1-06-00-00")
    # The occupations of the new group, not in the file, now hang under it.
    for code in ("1-06-01-01", "1-06-01-02", "1-06-01-03"):
        assert by_code[code].parent == group
        assert by_code[code].title_zh != ""
    assert by_code["2-02-10-03"].title_zh == "计算机软件工程技术人员（含人工智能）"
    assert by_code["2-02-10-01"].title_en == "Telecommunications engineering technicians"
    assert by_code["2-02-10-02"].title_en == "Computer hardware engineering technicians"
    assert by_code["2-02-10-03"].title_en == ""
    assert by_code["2-02-10-04"].imported_at == shipped_imported_at  # not in the file
    assert by_code["2-02-10-01"].imported_at > shipped_imported_at
    [_first, event] = imports()
    assert (event.data["created"], event.data["updated"], event.data["relinked"]) == (1, 3, 3)
    assert event.data["absent"] == 2044

    # The shipped file again: it restores the title, but has no title_en column, so the
    # English titles stay; the added group, absent from it, is kept and no longer missing.
    report = import_occupations(SHIPPED.read_bytes())

    assert (report.created, report.updated, report.unchanged, report.relinked) == (0, 1, 2046, 0)
    assert report.absent == ["1-06-01-00"]
    assert report.warnings == SHIPPED_WARNINGS[1:]
    by_code = {o.code: o for o in Occupation.objects.select_related("parent")}
    assert by_code["2-02-10-03"].title_zh == "计算机软件工程技术人员"
    assert by_code["2-02-10-01"].title_en == "Telecommunications engineering technicians"
    assert by_code["2-02-10-02"].title_en == "Computer hardware engineering technicians"
    assert by_code["1-06-01-02"].parent.code == "1-06-01-00"


def test_a_file_with_the_title_en_column_may_blank_it(tmp_path):
    import_occupations(SHIPPED.read_bytes())
    import_occupations(CORRECTED.read_bytes())
    path = write(
        tmp_path,
        "blank.csv",
        "code,level,title_zh,digital,green,title_en,definition\n"
        "2-02-10-01,4,通信工程技术人员,1,0,,研究、设计通信系统的工程技术人员\n",
    )
    command(str(path))

    occupation = Occupation.objects.get(code="2-02-10-01")
    assert occupation.title_en == ""
    assert occupation.definition == "研究、设计通信系统的工程技术人员"


# --- Dry run -------------------------------------------------------------------------------


def test_dry_run_counts_what_an_import_would_do_and_writes_nothing():
    out, _err = command(str(SHIPPED), "--dry-run")

    assert out.splitlines() == [
        "Edition 2022 from occupations-2022.csv: 2047 rows.",
        "Created: 2047. Updated: 0. Unchanged: 0.",
        "Errors: 0. Warnings: 5.",
        *WARNING_LINES,
        "Dry run: nothing was written.",
    ]
    assert Occupation.objects.count() == 0
    assert imports() == []

    import_occupations(SHIPPED.read_bytes())
    before = snapshot()
    with CaptureQueriesContext(connection) as queries:
        dry = import_occupations(CORRECTED.read_bytes(), dry_run=True)

    assert len(queries.captured_queries) == 1  # the edition's rows
    assert (dry.created, dry.updated, dry.unchanged, dry.relinked) == (1, 3, 0, 3)
    assert (dry.applied, dry.dry_run, len(dry.absent)) == (False, True, 2044)
    assert snapshot() == before
    assert len(imports()) == 1

    real = import_occupations(CORRECTED.read_bytes())
    assert (real.created, real.updated, real.unchanged, real.relinked) == (1, 3, 0, 3)
    assert real.absent == dry.absent


# --- Another edition beside 2022 -------------------------------------------------------------


def test_another_edition_imports_beside_2022(tmp_path):
    import_occupations(SHIPPED.read_bytes())
    before = snapshot(2022)
    path = write(
        tmp_path,
        "occupations-2027.csv",
        f"{HEADER},title_en\n"
        "2-00-00-00,1,专业技术人员,0,0,Professional and technical personnel\n"
        "2-02-00-00,2,工程技术人员,0,0,Engineering and technical personnel\n"
        "2-02-10-00,3,信息和通信工程技术人员,0,0,ICT engineering technicians\n"
        "2-02-10-03,4,计算机软件工程技术人员,1,0,Computer software engineering technicians\n"
        "2-02-10-13,4,人工智能训练师,1,0,AI trainers\n",
    )
    out, _err = command(str(path), "--edition", "2027")

    assert out.splitlines()[:3] == [
        "Edition 2027 from occupations-2027.csv: 5 rows.",
        "Created: 5. Updated: 0. Unchanged: 0.",
        "Errors: 0. Warnings: 0.",
    ]
    assert snapshot(2022) == before
    assert Occupation.objects.filter(edition=2022).count() == 2047
    new = {o.code: o for o in Occupation.objects.filter(edition=2027).select_related("parent")}
    assert sorted(new) == ["2-00-00-00", "2-02-00-00", "2-02-10-00", "2-02-10-03", "2-02-10-13"]
    assert new["2-02-10-13"].parent == new["2-02-10-00"]
    assert new["2-02-10-03"].parent.edition == 2027
    assert new["2-00-00-00"].parent is None
    assert imports()[-1].data["edition"] == 2027

    # Re-importing 2022 does not see 2027's rows as its own.
    report = import_occupations(SHIPPED.read_bytes())
    assert (report.unchanged, report.absent) == (2047, [])


# --- Accepted variants -----------------------------------------------------------------------

SMALL = [
    ("2-00-00-00", 1, "专业技术人员", 0, 0),
    ("2-02-00-00", 2, "工程技术人员", 0, 0),
    ("2-02-10-00", 3, "信息和通信工程技术人员", 0, 0),
    ("2-02-10-03", 4, "计算机软件工程技术人员", 1, 0),
    ("2-02-27-02", 4, "环境污染防治工程技术人员", 0, 1),
    ("2-08-05-00", 4, "外国语言教学人员", 0, 0),
]
SMALL_CSV = HEADER + "\n" + "".join(f"{c},{lv},{t},{d},{g}\n" for c, lv, t, d, g in SMALL)


def small_stored() -> list[tuple]:
    return list(
        Occupation.objects.order_by("code").values_list(
            "code", "level", "title_zh", "is_digital", "is_green", "parent_code", "parent__code"
        )
    )


SMALL_STORED = [
    ("2-00-00-00", 1, "专业技术人员", False, False, "", None),
    ("2-02-00-00", 2, "工程技术人员", False, False, "2-00-00-00", "2-00-00-00"),
    ("2-02-10-00", 3, "信息和通信工程技术人员", False, False, "2-02-00-00", "2-02-00-00"),
    ("2-02-10-03", 4, "计算机软件工程技术人员", True, False, "2-02-10-00", "2-02-10-00"),
    ("2-02-27-02", 4, "环境污染防治工程技术人员", False, True, "2-02-27-00", "2-02-00-00"),
    ("2-08-05-00", 4, "外国语言教学人员", False, False, "2-08-00-00", "2-00-00-00"),
]
SMALL_WARNINGS = [
    (
        "warning",
        None,
        "2-02-27-00",
        "The parent group 2-02-27-00 is missing; 1 row needs it (2-02-27-02). "
        "They are attached to 2-02-00-00.",
    ),
    (
        "warning",
        None,
        "2-08-00-00",
        "The parent group 2-08-00-00 is missing; 1 row needs it (2-08-05-00). "
        "They are attached to 2-00-00-00.",
    ),
]


def test_gb18030_csv_is_accepted(tmp_path):
    path = write(tmp_path, "gb.csv", SMALL_CSV, encoding="gb18030")
    assert path.read_bytes() != SMALL_CSV.encode()  # really not UTF-8

    out, _err = command(str(path))

    assert out.splitlines()[:3] == [
        "Edition 2022 from gb.csv: 6 rows.",
        "Created: 6. Updated: 0. Unchanged: 0.",
        "Errors: 0. Warnings: 2.",
    ]
    assert small_stored() == SMALL_STORED


def test_xlsx_gives_the_same_results_as_csv(tmp_path):
    csv_report = import_occupations(SMALL_CSV.encode())
    from_csv = small_stored()
    Occupation.objects.all().delete()
    # Numbers as numbers, markers as Excel booleans: what people's workbooks hold.
    path = tmp_path / "small.xlsx"
    path.write_bytes(
        xlsx(
            [
                HEADER.split(","),
                *[[c, lv, t, bool(d), g] for c, lv, t, d, g in SMALL],
            ]
        )
    )
    out, _err = command(str(path))

    assert out.splitlines()[:3] == [
        "Edition 2022 from small.xlsx: 6 rows.",
        "Created: 6. Updated: 0. Unchanged: 0.",
        "Errors: 0. Warnings: 2.",
    ]
    assert from_csv == small_stored() == SMALL_STORED
    xlsx_report = import_occupations(path.read_bytes())
    assert as_tuples(csv_report.warnings) == as_tuples(xlsx_report.warnings) == SMALL_WARNINGS
    assert xlsx_report.unchanged == 6  # the CSV's values and the workbook's are the same


def test_the_whole_shipped_file_as_xlsx(tmp_path):
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    rows: list[list[object]] = [lines[0].split(",")]
    for line in lines[1:]:
        code, level, title, digital, green = line.split(",")
        rows.append([code, int(level), title, int(digital), int(green)])
    report = import_occupations(xlsx(rows))

    assert (report.rows, report.created, report.errors) == (2047, 2047, [])
    assert report.warnings == SHIPPED_WARNINGS  # same row numbers as the CSV's lines
    assert import_occupations(SHIPPED.read_bytes()).unchanged == 2047


def test_markers_accept_true_false_and_empty(tmp_path):
    path = write(
        tmp_path,
        "markers.csv",
        f"{HEADER}\n"
        "2-00-00-00,1,专业技术人员,,\n"
        "2-02-00-00,2,工程技术人员,FALSE,false\n"
        "2-02-10-00,3,信息和通信工程技术人员,0,0\n"
        "2-02-10-03,4,计算机软件工程技术人员,True,0\n"
        "2-02-10-09,4,人工智能工程技术人员,TRUE,1\n",
    )
    command(str(path))

    assert list(
        Occupation.objects.order_by("code").values_list("code", "is_digital", "is_green")
    ) == [
        ("2-00-00-00", False, False),
        ("2-02-00-00", False, False),
        ("2-02-10-00", False, False),
        ("2-02-10-03", True, False),
        ("2-02-10-09", True, True),
    ]


def test_unknown_columns_are_a_warning_only(tmp_path):
    path = write(
        tmp_path,
        "extra.csv",
        f"{HEADER},note,Remarks\n2-00-00-00,1,专业技术人员,0,0,x,y\n",
    )
    out, _err = command(str(path))

    assert out.splitlines() == [
        "Edition 2022 from extra.csv: 1 row.",
        "Created: 1. Updated: 0. Unchanged: 0.",
        "Errors: 0. Warnings: 1.",
        "  Warning: Unknown columns are ignored: note, remarks.",
        "Imported edition 2022.",
    ]
    assert Occupation.objects.get().code == "2-00-00-00"


# --- Broken files: every problem named, nothing written --------------------------------------

LEVEL4_RULE = (
    "Level %d does not match the code: a detailed occupation (level 4) has a code like "
    "2-02-10-03, or 2-08-05-00 when it is its minor group's only occupation."
)


def test_broken_file_names_every_problem_and_writes_nothing(occupations):
    before = snapshot()
    error, out = failing_command(str(BROKEN))

    assert error.returncode == 1
    assert str(error) == "6 errors in occupations-broken.csv: nothing was imported."
    assert out.splitlines() == [
        "Edition 2022 from occupations-broken.csv: 8 rows.",
        "Created: 0. Updated: 0. Unchanged: 0.",
        "Errors: 6. Warnings: 0.",
        "  Error, line 4, 2-02-10-0: The code “2-02-10-0” is malformed: it must look like "
        "D-DD-DD-DD, e.g. 2-02-10-03.",
        "  Error, line 5, 2-02-10-03: The level must be 1, 2, 3 or 4, not “5”.",
        "  Error, line 6, 2-02-10-01: Level 3 does not match the code: a minor group (level 3) "
        "has a code like 2-02-10-00.",
        "  Error, line 7, 2-02-00-00: The code is listed twice: first on line 3.",
        "  Error, line 8, 2-02-10-02: The Chinese title (title_zh) is empty.",
        "  Error, line 9, 2-02-10-04: The value of digital must be 1 (yes), 0 or empty (no), "
        "not “yes”.",
        "Nothing was imported: correct the errors and run the import again.",
    ]
    assert snapshot() == before
    assert imports() == []


def test_broken_file_dry_run_fails_the_same_way(occupations):
    before = snapshot()
    error, out = failing_command(str(BROKEN), "--dry-run")

    assert error.returncode == 1
    assert out.splitlines()[2] == "Errors: 6. Warnings: 0."
    assert snapshot() == before


GOOD_LINES = (
    "2-00-00-00,1,专业技术人员,0,0\n"
    "2-02-00-00,2,工程技术人员,0,0\n"
    "2-02-10-00,3,信息和通信工程技术人员,0,0\n"
    # Would change the slice's title: must not.
    "2-02-10-03,4,计算机软件工程技术人员（新）,1,0\n"
)


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        pytest.param(
            f"{HEADER}\n{GOOD_LINES}2-02-10-1,4,通信工程技术人员,1,0\n",
            [(6, "2-02-10-1", "The code “2-02-10-1” is malformed")],
            id="malformed-code",
        ),
        pytest.param(
            f"{HEADER}\n{GOOD_LINES}２-02-10-01,4,通信工程技术人员,1,0\n",
            [(6, "２-02-10-01", "is malformed")],
            id="full-width-digit",
        ),
        pytest.param(
            f"{HEADER}\n{GOOD_LINES},4,通信工程技术人员,1,0\n",
            [(6, "", "The code is empty.")],
            id="empty-code",
        ),
        pytest.param(
            f"{HEADER}\n{GOOD_LINES}2-02-10-01,5,通信工程技术人员,1,0\n",
            [(6, "2-02-10-01", "The level must be 1, 2, 3 or 4, not “5”.")],
            id="level-5",
        ),
        pytest.param(
            f"{HEADER}\n{GOOD_LINES}2-02-10-01,,通信工程技术人员,1,0\n",
            [(6, "2-02-10-01", "The level must be 1, 2, 3 or 4, not “”.")],
            id="level-empty",
        ),
        pytest.param(
            f"{HEADER}\n2-00-00-00,2,专业技术人员,0,0\n2-02-00-00,1,工程技术人员,0,0\n"
            "2-02-10-00,4,信息和通信工程技术人员,0,0\n2-02-10-03,3,计算机软件工程技术人员,1,0\n"
            "2-00-10-00,3,无中类的小类,0,0\n2-02-00-00,4,工程技术人员,0,0\n",
            [
                (2, "2-00-00-00", "Level 2 does not match the code: a medium group (level 2)"),
                (3, "2-02-00-00", "Level 1 does not match the code: a major group (level 1)"),
                (5, "2-02-10-03", "Level 3 does not match the code: a minor group (level 3)"),
                (6, "2-00-10-00", "Level 3 does not match the code"),
                (7, "2-02-00-00", LEVEL4_RULE % 4),
                (7, "2-02-00-00", "The code is listed twice: first on line 3."),
            ],
            id="level-inconsistent",
        ),
        pytest.param(
            f"{HEADER}\n{GOOD_LINES}2-02-10-01,4,  ,1,0\n",
            [(6, "2-02-10-01", "The Chinese title (title_zh) is empty.")],
            id="empty-title",
        ),
        pytest.param(
            f"{HEADER}\n{GOOD_LINES}2-02-10-01,4,{'长' * 201},1,0\n",
            [(6, "2-02-10-01", "The Chinese title is longer than 200 characters.")],
            id="title-too-long",
        ),
        pytest.param(
            f"{HEADER}\n{GOOD_LINES}2-02-10-01,4,通信工程技术人员,S,2\n",
            [
                (
                    6,
                    "2-02-10-01",
                    "The value of digital must be 1 (yes), 0 or empty (no), not “S”.",
                ),
                (6, "2-02-10-01", "The value of green must be 1 (yes), 0 or empty (no), not “2”."),
            ],
            id="bad-markers",
        ),
        pytest.param(
            f"{HEADER}\n{GOOD_LINES}2-02-10-01,4,通信工程技术人员,1,0,,extra\n",
            [(6, "2-02-10-01", "The row has more cells than the first row names columns.")],
            id="extra-cells",
        ),
        pytest.param(
            "code,level,title_zh,digital\n2-00-00-00,1,专业技术人员,0\n",
            [
                (
                    None,
                    "",
                    "Required columns are missing: green. The first row must name the "
                    "columns code, level, title_zh, digital, green (optional: title_en, "
                    "definition).",
                )
            ],
            id="missing-column",
        ),
        pytest.param(
            f"{HEADER}\n", [(None, "", "The file has a header but no rows.")], id="no-rows"
        ),
        pytest.param("", [(None, "", "The file is empty.")], id="empty-file"),
        pytest.param(" \n\n", [(None, "", "The file is empty.")], id="blank-file"),
    ],
)
def test_rejected_csv(tmp_path, occupations, content, problems):
    before = snapshot()
    path = write(tmp_path, "broken.csv", content)
    report = import_occupations(path.read_bytes())

    assert [(p.line, p.code) for p in report.errors] == [
        (line, code) for line, code, _m in problems
    ]
    for problem, (_line, _code, message) in zip(report.errors, problems, strict=True):
        assert message in problem.message
    assert (report.applied, report.created, report.updated, report.unchanged) == (False, 0, 0, 0)

    error, out = failing_command(str(path))

    assert error.returncode == 1
    assert out.splitlines()[-1] == (
        "Nothing was imported: correct the errors and run the import again."
    )
    assert snapshot() == before
    assert Occupation.objects.count() == 18
    assert imports() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
            "The file is neither UTF-8 nor GB 18030 text. Save it as CSV UTF-8.",
            id="binary",
        ),
        pytest.param(
            b"code\x00level\x00\x01\x02\n",
            "The file is not a CSV text file or an Excel workbook.",
            id="nul-bytes",
        ),
        pytest.param(
            b"PK\x03\x04 not really a workbook",
            "The file looks like an Excel workbook but cannot be opened: BadZipFile",
            id="damaged-xlsx",
        ),
    ],
)
def test_unreadable_content(tmp_path, occupations, data, message):
    before = snapshot()
    path = tmp_path / "upload.bin"
    path.write_bytes(data)

    report = import_occupations(data)
    error, out = failing_command(str(path))

    assert as_tuples(report.problems) == [("error", None, "", message)]
    assert str(error) == f"upload.bin: {message}"
    assert error.returncode == 1
    assert f"  Error: {message}" in out.splitlines()
    assert snapshot() == before
    assert imports() == []


def test_xlsx_with_an_error_row_is_rejected_with_its_row_number(tmp_path, occupations):
    before = snapshot()
    path = tmp_path / "broken.xlsx"
    path.write_bytes(
        xlsx(
            [
                HEADER.split(","),
                ["2-00-00-00", 1, "专业技术人员", 0, 0],
                ["2-02-10-03", 4, "计算机软件工程技术人员（新）", 1, 0],
                [None, None, None, None, None],  # an empty row keeps its number
                ["2-02-10-01", "four", "通信工程技术人员", 1, 0],
                ["2-02-10-03", 4, "计算机软件工程技术人员", True, "x"],
            ]
        )
    )
    report = import_occupations(path.read_bytes())

    assert as_tuples(report.errors) == [
        ("error", 5, "2-02-10-01", "The level must be 1, 2, 3 or 4, not “four”."),
        (
            "error",
            6,
            "2-02-10-03",
            "The value of green must be 1 (yes), 0 or empty (no), not “x”.",
        ),
        ("error", 6, "2-02-10-03", "The code is listed twice: first on line 3."),
    ]
    error, out = failing_command(str(path))
    assert str(error) == "3 errors in broken.xlsx: nothing was imported."
    assert error.returncode == 1
    assert "  Error, line 5, 2-02-10-01: The level must be 1, 2, 3 or 4, not “four”." in out
    assert snapshot() == before
    assert imports() == []


def test_printed_problems_are_capped_the_report_keeps_all(tmp_path):
    body = "".join(f"9-99-99-{n:03d},4,坏,0,0\n" for n in range(60))
    path = write(tmp_path, "many.csv", f"{HEADER}\n{body}")
    error, out = failing_command(str(path))

    lines = out.splitlines()
    assert str(error) == "60 errors in many.csv: nothing was imported."
    assert lines[2] == "Errors: 60. Warnings: 0."
    assert lines[3] == (
        "  Error, line 2, 9-99-99-000: The code “9-99-99-000” is malformed: it must look like "
        "D-DD-DD-DD, e.g. 2-02-10-03."
    )
    assert lines[52] == (
        "  Error, line 51, 9-99-99-049: The code “9-99-99-049” is malformed: it must look like "
        "D-DD-DD-DD, e.g. 2-02-10-03."
    )
    assert lines[53:] == [
        "  ... and 10 more.",
        "Nothing was imported: correct the errors and run the import again.",
    ]
    assert len(import_occupations(path.read_bytes()).errors) == 60


def test_an_import_racing_another_writes_nothing(monkeypatch, occupations):
    before = snapshot()

    def collide(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Occupation.objects, "bulk_create", collide)
    report = import_occupations(SHIPPED.read_bytes())

    assert as_tuples(report.errors) == [
        (
            "error",
            None,
            "",
            "The edition changed while it was being imported: nothing was written. "
            "Run the import again.",
        )
    ]
    assert (report.applied, report.created, report.unchanged) == (False, 0, 0)
    assert snapshot() == before
    assert imports() == []


# --- The command's own refusals --------------------------------------------------------------


def test_missing_file(tmp_path):
    error, out = failing_command(str(tmp_path / "nope.csv"))

    assert str(error) == f"No such file: {tmp_path / 'nope.csv'}"
    assert error.returncode == 1
    assert out == ""


def test_a_directory(tmp_path):
    error, _out = failing_command(str(tmp_path))

    assert str(error) == f"{tmp_path} is a directory, not a file."


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.csv", SMALL_CSV)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)  # chmod 0 does not stop root
    error, _out = failing_command(str(path))

    assert str(error) == f"Cannot read {path}: Permission denied"
    assert error.returncode == 1
    assert Occupation.objects.count() == 0


def test_edition_out_of_range():
    error, _out = failing_command(str(SHIPPED), "--edition", "22")

    assert str(error) == "The edition must be a year from 1900 to 2999, not 22."
    assert Occupation.objects.count() == 0


# --- The report --------------------------------------------------------------------------------


def test_report_properties_and_summary_of_a_report():
    report = ImportReport(
        edition=2022,
        rows=2,
        problems=[
            ImportProblem("warning", None, "2-02-27-00", "missing"),
            ImportProblem("error", 3, "2-02-10-1", "malformed"),
        ],
        file_name="x.csv",
    )

    assert [p.code for p in report.errors] == ["2-02-10-1"]
    assert [p.code for p in report.warnings] == ["2-02-27-00"]
    assert str(report.errors[0]) == "Error, line 3, 2-02-10-1: malformed"
    assert summary_lines(report) == [
        "Edition 2022 from x.csv: 2 rows.",
        "Created: 0. Updated: 0. Unchanged: 0.",
        "Errors: 1. Warnings: 1.",
        "  Error, line 3, 2-02-10-1: malformed",
        "  Warning, 2-02-27-00: missing",
        "Nothing was imported: correct the errors and run the import again.",
    ]


def test_shipped_path_is_inside_the_app_package():
    assert importing.SHIPPED_FILE == SHIPPED
