"""Reading aloud: latency of POST /api/speech for a typical answer, on the web app started
as `inclubot run` starts it (loopback, free port).

    .venv/bin/python -m bench.speech_latency [--samples 30]

A typical answer is one service card's plain text in the bot's words (name, two lines,
phone, "not yet verified"), about 300 characters. Each sample is a text not heard before
(a number in it changes), so it measures synthesis + encoding, not the cache; the cached
case is measured apart. Prints p50/p95 per case and the audio size; the target is
p50 <= 300 ms on this machine. Bounded: at most --samples requests per case, per language.
"""
import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from bot import servers
from replies.texts import text

LANGUAGES = ("en", "ar", "uk")
TARGET_P50_MS = 300


def typical_answer(language: str, n: int) -> str:
    return "\n".join([
        f"{text('category_health', language)} {n}",
        text("help", language)[:160],
        f"{text('label_phone', language)}: +32 2 555 0{n % 10} {10 + n % 90}",
        text("not_verified", language),
    ])


def percentile(values, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(url: str, bodies) -> (list, int):
    times, size = [], 0
    with requests.Session() as http:
        for body in bodies:
            started = time.perf_counter()
            response = http.post(f"{url}/api/speech", json=body, timeout=60)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or response.content[:4] != b"OggS":
                raise SystemExit(f"speech request failed: {response.status_code} {response.text[:200]}")
            size = len(response.content)
    return times, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20, help="requests per case and language (at most 100)")
    args = parser.parse_args()
    samples = max(3, min(args.samples, 100))
    with tempfile.TemporaryDirectory() as directory:
        port = servers.free_port()
        server = servers.web_server(port, env={
            "INCLUBOT_DATABASE_URL": f"sqlite:///{Path(directory) / 'kb.db'}", "INCLUBOT_SECRET_KEY": secrets.token_urlsafe(40),
            "INCLUBOT_SPEECH_PER_MINUTE": "1000",  # the bench is one client asking many times
        }, log_path=Path(directory) / "web.log").start()
        try:
            server.wait_until_up(timeout=60)
            url = f"http://127.0.0.1:{port}"
            print(f"POST /api/speech, a typical answer (~{len(typical_answer('en', 1))} characters), {samples} samples per case")
            print(f"{'language':<9} {'case':<10} {'p50 ms':>8} {'p95 ms':>8} {'audio kB':>9}")
            all_fresh = []
            for language in LANGUAGES:
                bodies = [{"text": typical_answer(language, n), "language": language} for n in range(samples)]
                fresh, size = measure(url, bodies)
                cached, _ = measure(url, bodies[:samples])
                all_fresh += fresh
                for case, times in (("new text", fresh), ("cached", cached)):
                    print(f"{language:<9} {case:<10} {statistics.median(times):8.0f} {percentile(times, 0.95):8.0f} {size / 1024:9.1f}")
            p50 = statistics.median(all_fresh)
            print(f"all new texts: p50 {p50:.0f} ms, p95 {percentile(all_fresh, 0.95):.0f} ms "
                  f"(target p50 <= {TARGET_P50_MS} ms: {'met' if p50 <= TARGET_P50_MS else 'NOT met'})")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
