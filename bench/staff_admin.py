"""Staff tools: import/export of a large spreadsheet, and the admin's response times.

    .venv/bin/python -m bench.staff_admin [ENTRIES]       (default 2000 entries)

On a fresh SQLite knowledge base (and PostgreSQL when INCLUBOT_TEST_POSTGRES_URL is set):
`inclubot kb import` of a CSV with ENTRIES new entries, the same file again (nothing
changes), `--dry-run`, and `kb export` as CSV and JSON, each timed as staff run them
(process start included). Then the admin on the demo knowledge base: log-in (one Argon2
verification), the entry list, the edit page and saving an edit, 20 times each.
Loopback only; bounded in count.
"""
import csv
import io
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bot import servers
from knowledge.db import session_scope
from knowledge.migrate import upgrade
from knowledge.transfer import load_demo

REPEATS = 20
PASSWORD = "a long passphrase for the bench"


def timed(command, env) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def spreadsheet(count: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "city", "category", "name_en", "name_fr", "description_en", "phone", "hours_mon", "languages_spoken"])
    for i in range(count):
        writer.writerow([f"schaerbeek-bench-{i}", "schaerbeek", "health", f"Health centre {i}", f"Centre de santé {i}",
                         "A description long enough to look like a real one, with a comma, and more.",
                         f"+32 2 {100 + i % 900} 00 00", "09:00-12:00, 13:00-16:00", "fr, nl"])
    return out.getvalue()


def fresh_databases(directory: Path):
    yield "sqlite", f"sqlite:///{directory / 'bench.db'}"
    postgres = os.environ.get("INCLUBOT_TEST_POSTGRES_URL")
    if postgres:
        name = f"inclubot_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(postgres, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield "postgresql", postgres.rsplit("/", 1)[0] + "/" + name
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def bench_transfer(count: int, directory: Path) -> None:
    path = directory / "bench.csv"
    path.write_text(spreadsheet(count), encoding="utf-8")
    inclubot = str(servers.BIN / "inclubot")
    for kind, url in fresh_databases(directory):
        upgrade(url)
        with session_scope(url) as session:
            load_demo(session)
        env = {**os.environ, "INCLUBOT_DATABASE_URL": url}
        figures = {
            f"import {count} new entries": timed([inclubot, "kb", "import", str(path)], env),
            "import the same file again (no change)": timed([inclubot, "kb", "import", str(path)], env),
            "import --dry-run": timed([inclubot, "kb", "import", str(path), "--dry-run"], env),
            "export csv": timed([inclubot, "kb", "export", "--format", "csv", "--output", str(directory / "out.csv")], env),
            "export json": timed([inclubot, "kb", "export", "--format", "json", "--output", str(directory / "out.json")], env),
        }
        for what, seconds in figures.items():
            print(f"  {kind:10} {what:42} {seconds:6.2f} s")


def bench_admin_import(base: str, browser: requests.Session, token, path: Path) -> None:
    """The spreadsheet uploaded in the admin: the dry-run preview, then the confirmed import."""
    count = path.read_text(encoding="utf-8").count("\n") - 1
    start = time.perf_counter()
    with path.open("rb") as upload:
        preview = browser.post(f"{base}/transfer/preview", data={"csrf_token": token()}, files={"file": (path.name, upload)})
    preview_seconds = time.perf_counter() - start
    assert preview.status_code == 200 and 'id="confirm-import"' in preview.text, preview.text[-1500:]
    start = time.perf_counter()
    confirmed = browser.post(f"{base}/transfer/confirm", data={"csrf_token": token()}, allow_redirects=False)
    confirm_seconds = time.perf_counter() - start
    assert confirmed.status_code == 302
    print(f"  admin      {f'import of {count} rows: upload and preview':42} {preview_seconds:6.2f} s")
    print(f"  admin      {f'import of {count} rows: confirm':42} {confirm_seconds:6.2f} s")


def bench_admin(directory: Path, spreadsheet_path: Path) -> None:
    url = f"sqlite:///{directory / 'admin.db'}"
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session)
    env = {**os.environ, "INCLUBOT_DATABASE_URL": url}
    subprocess.run([str(servers.BIN / "inclubot"), "staff", "create-coordinator", "bench@city.example", "--password-stdin"],
                   input=PASSWORD + "\n", env=env, text=True, check=True, capture_output=True)
    port = servers.free_port()
    server = servers.web_server(port, env={"INCLUBOT_DATABASE_URL": url, "INCLUBOT_SECRET_KEY": secrets.token_urlsafe(40)},
                                log_path=directory / "web.log").start()
    try:
        server.wait_until_up(timeout=60)
        base = f"http://127.0.0.1:{port}/admin"
        browser = requests.Session()
        token = lambda: re.search(r'name="csrf_token" value="([^"]+)"', browser.get(f"{base}/login/").text).group(1)  # noqa: E731
        logins, lists, pages, saves, tasks = [], [], [], [], []
        for i in range(REPEATS):
            browser.cookies.clear()
            data = {"csrf_token": token(), "username": "bench@city.example", "password": PASSWORD}
            task_start = start = time.perf_counter()
            assert browser.post(f"{base}/login/", data=data, allow_redirects=False).status_code == 302
            logins.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert browser.get(f"{base}/entry/").status_code == 200
            lists.append(time.perf_counter() - start)
            start = time.perf_counter()
            page = browser.get(f"{base}/entry/edit/?id=schaerbeek-town-hall")
            pages.append(time.perf_counter() - start)
            fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
            fields.update(csrf_token=token(), id="schaerbeek-town-hall", city="schaerbeek", category="registration",
                          name_en="Town hall", phone=f"+32 2 {100 + i} 00 00", active="y", priority="10")
            start = time.perf_counter()
            assert browser.post(f"{base}/entry/edit/?id=schaerbeek-town-hall", data=fields, allow_redirects=False).status_code == 302
            saves.append(time.perf_counter() - start)
            tasks.append(time.perf_counter() - task_start)
        bench_admin_import(base, browser, token, spreadsheet_path)
        for what, values in (("log-in", logins), ("entry list (50 a page)", lists), ("edit page", pages), ("save an edit", saves),
                             ("log-in to saved edit (4 requests)", tasks)):
            print(f"  admin      {what:42} median {statistics.median(values) * 1000:6.0f} ms, max {max(values) * 1000:6.0f} ms")
    finally:
        server.stop()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"$ .venv/bin/python -m bench.staff_admin {count}   ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as directory:
        bench_transfer(count, Path(directory))
        bench_admin(Path(directory), Path(directory) / "bench.csv")


if __name__ == "__main__":
    main()
