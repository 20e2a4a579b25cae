"""A bot message read aloud: offline speech synthesis (espeak-ng) encoded as Ogg/Opus
(opusenc), the format browsers play and Telegram takes as a voice message.

Both programs are Debian packages that scripts/setup.sh installs; nothing is downloaded.
The text goes to espeak-ng on its standard input (never on a command line another user of
the machine could read) and is never logged. Results are kept by a hash of the text, so
the same answer read by many people is synthesised once.
"""
import hashlib
import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from typing import Optional

MAX_CHARS = 1500  # a long answer with its details; anything longer is not an answer
SPEED_WPM = 150  # a little slower than espeak's 175: listeners may be learning the language
TIMEOUT_S = 30
CACHE_ITEMS = 256
VOICES = {  # our language codes -> espeak-ng voices
    "en": "en-gb", "fr": "fr", "nl": "nl", "ar": "ar", "uk": "uk", "ru": "ru",
    "es": "es", "it": "it", "el": "el", "lv": "lv", "fa": "fa", "tr": "tr",
}

# A phone number: international (+32 2 218 38 35), national (0800 32 123) or short (112,
# 1813, 116123). Read one digit at a time, as people say and dial them. Years, ISO dates,
# distances and amounts are left to be read as numbers.
PHONE = re.compile(r"(?<![\w.,:/-])(?:\+\d[\d ()./-]{5,}\d|0\d(?:[ ./-]?\d){4,}|\d{3,6})(?![\w.,:/-]*\d)(?!\s?(?:m|km|€|%)\b)")
YEAR = re.compile(r"^(?:19|20)\d\d$")
FULL_HOUR = re.compile(r"\b(\d{1,2}):00\b")  # "9:00" is read "9"
TIME = re.compile(r"\b(\d{1,2}):(\d\d)\b")  # "9:30" is read "9 30"


class SpeechError(RuntimeError):
    """Synthesis failed or is not installed (not the caller's fault)."""


def available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("opusenc"))


def spoken_form(text: str) -> str:
    """The text as it should be heard: phone numbers digit by digit, times as said."""
    def digits(match: re.Match) -> str:
        number = match.group(0)
        if YEAR.match(number):
            return number
        return " ".join(re.sub(r"\D", "", number)) + " "

    text = PHONE.sub(digits, text)
    text = FULL_HOUR.sub(r"\1", text)
    return TIME.sub(r"\1 \2", text)


class Synthesiser:
    """Text -> Ogg/Opus bytes, cached, at most two syntheses at a time (a shared machine)."""

    def __init__(self, cache_items: int = CACHE_ITEMS, parallel: int = 2):
        self._cache: "OrderedDict[str, bytes]" = OrderedDict()
        self._cache_items = cache_items
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(parallel)

    @staticmethod
    def key(text: str, language: str) -> str:
        return hashlib.sha256(f"{language}\0{text}".encode()).hexdigest()

    def cached(self, text: str, language: str) -> Optional[bytes]:
        with self._lock:
            key = self.key(text, language)
            audio = self._cache.get(key)
            if audio is not None:
                self._cache.move_to_end(key)
            return audio

    def ogg_opus(self, text: str, language: str) -> bytes:
        audio = self.cached(text, language)
        if audio is not None:
            return audio
        with self._slots:
            audio = synthesise(text, language)
        with self._lock:
            self._cache[self.key(text, language)] = audio
            while len(self._cache) > self._cache_items:
                self._cache.popitem(last=False)
        return audio


def synthesise(text: str, language: str) -> bytes:
    """espeak-ng's WAV through opusenc; raises SpeechError (without the text) on failure."""
    if not available():
        raise SpeechError("espeak-ng or opusenc is not installed (run scripts/setup.sh)")
    voice = VOICES.get(language, "en-gb")
    # espeak-ng's WAV flows straight into opusenc: encoding starts with the first sound.
    try:
        with subprocess.Popen(
            ["espeak-ng", "-v", voice, "-s", str(SPEED_WPM), "-b", "1", "--stdout"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        ) as speech:
            # Complexity 0: a third of the CPU of the default 10, and speech stays clear at 24 kb/s.
            encoder = subprocess.Popen(
                ["opusenc", "--quiet", "--bitrate", "24", "--comp", "0", "-", "-"],
                stdin=speech.stdout, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )
            speech.stdout.close()  # opusenc holds the pipe now
            try:
                speech.stdin.write(spoken_form(text).encode("utf-8"))
                speech.stdin.close()
                audio, _ = encoder.communicate(timeout=TIMEOUT_S)
                speech.wait(timeout=TIMEOUT_S)
            except (subprocess.TimeoutExpired, OSError):
                encoder.kill()
                speech.kill()
                raise
    except (subprocess.TimeoutExpired, OSError) as error:
        raise SpeechError(f"speech synthesis failed ({type(error).__name__})") from None
    if speech.returncode or encoder.returncode:
        raise SpeechError(f"speech synthesis failed (exit {speech.returncode}/{encoder.returncode})")
    if not audio.startswith(b"OggS"):
        raise SpeechError("speech synthesis produced no Ogg data")
    return audio


synthesiser = Synthesiser()
