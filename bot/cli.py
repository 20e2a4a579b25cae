"""`inclubot`: run the assistant and manage its database and knowledge base.

  inclubot run                       set up the database, train if needed, serve everything
  inclubot train                     train the model when the data changed
  inclubot db upgrade                apply database migrations
  inclubot kb load-demo [--if-empty] load knowledge/cities/*.yml
  inclubot kb import FILE [--dry-run]
  inclubot kb export [--format json|yaml]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot import servers

RASA_PORT = int(os.environ.get("INCLUBOT_RASA_PORT", "5005"))
ACTIONS_PORT = int(os.environ.get("INCLUBOT_ACTIONS_PORT", "5055"))
WEB_PORT = int(os.environ.get("INCLUBOT_WEB_PORT", "8080"))
TRAINING_INPUTS = ("config.yml", "domain.yml", "data", "bot/locales", "knowledge/taxonomy.yml")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="inclubot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="set up and serve the assistant on 127.0.0.1")
    commands.add_parser("train", help="train the model if the training data changed")
    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations")
    kb = commands.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    demo = kb.add_parser("load-demo", help="load knowledge/cities/*.yml")
    demo.add_argument("--if-empty", action="store_true", help="only when the knowledge base has no entries")
    importer = kb.add_parser("import", help="validate and load a YAML or JSON file (all or nothing)")
    importer.add_argument("file")
    importer.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    exporter = kb.add_parser("export", help="print every entry")
    exporter.add_argument("--format", choices=("json", "yaml"), default="json")

    args = parser.parse_args(argv)
    if args.command == "run":
        return run()
    if args.command == "train":
        return train()
    if args.command == "db":
        return db_upgrade()
    return {"load-demo": kb_load_demo, "import": kb_import, "export": kb_export}[args.kb_command](args)


def db_upgrade() -> int:
    from knowledge.migrate import upgrade

    upgrade()
    print("database is up to date")
    return 0


def kb_load_demo(args) -> int:
    from sqlalchemy import func, select

    from knowledge.db import session_scope
    from knowledge.document import KbDocumentError
    from knowledge.models import Entry
    from knowledge.transfer import load_demo

    with session_scope() as session:
        if args.if_empty and session.execute(select(func.count()).select_from(Entry)).scalar_one():
            print("knowledge base already has entries; demo not loaded")
            return 0
        try:
            summary = load_demo(session)
        except KbDocumentError as error:
            print("demo knowledge base not loaded:\n" + str(error), file=sys.stderr)
            return 1
        print(f"demo knowledge base loaded: {len(summary.created)} created, {len(summary.updated)} updated")
    return 0


def kb_import(args) -> int:
    from knowledge.db import session_scope
    from knowledge.document import KbDocumentError
    from knowledge.transfer import import_file

    path = Path(args.file)
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2
    try:
        with session_scope() as session:
            summary = import_file(session, path.read_bytes(), str(path), actor=f"cli:{os.environ.get('USER', 'staff')}")
            print(("dry run, nothing changed:\n" if args.dry_run else "imported:\n") + summary.describe())
            if args.dry_run:
                session.rollback()
    except KbDocumentError as error:
        print(f"{path}: nothing was imported, {len(error.errors)} problem(s):\n{error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"{path}: nothing was imported: {error}", file=sys.stderr)
        return 1
    return 0


def kb_export(args) -> int:
    from knowledge.db import session_scope
    from knowledge.transfer import export_all, export_json

    with session_scope() as session:
        if args.format == "json":
            print(export_json(session))
        else:
            import yaml

            print(yaml.safe_dump(json.loads(export_json(session)), allow_unicode=True, sort_keys=False))
    return 0


def train() -> int:
    """Train with Rasa, which reuses the previous model when nothing changed."""
    command = [str(servers.BIN / "rasa"), "train", "--out", str(servers.MODELS_DIR), "--quiet"]
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.call(command, cwd=servers.PROJECT_ROOT, env=environment)


def run() -> int:
    for step in (db_upgrade, lambda: kb_load_demo(argparse.Namespace(if_empty=True)), train):
        code = step()
        if code:
            return code
    host = servers.bind_host()
    logs = servers.PROJECT_ROOT / "var" / "log"
    logs.mkdir(parents=True, exist_ok=True)
    action_url = f"http://127.0.0.1:{ACTIONS_PORT}/webhook"
    started = []
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for server in (
            servers.action_server(ACTIONS_PORT, host, log_path=logs / "actions.log"),
            servers.rasa_server(RASA_PORT, action_url, host, log_path=logs / "rasa.log"),
            servers.web_server(WEB_PORT, host, log_path=logs / "web.log"),
        ):
            started.append(server.start())
            print(f"starting {server.name} ...", flush=True)
            server.wait_until_up()
            if stopping:
                return 0
        print(
            f"\nIncluBot is running:\n"
            f"  REST channel   http://{host}:{RASA_PORT}/webhooks/rest/webhook\n"
            f"  Rasa HTTP API  http://{host}:{RASA_PORT}/model/parse\n"
            f"  action server  http://{host}:{ACTIONS_PORT}/webhook\n"
            f"  web app        http://{host}:{WEB_PORT}/\n"
            f"  logs           {logs}\n"
            f"Press Ctrl-C to stop.",
            flush=True,
        )
        while not stopping:
            for server in started:
                if server.process.poll() is not None:
                    print(f"{server.name} stopped unexpectedly (see {server.log_path})", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        print("stopping ...", flush=True)
        for server in reversed(started):
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
