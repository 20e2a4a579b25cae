"""Training reads the NLU data files once; applied by bot/training_progress.py.

`rasa train` builds two importers, one to check the data and one to train, and each asks for
the NLU data with other arguments (`get_nlu_data()`, `("en")`, and config.yml's "xx"), which
its per-object cache tells apart: the same files were read, checked and merged five times in
one training (about 1.3 s each here). Here what Rasa's file importer read is kept for the
process, by the files (path, size, modification time) and the language asked. Its one caller,
Rasa's CombinedDataImporter, merges it into a new TrainingData (a deep copy), so the one
kept is never changed; each importer still gets what it got before.
"""
import functools
import os
from typing import Dict, Optional, Text, Tuple

from bot import rasa_internals

PURPOSE = "reading the NLU data files once per training"
RASA_CODE = (
    "rasa.shared.importers.rasa:RasaFileImporter.get_nlu_data",
    # its caller, which merges (copies) what it returns
    "rasa.shared.importers.importer:CombinedDataImporter.get_nlu_data",
)


def _files_as_they_are(paths) -> Tuple:
    return tuple((path, found.st_size, found.st_mtime_ns) for path, found in ((p, os.stat(p)) for p in paths))


def install() -> bool:
    """Keep Rasa's file importer's NLU data for this process; False (and Rasa's own reading
    every time) when Rasa's code under it is not the code this was written for."""
    from rasa.shared.importers.rasa import RasaFileImporter

    if not rasa_internals.unchanged(*RASA_CODE, purpose=PURPOSE):
        return False
    rasas_get_nlu_data = RasaFileImporter.get_nlu_data
    read: Dict[Tuple, object] = {}

    @functools.wraps(rasas_get_nlu_data)
    def get_nlu_data(self, language: Optional[Text] = "en"):
        key = (language, _files_as_they_are(self._nlu_files))
        if key not in read:
            read[key] = rasas_get_nlu_data(self, language)
        return read[key]

    RasaFileImporter.get_nlu_data = get_nlu_data
    return True
