"""`carebench readings import` / `export`: CSV feeds of KPI readings, checked whole, written all-or-nothing, idempotent."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from carebench.app.feeds import format_value, parse_readings_csv
from carebench.app.inputs import UserError
from conftest import ACTOR

# Each client's KPI keys, with no plausible span to check (as with --force).
KPIS = {"acme": dict.fromkeys(["uptime"]), "beta": dict.fromkeys(["fcr", "handle_time", "training"]), "cobalt": dict.fromkeys(["cost_per_case"])}
GOOD = (
    "client,kpi,date,value\n"
    "acme,uptime,2026-06-11,98.5\n"  # new
    "acme,uptime,2026-06-10,97\n"  # the stored value: unchanged
    "beta,training,2026-06-12,40\n"  # new
    "beta,fcr,2026-06-01,72\n"
)  # replaces 70


def audit_rows(db) -> int:
    conn = sqlite3.connect(str(db))
    try:
        return conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    finally:
        conn.close()


def write(tmp_path, text: str | bytes, name: str = "readings.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ----- parsing, in-process --------------------------------------------------------------


def test_parse_reads_columns_in_any_order_with_bom_and_blank_lines():
    text = "\ufeffValue, date ,KPI,client\n\n98.5,2026-06-11,uptime,acme\r\n1e3,2026-06-12,fcr,beta\n\n"
    assert parse_readings_csv(text.encode(), "f.csv", KPIS) == [
        ("acme", "uptime", date(2026, 6, 11), 98.5),
        ("beta", "fcr", date(2026, 6, 12), 1000.0),
    ]


def test_header_only_file_has_no_readings():
    assert parse_readings_csv(b"client,kpi,date,value\n", "f.csv", KPIS) == []


def problems(text: str | bytes) -> list[str]:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(UserError) as info:
        parse_readings_csv(raw, "f.csv", KPIS)
    return str(info.value).splitlines()


@pytest.mark.parametrize(
    "row, message",
    [
        ("ghost,uptime,2026-06-11,1", "f.csv:2: unknown client 'ghost'"),
        (",uptime,2026-06-11,1", "f.csv:2: client is empty"),
        ("acme,nps,2026-06-11,1", "f.csv:2: client 'acme' has no KPI 'nps'"),
        ("acme,fcr,2026-06-11,1", "f.csv:2: client 'acme' has no KPI 'fcr'"),
        ("acme,,2026-06-11,1", "f.csv:2: kpi is empty"),
        ("acme,uptime,11/06/2026,1", "f.csv:2: date: '11/06/2026' is not a date; write it as YYYY-MM-DD"),
        ("acme,uptime,2026-02-30,1", "f.csv:2: date: '2026-02-30' is not a real date"),
        ("acme,uptime,,1", "f.csv:2: date is empty"),
        ("acme,uptime,2026-06-11,ninety", "f.csv:2: value 'ninety' is not a number"),
        ("acme,uptime,2026-06-11,98%", "f.csv:2: value '98%' is not a number"),
        ("acme,uptime,2026-06-11,NaN", "f.csv:2: value must be a finite number, not 'NaN'"),
        ("acme,uptime,2026-06-11,-inf", "f.csv:2: value must be a finite number, not '-inf'"),
        ("acme,uptime,2026-06-11,1e300", "f.csv:2: value '1e300' is too large"),
        ("acme,uptime,2026-06-11,", "f.csv:2: value is empty"),
        ("acme,uptime,2026-06-11", "f.csv:2: expected 4 fields, got 3"),
        ("acme,uptime,2026-06-11,1,extra", "f.csv:2: expected 4 fields, got 5"),
    ],
)
def test_each_column_is_checked(row, message):
    found = problems(f"client,kpi,date,value\n{row}\n")
    assert found[0].startswith(message), found


def test_every_problem_of_a_row_is_listed():
    assert problems("client,kpi,date,value\nghost,x,someday,NaN\n") == [
        "f.csv:2: unknown client 'ghost'",
        "f.csv:2: date: 'someday' is not a date; write it as YYYY-MM-DD",
        "f.csv:2: value must be a finite number, not 'NaN'",
    ]


@pytest.mark.parametrize(
    "header, message",
    [
        ("client,kpi,date", "f.csv:1: missing column 'value'"),
        ("client,kpi,day,value", "f.csv:1: unknown column 'day'"),
        ("client,kpi,date,value,value", "f.csv:1: column 'value' appears twice"),
        ("client,kpi,,date,value", "f.csv:1: a column has no name"),
    ],
)
def test_header_problems(header, message):
    found = problems(f"{header}\nacme,uptime,2026-06-11,1\n")
    assert any(line.startswith(message) for line in found), found
    assert all(line.startswith("f.csv:1: ") for line in found)


def test_duplicate_readings_in_one_file():
    found = problems("client,kpi,date,value\nacme,uptime,2026-06-11,1\nacme,uptime,2026-06-12,1\nacme,uptime,2026-06-11,1\n")
    assert found == ["f.csv:4: a second reading of acme uptime on 2026-06-11 (the first is on line 2)"]


def test_line_numbers_count_quoted_line_breaks():
    found = problems('client,kpi,date,value\n"acme",uptime,2026-06-11,1\n"ac\nme",uptime,2026-06-11,1\nacme,uptime,x,1\n')
    assert found == ["f.csv:3: unknown client 'ac\\nme'", "f.csv:5: date: 'x' is not a date; write it as YYYY-MM-DD"]


def test_at_most_twenty_problems():
    rows = "".join(f"ghost{i},uptime,2026-06-11,1\n" for i in range(25))
    found = problems("client,kpi,date,value\n" + rows)
    assert len(found) == 21
    assert found[19] == "f.csv:21: unknown client 'ghost19'"
    assert found[20] == "f.csv: ... and 5 more problems"


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "f.csv: the file is empty; it needs a header line: client,kpi,date,value"),
        (b"\n  \n", "f.csv: the file is empty"),
        (b"client,kpi,date,value\nacme,uptime,2026-06-11,9\xe9\n", "f.csv: not a UTF-8 text file"),
        (b"client,kpi,date,value\nacme,up\x00time,2026-06-11,1\n", "f.csv: contains NUL bytes"),
        (b'client,kpi,date,value\nacme,"uptime,2026-06-11,1\n', "f.csv:2: unexpected end of data"),
    ],
)
def test_unreadable_files(raw, message):
    found = problems(raw)
    assert found[0].startswith(message), found


@pytest.mark.parametrize("value", [0.0, 97.0, 98.5, 0.1 + 0.2, 1 / 3, -2.5e-7, 123456789.125, 1e14])
def test_export_format_reads_back_exactly(value):
    assert float(format_value(value)) == value


# ----- commands ------------------------------------------------------------------------------


def test_import_then_reimport_changes_nothing(fresh, tmp_path, dump_db):
    run, db = fresh
    path = write(tmp_path, GOOD)
    before = audit_rows(db)
    result = run.ok("readings", "import", path, db=db)
    assert result.stdout == f"{path}: 2 added, 1 replaced, 1 unchanged\n"
    assert audit_rows(db) == before + 1, "one audit row per import"
    log = run.json("log", "--limit", "1", "--json", db=db)[0]
    assert log["action"] == "import-readings" and log["actor"] == ACTOR
    assert log["detail"] == {"added": 2, "replaced": 1, "unchanged": 1, "clients": ["acme", "beta"], "source": str(path)}
    kpis = {k["key"]: k for k in run.json("kpis", "beta", "--date", "2026-06-15", "--json", db=db)}
    assert kpis["fcr"]["current"] == 72 and kpis["training"]["current"] == 40

    snapshot = dump_db(db)
    again = run.ok("readings", "import", path, db=db)
    assert again.stdout == f"{path}: 0 added, 0 replaced, 4 unchanged\n"
    assert dump_db(db) == snapshot, "not rewritten (changed_at and changed_by stay)"
    assert audit_rows(db) == before + 1, "not audited"


def test_import_from_standard_input(fresh):
    run, db = fresh
    result = run.ok("readings", "import", "-", db=db, input="client,kpi,date,value\ncobalt,cost_per_case,2026-06-01,37\n")
    assert result.stdout == "<stdin>: 1 added, 0 replaced, 0 unchanged\n"


def test_export_then_import_is_a_no_op(fresh, tmp_path, dump_db):
    run, db = fresh
    exported = run.ok("readings", "export", db=db).stdout
    lines = exported.splitlines()
    assert lines[0] == "client,kpi,date,value,kpi_name,unit"
    assert lines[1:] == [
        "acme,uptime,2026-06-10,97,System uptime,%",
        "beta,fcr,2026-04-15,65,First contact resolution,%",
        "beta,fcr,2026-05-01,75,First contact resolution,%",
        "beta,fcr,2026-05-15,85,First contact resolution,%",
        "beta,fcr,2026-06-01,70,First contact resolution,%",
        "beta,handle_time,2026-05-01,9,Average handle time,min",
        "beta,handle_time,2026-06-01,7.5,Average handle time,min",
        "cobalt,cost_per_case,2026-03-01,45,Cost per case,USD",
        "cobalt,cost_per_case,2026-04-01,40,Cost per case,USD",
        "cobalt,cost_per_case,2026-05-01,38,Cost per case,USD",
    ]
    before, audits = dump_db(db), audit_rows(db)
    result = run.ok("readings", "import", write(tmp_path, exported), db=db)
    assert result.stdout.endswith(": 0 added, 0 replaced, 10 unchanged\n")
    assert dump_db(db) == before and audit_rows(db) == audits


def test_export_filters(fresh):
    run, db = fresh
    out = run.ok("readings", "export", "--client", "beta", "--from", "2026-05-01", "--to", "2026-05-31", db=db).stdout
    assert out == (
        "client,kpi,date,value,kpi_name,unit\n"
        "beta,fcr,2026-05-01,75,First contact resolution,%\n"
        "beta,fcr,2026-05-15,85,First contact resolution,%\n"
        "beta,handle_time,2026-05-01,9,Average handle time,min\n"
    )
    assert run.ok("readings", "export", "--client", "acme", "--from", "2026-07-01", db=db).stdout == "client,kpi,date,value,kpi_name,unit\n"
    bad = run("readings", "export", "--client", "ghost", db=db)
    assert bad.returncode == 2 and bad.stderr == "error: unknown client 'ghost'\n"
    backwards = run("readings", "export", "--from", "2026-06-02", "--to", "2026-06-01", db=db)
    assert backwards.returncode == 2 and "is before --from" in backwards.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        ("client,kpi,date,value\nacme,uptime,2026-06-11,99\nghost,uptime,2026-06-11,1\n", ":3: unknown client 'ghost'"),
        ("client,kpi,date,value\nacme,uptime,2026-06-11,99\nacme,nps,2026-06-11,1\n", ":3: client 'acme' has no KPI 'nps'"),
        ("client,kpi,date,value\nacme,uptime,2026-06-11,99\nacme,uptime,2026-13-01,1\n", ":3: date: '2026-13-01' is not a real date"),
        ("client,kpi,date,value\nacme,uptime,2026-06-11,99\nacme,uptime,2026-06-12,high\n", ":3: value 'high' is not a number"),
        ("client,kpi,date,value\nacme,uptime,2026-06-11,99\nacme,uptime,2026-06-12,nan\n", ":3: value must be a finite number"),
        ("client,kpi,value\nacme,uptime,99\n", ":1: missing column 'date'"),
        ("", ": the file is empty"),
        (b"client,kpi,date,value\nacme,uptime,2026-06-11,\xff\xfe\n", ": not a UTF-8 text file"),
    ],
)
def test_a_bad_file_writes_nothing(fresh, tmp_path, dump_db, content, message):
    run, db = fresh
    path = write(tmp_path, content)
    before, audits = dump_db(db), audit_rows(db)
    result = run("readings", "import", path, db=db)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}{message}"), result.stderr
    assert all(line.startswith("error: ") for line in result.stderr.splitlines())
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert dump_db(db) == before and audit_rows(db) == audits, "all or nothing"


def test_many_problems_are_capped(fresh, tmp_path):
    run, db = fresh
    rows = "".join(f"acme,uptime,2026-06-{d:02d},x\n" for d in range(1, 31))
    result = run("readings", "import", write(tmp_path, "client,kpi,date,value\n" + rows), db=db)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 21 and lines[-1].endswith("... and 10 more problems")


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.csv"], "error: missing.csv: cannot read it"),
        (["."], "error: .: is a directory"),
    ],
)
def test_unreadable_paths(fresh, args, message):
    run, db = fresh
    result = run("readings", "import", *args, db=db)
    assert result.returncode == 2 and result.stderr.startswith(message)


def test_import_needs_an_existing_database(run, tmp_path):
    path = write(tmp_path, GOOD)
    result = run("readings", "import", path, db=tmp_path / "none.db")
    assert result.returncode == 2 and "no database at" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_readings_is_a_group(run):
    result = run("readings", "--help")
    assert result.returncode == 0 and "import" in result.stdout and "export" in result.stdout


# ----- files as spreadsheets write them -----------------------------------------------------------

SPREADSHEET_ROWS = [("acme", "uptime", date(2026, 6, 11), 98.5), ("beta", "fcr", date(2026, 6, 12), 72.0)]


@pytest.mark.parametrize(
    "raw",
    [
        # LibreOffice in a German or French locale: semicolons, decimal commas, the empty columns of a wider sheet
        b"client;kpi;date;value;;\r\nacme;uptime;2026-06-11;98,5;;\r\nbeta;fcr;2026-06-12;72;;\r\n",
        # Excel's "CSV UTF-8": a BOM, semicolons in such a locale, CRLF
        b"\xef\xbb\xbfclient;kpi;date;value\r\nacme;uptime;2026-06-11;98,5\r\nbeta;fcr;2026-06-12;72\r\n",
        # a comma-separated sheet with trailing empty columns and a BOM
        b"\xef\xbb\xbfclient,kpi,date,value,,\r\nacme,uptime,2026-06-11,98.5,,\r\nbeta,fcr,2026-06-12,72,,\r\n",
        # tab-separated, as copied out of a sheet, with the export's descriptive columns
        b"client\tkpi\tkpi_name\tunit\tdate\tvalue\nacme\tuptime\tSystem uptime\t%\t2026-06-11\t98.5\nbeta\tfcr\tFCR\t%\t2026-06-12\t72\n",
        # Excel's "Unicode text": UTF-16 with its BOM, tab-separated, decimal comma
        "client\tkpi\tdate\tvalue\r\nacme\tuptime\t2026-06-11\t98,5\r\nbeta\tfcr\t2026-06-12\t72\r\n".encode("utf-16"),
    ],
    ids=["libreoffice-semicolon", "excel-bom-semicolon", "comma-trailing", "tabs-with-names", "utf16-tabs"],
)
def test_spreadsheet_files_are_read(raw):
    assert parse_readings_csv(raw, "f.csv", KPIS) == SPREADSHEET_ROWS


def test_told_separator_and_decimal_mark():
    raw = b'client,kpi,date,value\nacme,uptime,2026-06-11,"98,5"\nbeta,fcr,2026-06-12,72\n'
    assert parse_readings_csv(raw, "f.csv", KPIS, decimal=",") == SPREADSHEET_ROWS
    raw = b"client|kpi|date|value\nacme|uptime|2026-06-11|98.5\nbeta|fcr|2026-06-12|72\n"
    assert parse_readings_csv(raw.replace(b"|", b";"), "f.csv", KPIS, sep=";") == SPREADSHEET_ROWS


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            "client|kpi|date|value\nacme|uptime|2026-06-11|98.5\n",
            "f.csv:1: cannot tell the separator from the header line 'client|kpi|date|value': it must name client, kpi, date, value "
            "with a comma or a semicolon or a tab between them; pass --sep with the one the file uses (--sep ',', --sep ';' or --sep tab)",
        ),
        (
            "client;kpi;date;value\nacme;uptime;2026-06-11;98.5\nacme;uptime;2026-06-12;98,5\n",
            "f.csv: cannot tell the decimal mark: line 2 has '98.5' and line 3 has '98,5'; pass --decimal '.' or --decimal ',' "
            "(and write every value with that mark)",
        ),
        (
            'client,kpi,date,value\nacme,uptime,2026-06-11,"98,5"\n',
            "f.csv:2: value '98,5' is not a number (the file's decimal mark is '.'; pass --decimal ',' if it is ',')",
        ),
        (
            "client;kpi;date;value\nacme;uptime;2026-06-11;1.234,5\n",
            "f.csv:2: value '1.234,5' is not a number: write it without a thousands separator",
        ),
        (
            "client;kpi;datum;value\nacme;uptime;2026-06-11;98,5\n",
            "f.csv:1: unknown column 'datum' (the header must name client, kpi, date, value, separated by a semicolon (--sep ';'))",
        ),
    ],
    ids=["separator", "both-marks", "quoted-comma", "thousands", "misnamed-column"],
)
def test_what_cannot_be_told_is_said_with_the_option_to_pass(raw, expected):
    found = problems(raw)
    assert found[0].startswith(expected), found


def test_the_separator_given_is_the_one_used():
    with pytest.raises(UserError) as info:
        parse_readings_csv(b"client;kpi;date;value\n", "f.csv", KPIS, sep=",")
    assert str(info.value).splitlines()[0] == (
        "f.csv:1: unknown column 'client;kpi;date;value' (the header must name client, kpi, date, value, separated by a comma (--sep ,))"
    )


def test_a_libreoffice_file_imports_and_the_export_describes_each_kpi(fresh, tmp_path):
    run, db = fresh
    path = write(tmp_path, b"\xef\xbb\xbfclient;kpi;date;value;;\r\nacme;uptime;2026-06-11;98,5;;\r\nbeta;fcr;2026-06-12;72;;\r\n")
    assert run.ok("readings", "import", path, db=db).stdout == f"{path}: 2 added, 0 replaced, 0 unchanged\n"
    out = tmp_path / "out.csv"
    run.ok("readings", "export", "--client", "acme", "--from", "2026-06-11", "-o", out, db=db)
    assert out.read_text(encoding="utf-8") == "client,kpi,date,value,kpi_name,unit\nacme,uptime,2026-06-11,98.5,System uptime,%\n"
    again = run.ok("readings", "import", out, db=db)
    assert again.stdout == f"{out}: 0 added, 0 replaced, 1 unchanged\n"


def test_the_options_reach_the_parser(fresh, tmp_path):
    run, db = fresh
    path = write(tmp_path, 'client,kpi,date,value\nacme,uptime,2026-06-11,"98,5"\n')
    refused = run("readings", "import", path, db=db)
    assert refused.returncode == 2 and "pass --decimal ','" in refused.stderr
    assert run.ok("readings", "import", path, "--decimal", ",", db=db).stdout.endswith(": 1 added, 0 replaced, 0 unchanged\n")
    tabbed = write(tmp_path, "client\tkpi\tdate\tvalue\nacme\tuptime\t2026-06-12\t99\n", "t.csv")
    assert run.ok("readings", "import", tabbed, "--sep", "tab", db=db).stdout.endswith(": 1 added, 0 replaced, 0 unchanged\n")


def test_a_name_that_would_start_a_formula_is_written_as_text():
    from carebench.core.models import Client, Kpi, Reading

    kpi = Kpi(key="k", name="=HYPERLINK(1)", category="lagging", unit="%", direction="higher", baseline=1, target=2)
    kpi.readings = [Reading(date=date(2026, 6, 1), value=1)]
    client = Client(id="c", name="C", tier="gold", go_live=date(2026, 1, 5), owner="ana", kpis=[kpi])
    from carebench.app.feeds import readings_csv

    assert readings_csv([client]).splitlines()[1] == "c,k,2026-06-01,1,'=HYPERLINK(1),%"
