"""Reports for their readers: what a client sees and what only the consultant's team sees, who signs them,
the currency of every amount, one report per client for cron (written or mailed), and how they print."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from carebench.app import present
from carebench.app.scriptbook import bundled_scripts, load_scripts
from carebench.app.session import Session
from carebench.reports.build import AUDIENCES, KINDS, client_report
from carebench.reports.digest import portfolio_digest
from carebench.reports.render_html import render_html

DAY = date(2026, 6, 15)
TEMPLATES = load_scripts([bundled_scripts()])[0]
CLIENTS = ("brackenfield-foods", "corvane-freight", "meridale-health-supplies")
SUBSCORES = ("achievement", "trend", "sustainability", "adherence", "engagement", "leadership", "communication", "satisfaction", "expansion interest")
# What only the consultant's team may read: sub-score moves and values, lessons, escalation codes, missed meetings.
INTERNAL = {
    "sub-score moves": re.compile(rf"\b({'|'.join(SUBSCORES)}): \d+ to \d+", re.I),
    "sub-score values": re.compile(rf"\b({'|'.join(SUBSCORES)}) \d+\b", re.I),
    "sub-score in words": re.compile(r"(Sustainability score|Sub-scores)", re.I),
    "lessons": re.compile(r"Lessons and decisions"),
    "escalation codes": re.compile(r"\b(Intervention|Recovery) call\b", re.I),
    "missed meetings": re.compile(r"has not taken place|missed in all|meeting was missed", re.I),
    "sales odds": re.compile(r"\bChance\b|Weighted value|weighted by their chances"),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory, make_runner):
    """The demo portfolio as `carebench demo-data` loads it: every client owned by the real login."""
    root = tmp_path_factory.mktemp("audience")
    run = make_runner(root / "home")
    database = root / "demo.db"
    run.ok("demo-data", "--anchor", DAY.isoformat(), db=database)
    return run, database


def report_text(run, database, client, kind, audience, *more, fmt="md"):
    return run.ok("report", client, "--kind", kind, "--audience", audience, "--date", DAY.isoformat(), "--format", fmt, *more, db=database).stdout


def login() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_client_report_holds_nothing_internal(demo, kind, audience):
    run, database = demo
    for client in CLIENTS:
        text = report_text(run, database, client, kind, audience)
        for what, pattern in INTERNAL.items():
            assert not pattern.search(text), f"{client} {kind} {audience}: {what}: {pattern.search(text)}"


def test_the_internal_copy_has_what_the_team_needs(demo):
    run, database = demo
    seen: set[str] = set()
    for kind in KINDS:
        for audience in AUDIENCES:
            for client in CLIENTS:
                text = report_text(run, database, client, kind, audience, "--internal")
                assert "Internal copy" in text
                seen |= {what for what, pattern in INTERNAL.items() if pattern.search(text)}
    assert seen == set(INTERNAL)


def test_the_client_report_is_signed_with_the_display_name(demo):
    run, database = demo
    config = run.home / ".config" / "carebench" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[profile]\ndisplay_name = "Ana Lima"\n', encoding="utf-8")
    try:
        text = report_text(run, database, "corvane-freight", "weekly", "operational")
        assert "- **Consultant:** Ana Lima" in text and "Prepared by Ana Lima" in text
        assert not re.search(rf"\b{re.escape(login())}\b", text), "the OS login is nowhere in the report"
        assert "| Ana Lima |" in text, "action items the consultant owns carry the name too"
    finally:
        config.unlink()


def test_the_display_name_defaults_to_the_full_name_of_the_password_database(monkeypatch, tmp_path):
    import pwd

    from carebench.app import settings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    real = pwd.getpwuid(os.getuid())
    fake = pwd.struct_passwd((real.pw_name, "x", real.pw_uid, real.pw_gid, "Ana Lima,Room 4,,", real.pw_dir, real.pw_shell))
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: fake)
    assert settings.display_name() == "Ana Lima"
    fake = pwd.struct_passwd((real.pw_name, "x", real.pw_uid, real.pw_gid, "", real.pw_dir, real.pw_shell))
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: fake)
    assert settings.display_name() == real.pw_name


def test_a_bad_display_name_is_refused_in_one_line(demo):
    run, database = demo
    config = run.home / ".config" / "carebench" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[profile]\ndisplay_name = 7\n", encoding="utf-8")
    try:
        result = run("report", "corvane-freight", "--kind", "weekly", db=database)
        assert result.returncode == 2 and "display_name" in result.stderr and len(result.stderr.splitlines()) == 1
    finally:
        config.unlink()


def test_amounts_carry_the_team_currency(demo, tmp_path):
    run, database = demo
    exported = run.ok("rules", "export", db=database).stdout
    assert "currency" in exported, "the key is in the document rules export prints"
    rules = tmp_path / "rules.toml"
    rules.write_text(re.sub(r"(?m)^#? ?currency = .*$", 'currency = "$"', exported), encoding="utf-8")
    run.ok("rules", "import", rules, db=database)
    try:
        text = report_text(run, database, "corvane-freight", "monthly", "executive")
        assert "- **Savings in May 2026:** $33,800" in text
        assert "| $150,000 | $60,000–$90,000 |" in text
        digest = run.ok("digest", "--date", DAY.isoformat(), db=database).stdout
        assert re.search(r"Open pipeline \(weighted\):\*\* \$[\d,]+", digest)
        assert not re.search(r"\| \d{1,3}(,\d{3})+ \|", digest), "no amount without its currency"
    finally:
        run.ok("rules", "reset", db=database)


def test_a_currency_that_is_not_a_short_symbol_is_refused(demo, tmp_path):
    run, database = demo
    rules = tmp_path / "rules.toml"
    rules.write_text('[money]\ncurrency = "dollars and more"\n', encoding="utf-8")
    result = run("rules", "import", rules, db=database)
    assert result.returncode == 2 and "money.currency" in result.stderr


def test_the_currency_defaults_to_the_locale(monkeypatch):
    import locale

    present.locale_currency.cache_clear()
    monkeypatch.setattr(locale, "localeconv", lambda: {"currency_symbol": "$", "p_cs_precedes": 1, "p_sep_by_space": 0})
    assert present.money(28500, currency=present.currency_in_force(None)) == "$28,500"
    present.locale_currency.cache_clear()
    monkeypatch.setattr(locale, "localeconv", lambda: {"currency_symbol": "€", "p_cs_precedes": 0, "p_sep_by_space": 1})
    assert present.money(-1200.5, currency=present.currency_in_force(None)) == "-1,200.50 €"
    present.locale_currency.cache_clear()
    monkeypatch.setattr(locale, "localeconv", lambda: {"currency_symbol": "", "p_cs_precedes": 127, "p_sep_by_space": 127})
    assert present.money(28500, currency=present.currency_in_force(None)) == "28,500", "the C locale names no currency"
    present.locale_currency.cache_clear()


# ----- one report per client, for cron ------------------------------------------------------------


def test_report_all_writes_one_report_per_client(demo, tmp_path):
    run, database = demo
    out = tmp_path / "weekly"
    result = run.ok("report", "--all", "--kind", "weekly", "--date", DAY.isoformat(), "--out-dir", out, db=database)
    active = [c["client"] for c in run.json("health", "--json", "--date", DAY.isoformat(), db=database)]
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{c}-weekly-2026-06-15.md" for c in active)
    assert f"wrote {len(active)} reports to {out}" in result.stderr
    first = (out / written[0]).read_text(encoding="utf-8")
    assert first.startswith("# ") and "Weekly report" in first
    assert oct((out / written[0]).stat().st_mode & 0o777) == "0o600"


def test_report_all_for_one_owner(demo, tmp_path, make_portfolio, make_runner):
    run = make_runner(tmp_path / "home")
    data = make_portfolio()
    data["clients"][1]["owner"] = "sam"
    owners = {c["id"]: c["owner"] for c in data["clients"] if c.get("status", "active") == "active"}
    database = tmp_path / "p.db"
    portfolio = tmp_path / "p.json"
    import json

    portfolio.write_text(json.dumps(data), encoding="utf-8")
    run.ok("import", portfolio, db=database)
    run.ok(
        "report",
        "--all",
        "--owner",
        "sam",
        "--kind",
        "weekly",
        "--date",
        DAY.isoformat(),
        "--out-dir",
        tmp_path / "o",
        "--format",
        "html",
        db=database,
    )
    assert sorted(p.name.split("-weekly-")[0] for p in (tmp_path / "o").iterdir()) == sorted(c for c, o in owners.items() if o == "sam")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--all", "--kind", "weekly"], "error: --all needs --out-dir or --mail"),
        (["corvane-freight", "--all", "--kind", "weekly", "--out-dir", "x"], "error: give a client or --all, not both"),
        (["--kind", "weekly"], "error: name a client, or --all for every client"),
        (["corvane-freight", "--kind", "weekly", "--out-dir", "x"], "error: --out-dir and --mail go with --all"),
        (["--all", "--kind", "weekly", "--mail", "--internal"], "error: --mail sends to the client's contacts: it does not send the internal"),
    ],
)
def test_report_all_refuses_what_does_not_fit(demo, args, message):
    run, database = demo
    result = run("report", *args, db=database)
    assert result.returncode == 2 and result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1


STAND_IN = """#!/bin/sh
# records what carebench hands to sendmail: its arguments, then the message
n=$(ls "$MAILBOX" | wc -l)
{ echo "ARGS: $*"; cat; } > "$MAILBOX/$n.eml"
"""


def test_report_all_mails_each_report_to_its_client_contact(demo, tmp_path):
    run, database = demo
    bin_dir, mailbox = tmp_path / "bin", tmp_path / "mailbox"
    bin_dir.mkdir()
    mailbox.mkdir()
    sendmail = bin_dir / "sendmail"
    sendmail.write_text(STAND_IN, encoding="utf-8")
    sendmail.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "MAILBOX": str(mailbox)}
    result = run.ok("report", "--all", "--kind", "weekly", "--date", DAY.isoformat(), "--mail", env=env, db=database)
    mails = [p.read_text(encoding="utf-8") for p in sorted(mailbox.iterdir())]
    assert mails, result.stderr
    corvane = next(m for m in mails if "Subject: Corvane Freight Systems: Weekly report, week ending 15 June 2026" in m)
    import email
    from email import policy

    args, _, raw = corvane.partition("\n")
    assert args == "ARGS: -t -i"
    message = email.message_from_string(raw, policy=policy.default)
    assert message["To"] == "nadia.ferreira@corvanefreight.example, liam.doherty@corvanefreight.example, yusuf.adeyemi@corvanefreight.example"
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert body.startswith("# Corvane Freight Systems: Weekly report\n") and "| KPI | Now | Target |" in body
    assert f"mailed {len(mails)} reports" in result.stderr


@pytest.mark.skipif(
    any(os.path.exists(f"{place}/sendmail") for place in ("/usr/sbin", "/usr/lib")), reason="this system has a sendmail where carebench looks"
)
def test_report_mail_without_sendmail_says_so(demo, tmp_path):
    run, database = demo
    empty = tmp_path / "nothing"
    empty.mkdir()
    result = run("report", "--all", "--kind", "weekly", "--mail", env={"PATH": str(empty)}, db=database)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --mail needs a sendmail command") and len(result.stderr.splitlines()) == 1


# ----- printing -----------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def pdf_pages(html: Path, tmp_path: Path) -> int:
    pdf = html.with_suffix(".pdf")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    flags += ["--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer"]
    subprocess.run([CHROMIUM, *flags, f"--print-to-pdf={pdf}", html.as_uri()], capture_output=True, timeout=120, check=True)
    data = pdf.read_bytes()
    assert re.search(rb"/MediaBox \[0 0 59[45]", data), "A4 paper"
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: the printed page counts cannot be measured")
def test_printed_documents_do_not_waste_pages(tmp_path):
    from carebench.app.demo import load_demo_portfolio
    from carebench.store import Store

    with Store(tmp_path / "demo.db", actor="ana") as store:
        store.import_portfolio(load_demo_portfolio(DAY, "ana"))
    session = Session(tmp_path / "demo.db", today=DAY, actor="ana")
    digest = tmp_path / "digest.html"
    digest.write_text(render_html(portfolio_digest(session)), encoding="utf-8")
    assert pdf_pages(digest, tmp_path) <= 4
    weekly = tmp_path / "weekly.html"
    weekly.write_text(render_html(client_report(session, "brackenfield-foods", DAY, "weekly", "executive", TEMPLATES)), encoding="utf-8")
    assert pdf_pages(weekly, tmp_path) <= 3


def test_printed_layout_breaks_at_sections_and_never_after_a_heading(tmp_path):
    from carebench.reports.render_html import CSS

    printed = CSS[CSS.index("@media print") :]
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", printed)
    assert re.search(r"section\.page-start\s*\{[^}]*break-before:\s*page", printed)
    assert re.search(r"h2[^{]*\{[^}]*break-after:\s*avoid", printed)
    assert re.search(r"tr[^{]*\{[^}]*break-inside:\s*avoid", printed)
    assert not re.search(r"(^|[\s,])section[\s,][^{]*\{[^}]*break-inside:\s*avoid", printed), "a long section may run over a page"


def expected_categories(run, database, client: str) -> list[list[str]]:
    """Tickets by category worked out from `ticket list --json`: open at the end of the day, and opened since the
    Monday eleven weeks before the day's week (the support KPIs' twelve weeks), most that came in first."""
    from collections import Counter
    from datetime import timedelta

    tickets = json.loads(run.ok("--date", DAY.isoformat(), "ticket", "list", client, "--json", db=database).stdout)
    since = (DAY - timedelta(days=DAY.weekday(), weeks=11)).isoformat()
    end = f"{DAY.isoformat()}T23:59"
    came_in = Counter(t["category"] for t in tickets if since <= t["opened"][:10] <= DAY.isoformat())
    still_open = Counter(t["category"] for t in tickets if t["opened"] <= end and (t["resolved"] is None or t["resolved"] > end))
    order = sorted(came_in, key=lambda c: (-came_in[c], c)) + sorted((c for c in still_open if c not in came_in), key=lambda c: (-still_open[c], c))
    return [[c.replace("_", " "), str(still_open[c]), str(came_in[c])] for c in order]


def test_the_operational_report_breaks_the_support_tickets_down_by_category(demo):
    run, database = demo
    text = report_text(run, database, "brackenfield-foods", "weekly", "operational")
    section = text.split("## KPIs against target")[1].split("\n## ")[0]
    assert "Support tickets by category: open at the end of 15 Jun 2026, and all that came in since 30 Mar 2026." in section
    table = section.split("| Category | Open | Since 30 Mar 2026 |\n| --- | ---: | ---: |\n")[1].split("\n\n")[0]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()]
    expected = expected_categories(run, database, "brackenfield-foods")
    assert rows == expected and any(row[1] != "0" for row in rows), rows  # Brackenfield has tickets open
    # the executive report shows no support KPIs, so no tickets either
    assert "Support tickets by category" not in report_text(run, database, "brackenfield-foods", "weekly", "executive")
