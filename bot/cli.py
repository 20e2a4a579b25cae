"""`inclubot`: run the assistant and manage its database and knowledge base.

  inclubot run                       set up the database, train if needed, serve everything
  inclubot telegram-polling          the same, and fetch Telegram updates by polling (no public HTTPS)
  inclubot train                     train the model when the data changed
  inclubot db upgrade                apply database migrations
  inclubot kb load-demo [--if-empty] load knowledge/cities/*.yml
  inclubot kb import FILE [--dry-run] [--format yaml|json|csv]
  inclubot kb export [--format json|yaml|csv] [--output FILE] [--city ID]
  inclubot kb coverage [--city ID]   texts per city and language: translated / unreviewed / outdated / missing
  inclubot kb xliff-export --city ID --language CODE [--source en] [--format xliff|csv] [--output FILE]
                                     the city's texts missing or outdated in that language, for a translator
  inclubot kb xliff-import FILE [--dry-run]   the translated file (XLIFF, or the CSV) back: all or nothing
  inclubot staff create-coordinator USERNAME [--password-stdin]
  inclubot staff set-password USERNAME [--password-stdin]
  inclubot privacy purge [--older-than-days N]   delete conversations and unanswered
                                     questions older than N days (INCLUBOT_RETENTION_DAYS, 30)
  inclubot privacy forget ID         delete one conversation and its handoff tickets: tg:<Telegram chat id>, web:<session>, rest:<sender>
  inclubot handoff list [--city ID] [--status open|waiting|closed] [--format json]
  inclubot handoff reply TICKET_ID --text-stdin    answer a person's ticket (delivered to their chat)
  inclubot handoff close TICKET_ID [--reason TEXT]
  inclubot serve rasa|actions|web    one server in the foreground (a container's command)
"""
import argparse
import contextlib
import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

from bot import servers, settings
from bot.supervisor import Supervisor
from knowledge import private_files

RASA_PORT = settings.rasa_port()
ACTIONS_PORT = settings.actions_port()
WEB_PORT = settings.web_port()


def main(argv=None) -> int:
    private_files.owner_only()  # databases, keys and logs made from here on: owner only
    parser = argparse.ArgumentParser(prog="inclubot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="set up and serve the assistant on 127.0.0.1")
    commands.add_parser("telegram-polling", help="run, and fetch Telegram updates by polling (needs TELEGRAM_BOT_TOKEN)")
    commands.add_parser("train", help="train the model if the training data changed")
    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations")
    kb = commands.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    demo = kb.add_parser("load-demo", help="load knowledge/cities/*.yml")
    demo.add_argument("--if-empty", action="store_true", help="only when the knowledge base has no entries")
    importer = kb.add_parser("import", help="validate and load a YAML, JSON, CSV or XLSX file (all or nothing)")
    importer.add_argument("file")
    importer.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    importer.add_argument("--format", choices=("auto", "yaml", "json", "csv", "xlsx"), default="auto",
                          help="default: CSV for a .csv file, XLSX for a .xlsx file, else YAML/JSON")
    exporter = kb.add_parser("export", help="print every entry")
    exporter.add_argument("--format", choices=("json", "yaml", "csv"), default="json")
    exporter.add_argument("--output", help="write to this file instead of printing (CSV gets a BOM for spreadsheets)")
    exporter.add_argument("--city", help="only this city (an id from knowledge/taxonomy.yml)")
    covered = kb.add_parser("coverage", help="texts per city and language: translated, unreviewed, outdated, missing")
    covered.add_argument("--city", help="only this city (an id from knowledge/taxonomy.yml)")
    xliff_out = kb.add_parser("xliff-export", help="texts missing or outdated in one language, as XLIFF 2.0 for a translator")
    xliff_out.add_argument("--city", required=True, help="a city id from knowledge/taxonomy.yml")
    xliff_out.add_argument("--language", required=True, help="the language to translate into")
    xliff_out.add_argument("--source", default="en", help="the language to translate from (default: en)")
    xliff_out.add_argument("--format", choices=("xliff", "csv"), default="xliff",
                           help="XLIFF 2.0 for translation tools (default), or CSV for a spreadsheet")
    xliff_out.add_argument("--output", help="write to this file instead of printing")
    xliff_in = kb.add_parser("xliff-import", help="load a translated XLIFF file, or the CSV filled in (all or nothing)")
    xliff_in.add_argument("file")
    xliff_in.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    staff = commands.add_parser("staff", help="staff accounts of the admin").add_subparsers(dest="staff_command", required=True)
    for name, what in (("create-coordinator", "create a coordinator account"), ("set-password", "set an account's password")):
        command = staff.add_parser(name, help=what)
        command.add_argument("username")
        command.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    privacy = commands.add_parser("privacy", help="personal data").add_subparsers(dest="privacy_command", required=True)
    purger = privacy.add_parser("purge", help="delete conversations and unanswered questions past the retention period")
    purger.add_argument("--older-than-days", type=int, default=None, metavar="N",
                        help="default: INCLUBOT_RETENTION_DAYS, else 30")
    forgetter = privacy.add_parser("forget", help="delete one person's conversation, all its sessions")
    forgetter.add_argument("conversation_id", help="the conversation id with its channel: tg:<Telegram chat id>, web:<widget session>, rest:<REST sender>")
    from bot import handoff_commands

    handoff_commands.add_parser(commands)
    server = commands.add_parser("serve", help="run one server in the foreground, e.g. in a container (deploy/)")
    server.add_argument("server", choices=("rasa", "actions", "web"))

    args = parser.parse_args(argv)
    if args.command == "run":
        return run()
    if args.command == "telegram-polling":
        return run(telegram_polling=True)
    if args.command == "train":
        return train()
    if args.command == "db":
        return db_upgrade()
    if args.command == "privacy":
        return privacy_command(args)
    if args.command == "serve":
        return serve(args.server)
    if args.command in ("kb", "handoff", "staff"):
        from knowledge.migrate import problem_with

        problem = problem_with()
        if problem:
            print(problem, file=sys.stderr)
            return 2
    if args.command == "handoff":
        return handoff_commands.run(args)
    if args.command == "staff":
        from bot import staff_commands

        return staff_commands.run(args)
    commands_of_kb = {
        "load-demo": kb_load_demo, "import": kb_import, "export": kb_export, "coverage": kb_coverage,
        "xliff-export": kb_xliff_export, "xliff-import": kb_xliff_import,
    }
    return commands_of_kb[args.kb_command](args)


def serve(name: str) -> int:
    """Become one server (exec): started exactly as `inclubot run` starts it (the Rasa HTTP
    API with its token), on INCLUBOT_HOST and the INCLUBOT_*_PORT ports. The Rasa server
    reaches the actions at ACTION_SERVER_URL."""
    host = settings.bind_host()
    if name == "rasa":
        server = servers.rasa_server(RASA_PORT, settings.action_server_url(), host)
    elif name == "actions":
        server = servers.action_server(ACTIONS_PORT, host)
    else:
        server = servers.web_server(WEB_PORT, host)
    os.chdir(servers.PROJECT_ROOT)
    private_files.tighten(settings.VAR_DIR)  # what an older version or image left readable
    sys.stdout.flush()
    os.execve(server.command[0], server.command, {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **server.env})


def privacy_command(args) -> int:
    """`inclubot privacy purge|forget`: says what was deleted, or why nothing was."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot import retention

    try:
        if args.privacy_command == "forget":
            events, tickets = retention.forget_person(args.conversation_id)
            if events or tickets:
                print(f"deleted {events} event(s) of that conversation and {tickets} handoff ticket(s)")
            else:
                print("no conversation is stored under that id, and no handoff ticket")
        else:
            days = args.older_than_days if args.older_than_days is not None else settings.retention_days()
            print(retention.purge(days).describe())
    except ValueError as error:
        print(f"nothing was deleted: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"nothing more was deleted: a database could not be reached ({type(error).__name__})", file=sys.stderr)
        return 1
    return 0


def db_upgrade() -> int:
    """The knowledge base's schema (Alembic), and stored conversations under their channel's
    namespace (bot/conversation_id_migration.py)."""
    from bot.conversation_id_migration import namespace_stored_conversations
    from knowledge.migrate import upgrade

    upgrade()
    moved = namespace_stored_conversations()
    if moved:
        print(f"{moved} stored conversation event(s) moved under their channel's namespace")
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
    from knowledge.transfer import import_file

    def load(session, data, name, actor):
        return import_file(session, data, name, actor=actor, file_format=args.format)

    status, summary = _import_all_or_nothing(args.file, args.dry_run, load)
    if status == 0:
        # Printed once committed: a closed pipe must not undo the import.
        print(("dry run, nothing changed:\n" if args.dry_run else "imported:\n") + summary.describe())
    return status


def _import_all_or_nothing(file_name: str, dry_run: bool, load):
    """Runs `load(session, data, name, actor)` on the file in one transaction, rolled back on
    a dry run; (exit status, what `load` returned). Shared by `kb import` and `kb xliff-import`
    (and, through knowledge.transfer.import_all_or_nothing, by the admin)."""
    from knowledge.db import session_scope
    from knowledge.transfer import import_all_or_nothing

    path = Path(file_name)
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 2, None
    with session_scope() as session:
        outcome = import_all_or_nothing(
            session, load, path.read_bytes(), str(path), settings.cli_actor(), dry_run,
        )
    if outcome.errors:
        print(f"{path}: nothing was imported, {len(outcome.errors)} problem(s):\n" + "\n".join(outcome.errors), file=sys.stderr)
        return 1, None
    return 0, outcome.result


def _unknown_city(city) -> bool:
    from knowledge.taxonomy import load_taxonomy

    if city is not None and city not in load_taxonomy().cities:
        print(f"unknown city {city!r}; cities: {', '.join(load_taxonomy().cities)}", file=sys.stderr)
        return True
    return False


def kb_coverage(args) -> int:
    from knowledge.coverage import coverage, coverage_table
    from knowledge.db import session_scope

    if _unknown_city(args.city):
        return 2
    with session_scope() as session:
        table = coverage_table(coverage(session, [args.city] if args.city else None))
    print(table)
    return 0


def kb_xliff_export(args) -> int:
    from knowledge.db import session_scope
    from knowledge.taxonomy import load_taxonomy
    from knowledge.translator_csv import export_translator_csv
    from knowledge.xliff import export_xliff, texts_to_translate

    languages = load_taxonomy().languages
    if _unknown_city(args.city):
        return 2
    if args.language not in languages or args.source not in languages or args.language == args.source:
        print(f"--language and --source must be two different codes of: {', '.join(languages)}", file=sys.stderr)
        return 2
    with session_scope() as session:
        if args.format == "csv":
            document = export_translator_csv(session, args.city, args.language, args.source)
            units = len(texts_to_translate(session, args.city, args.language, args.source))
        else:
            document, units = export_xliff(session, args.city, args.language, args.source)
    if args.output:
        # Spreadsheet programs read a CSV as UTF-8 (Arabic, Greek, ...) only with a BOM.
        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        with open(args.output, "w", encoding=encoding, newline="") as output:
            output.write(document)
        print(f"exported {units} entries to translate to {args.output}")
    else:
        sys.stdout.write(document)
    return 0


def kb_xliff_import(args) -> int:
    from knowledge.translator_csv import import_translator_csv
    from knowledge.xliff import import_xliff

    def load(session, data, name, actor):
        reader = import_translator_csv if name.lower().endswith(".csv") else import_xliff
        return reader(session, data, name, actor=actor)

    status, result = _import_all_or_nothing(args.file, args.dry_run, load)
    if status == 0:
        language, changed = result
        heading = "dry run, nothing changed" if args.dry_run else "imported"
        print(f"{heading}: {len(changed)} translation(s) into {language}\n" + "".join(f"  ~ {entry_id}\n" for entry_id in changed), end="")
    return status


def kb_export(args) -> int:
    from knowledge.db import session_scope
    from knowledge.transfer import export_text

    if _unknown_city(args.city):
        return 2
    with session_scope() as session:
        text = export_text(session, args.format, args.city)
    if args.output:
        # Spreadsheet programs read a CSV as UTF-8 (Arabic, Greek, ...) only with a BOM.
        encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
        with open(args.output, "w", encoding=encoding, newline="") as output:
            output.write(text)
        print(f"exported to {args.output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def train() -> int:
    """Train when the training inputs changed since the newest model (bot/training_inputs.py);
    otherwise say so at once, without loading Rasa or writing a new archive."""
    from bot import training_inputs

    current = training_inputs.fingerprint()
    model = training_inputs.up_to_date(servers.MODELS_DIR)
    if model is not None:
        print(f"the model is up to date ({model.relative_to(servers.PROJECT_ROOT)})", flush=True)
        return 0
    code = _train_with_progress()
    newest = training_inputs.newest_model(servers.MODELS_DIR)
    if code == 0 and newest is not None:
        training_inputs.record(newest, current)
    _prune_models(keep=3)
    return code


def _train_with_progress() -> int:
    """`rasa train`, its progress on the terminal, its log (and the libraries' warnings) in
    var/log/train.log."""
    from bot.training_progress import parse

    log_path = private_files.private_dir(settings.VAR_DIR / "log") / "train.log"
    print(f"training the model (a few minutes the first time; log: {log_path.relative_to(servers.PROJECT_ROOT)})", flush=True)
    command = [str(servers.BIN / "python"), "-m", "bot.training_progress", "--out", str(servers.MODELS_DIR)]
    cache = private_files.private_dir(settings.training_cache_dir())
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1",
                   "RASA_CACHE_DIRECTORY": str(cache), **servers.OPENMP_SETTINGS}
    in_place = sys.stdout.isatty()
    with _one_training_at_a_time(cache), open(log_path, "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, cwd=servers.PROJECT_ROOT, env=environment, text=True, errors="replace",
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        for line in process.stdout:
            progress = parse(line)
            if progress is None:
                log.write(line)
            elif in_place:
                print(f"\r\033[K  {progress}", end="", flush=True)
            else:
                print(f"  {progress}", flush=True)
        code = process.wait()
    if in_place:
        print(flush=True)
    if code == 0:
        print("training done", flush=True)
        return code
    last_lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-8:]
    print(f"training failed (exit code {code}); the end of {log_path}:", *last_lines, sep="\n  ", file=sys.stderr)
    return code


@contextlib.contextmanager
def _one_training_at_a_time(cache: Path):
    """The checkouts on this machine share Rasa's training cache (a SQLite file and folders
    beside it), which takes one writer at a time."""
    with open(cache / "training.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for another training on this machine to finish …", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _prune_models(keep: int) -> None:
    """Rasa serves the newest model; older ones only fill the disk (about 5 MB each)."""
    from bot import training_inputs

    models = sorted(servers.MODELS_DIR.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[keep:]:
        old.unlink(missing_ok=True)
        training_inputs.forget(old)


def run(telegram_polling: bool = False) -> int:
    if telegram_polling:
        from bot.channels.telegram_polling import configuration_problem

        problem = configuration_problem()
        if problem:
            print(problem, file=sys.stderr)
            return 2
    _warnings_to_log(private_files.private_dir(settings.VAR_DIR / "log") / "inclubot.log")
    setup = (
        db_upgrade, lambda: kb_load_demo(argparse.Namespace(if_empty=True)),
        lambda: privacy_command(argparse.Namespace(privacy_command="purge", older_than_days=None)), train,
    )
    for step in setup:
        code = step()
        if code:
            return code
    host = settings.bind_host()
    private_files.tighten(settings.VAR_DIR)  # what an older version left readable
    logs = private_files.private_dir(settings.VAR_DIR / "log")
    supervisor = Supervisor([
        servers.action_server(ACTIONS_PORT, host, log_path=logs / "actions.log"),
        servers.rasa_server(RASA_PORT, settings.local_action_server_url(), host, log_path=logs / "rasa.log"),
        servers.web_server(WEB_PORT, host, log_path=logs / "web.log"),
        *([telegram_poller(host, logs)] if telegram_polling else []),
    ], logs / "supervisor.log", echo=lambda line: print(line, file=sys.stderr, flush=True))

    def stop(*_):
        supervisor.stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print("starting the action server, the Rasa server and the web app ...", flush=True)
        problem = supervisor.start()
        if problem == "stopping":
            return 0
        if problem:
            print(problem, file=sys.stderr)
            return 1
        print(
            f"\nIncluBot is running:\n"
            f"  REST channel   http://{host}:{RASA_PORT}/webhooks/rest/webhook\n"
            f"  Rasa HTTP API  http://{host}:{RASA_PORT}/model/parse\n"
            f"  action server  http://{host}:{ACTIONS_PORT}/webhook\n"
            f"  web app        http://{host}:{WEB_PORT}/\n"
            + ("  Telegram       polling for updates\n" if telegram_polling else "") +
            f"  logs           {logs}\n"
            f"A server that stops is started again (see supervisor.log). Press Ctrl-C to stop.",
            flush=True,
        )
        supervisor.wait()
        return 0
    finally:
        print("stopping ...", flush=True)
        supervisor.stop()


def _warnings_to_log(path: Path) -> None:
    """Libraries' deprecation warnings are for developers: into the log, off the terminal."""
    import logging

    logging.captureWarnings(True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    warnings_logger = logging.getLogger("py.warnings")
    warnings_logger.addHandler(handler)
    warnings_logger.propagate = False
    path.chmod(0o600)


def telegram_poller(host: str, logs: Path) -> "servers.Server":
    from bot.channels.telegram_polling import poller_server

    return poller_server(f"http://{servers._client_host(host)}:{RASA_PORT}", log_path=logs / "telegram.log")


if __name__ == "__main__":
    sys.exit(main())
