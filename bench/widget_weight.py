"""Page weight and time to interactive of the chat widget on a demo city page.

    .venv/bin/python -m bench.widget_weight [--runs 5] [--city schaerbeek] [--web-url URL]

Starts the servers as `inclubot run` does (action server, Rasa, web app on free loopback
ports, a fresh demo knowledge base; needs a trained model: `inclubot train`), or measures a
running web app with --web-url. Opens the city page in Debian's headless Chromium, each run
with an empty cache, and prints:
- bytes transferred on first load (headers + bodies as sent): the page, the widget's own
  files, and everything; and on a reload with the browser's cache;
- time to interactive, from navigation start: the widget shown (its text box usable; a
  message typed now is kept and sent) and connected (session confirmed by Rasa), read
  from the marks the widget sets (performance.mark "inclubot-shown", "inclubot-connected").
Chromium has no network throttling here: times are loopback times on a shared machine.
"""
import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Dict, List
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from bot import servers
from knowledge.db import session_scope
from knowledge.migrate import upgrade
from knowledge.transfer import load_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
MARK_TIMEOUT_MS = 60_000


def start_servers(directory: Path) -> (List[servers.Server], str):
    if not any(servers.MODELS_DIR.glob("*.tar.gz")):
        sys.exit("no trained model in models/: run `inclubot train` first")
    database_url = f"sqlite:///{directory / 'kb.db'}"
    upgrade(database_url)
    with session_scope(database_url) as session:
        load_demo(session)
    env = {"INCLUBOT_DATABASE_URL": database_url}
    actions_port, rasa_port, web_port = servers.free_port(), servers.free_port(), servers.free_port()
    planned = [
        servers.action_server(actions_port, env=env, log_path=directory / "actions.log"),
        servers.rasa_server(rasa_port, f"http://127.0.0.1:{actions_port}/webhook", env=env, log_path=directory / "rasa.log"),
        servers.web_server(web_port, env={**env, "INCLUBOT_PUBLIC_RASA_URL": f"http://127.0.0.1:{rasa_port}"},
                           log_path=directory / "web.log"),
    ]
    started = []
    try:
        for server in planned:
            started.append(server.start())
            server.wait_until_up()
    except BaseException:
        for server in reversed(started):
            server.stop()
        raise
    return started, f"http://127.0.0.1:{web_port}"


def transferred(requests) -> Dict[str, int]:
    """Bytes per URL path, headers and bodies as received."""
    sizes = {}
    for request in requests:
        response = request.response()
        if response is None:
            continue
        size = request.sizes()
        sizes[urlsplit(request.url).path] = size["responseBodySize"] + size["responseHeadersSize"]
    return sizes


def one_run(browser, url: str) -> Dict:
    context = browser.new_context()  # empty cache and storage
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url)
    page.wait_for_function("() => performance.getEntriesByName('inclubot-connected').length > 0", timeout=MARK_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    marks = page.evaluate("""() => Object.fromEntries(['inclubot-shown', 'inclubot-connected']
        .map(name => [name, performance.getEntriesByName(name)[0].startTime]))""")
    first = transferred(finished)
    finished.clear()
    page.reload()
    page.wait_for_function("() => performance.getEntriesByName('inclubot-connected').length > 0", timeout=MARK_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    again = transferred(finished)
    context.close()
    return {"first": first, "reload": again, "shown_ms": marks["inclubot-shown"], "connected_ms": marks["inclubot-connected"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--city", default="schaerbeek")
    parser.add_argument("--web-url", help="measure this running web app instead of starting the servers")
    args = parser.parse_args(argv)
    runs = max(1, min(args.runs, 50))  # bounded

    with tempfile.TemporaryDirectory(prefix="widget-bench-") as directory:
        started, web_url = ([], args.web_url.rstrip("/")) if args.web_url else start_servers(Path(directory))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                results = [one_run(browser, f"{web_url}/{args.city}") for _ in range(runs)]
                browser.close()
        finally:
            for server in reversed(started):
                server.stop()
    report(results, f"{web_url}/{args.city}")
    return 0


def report(results: List[Dict], url: str) -> None:
    first = results[0]["first"]
    widget_files = {path: size for path, size in first.items() if path.startswith("/widget/")}
    print(f"widget page weight and time to interactive: {url}, {len(results)} runs, empty cache each")
    print("  first load, bytes transferred (headers + bodies):")
    for path, size in sorted(first.items(), key=lambda item: -item[1]):
        print(f"    {size:>8,}  {path}")
    print(f"    {sum(widget_files.values()):>8,}  widget total ({len(widget_files)} files)")
    print(f"    {sum(first.values()):>8,}  page total ({len(first)} requests, plus the socket.io websocket)")
    reload_total = statistics.median(sum(r["reload"].values()) for r in results)
    print(f"  reload with the browser's cache: {reload_total:,.0f} bytes (median)")
    for key, label in (("shown_ms", "widget shown, text box usable"), ("connected_ms", "connected to Rasa")):
        values = [r[key] for r in results]
        print(f"  {label}: median {statistics.median(values):.0f} ms, max {max(values):.0f} ms after navigation start")


if __name__ == "__main__":
    sys.exit(main())
