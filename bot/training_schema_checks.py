"""Rasa's schema check of each training-data file, made on the fast parse; applied by
bot/training_progress.py.

Before Rasa reads a data file, `validate_yaml_schema` parses it a second time with ruamel's
round-trip parser, which keeps each value's line number for the error message, and reads its
schema files again for every file: 14 of the 48 s of a retraining whose components all came
from Rasa's cache (268 files). Here a file is parsed by the parser Rasa reads it with ("safe",
a tenth of the time) and checked by pykwalify against the schema read once. Only a file that
does not pass is handed to Rasa's own check, which then raises Rasa's own error, line numbers
and all; so no file passes here that Rasa's check would refuse, and none is refused that it
would let through.
"""
import functools
import logging

import pkg_resources
from pykwalify.core import Core
from rasa.shared.utils import io, validation

from bot import rasa_internals

PURPOSE = "the training data's schema checks on the fast parse (bot/training_schema_checks.py)"
_rasas_check = validation.validate_yaml_schema


@functools.lru_cache(maxsize=None)
def _schema(schema_path: str, package_name: str) -> dict:
    """The schema as Rasa's check builds it: the file's, with Rasa's responses schema added."""
    schema = io.read_yaml_file(pkg_resources.resource_filename(package_name, schema_path))
    responses = io.read_yaml_file(pkg_resources.resource_filename(validation.PACKAGE_NAME, validation.RESPONSES_SCHEMA_FILE))
    return dict(schema, **responses)


@functools.lru_cache(maxsize=1)
def _extensions() -> str:
    return pkg_resources.resource_filename(validation.PACKAGE_NAME, validation.SCHEMA_EXTENSIONS_FILE)


def _passes(content: str, schema_path: str, package_name: str) -> bool:
    try:
        Core(source_data=io.read_yaml(content), schema_data=_schema(schema_path, package_name),
             extensions=[_extensions()]).validate(raise_exception=True)
    except Exception:  # noqa: BLE001 - whatever went wrong, Rasa's own check decides
        return False
    return True


def validate_yaml_schema(yaml_file_content: str, schema_path: str, package_name: str = validation.PACKAGE_NAME) -> None:
    if not _passes(yaml_file_content, schema_path, package_name):
        _rasas_check(yaml_file_content, schema_path, package_name)  # Rasa's own error, or Rasa's pass


def install() -> bool:
    """Check the training data this way in this process (a training's); False, and Rasa's own
    check, when Rasa's code under it is not the code this was written for."""
    if not rasa_internals.unchanged("rasa.shared.utils.validation:validate_yaml_schema", purpose=PURPOSE):
        return False
    validation.validate_yaml_schema = validate_yaml_schema
    logging.getLogger("pykwalify").setLevel(logging.CRITICAL)  # as in Rasa's check: its failures are Rasa's to tell
    return True
