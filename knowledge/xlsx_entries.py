"""Entries as an Excel workbook (XLSX): the spreadsheet of knowledge/csv_entries.py in the
first sheet, read and written with the same columns and the same rules; errors carry the
sheet's row numbers."""
import io
import zipfile
from datetime import date, datetime
from typing import Iterable, List, Tuple

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from knowledge.csv_entries import read_rows, table_of
from knowledge.document import KbDocument, KbDocumentError

MAX_ROWS = 100_000
# An XLSX is a zip: what it unpacks to is bounded before anything reads it (a small file can
# unpack to gigabytes).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
SHEET_TITLE = "entries"


def read_xlsx(data: bytes, filename: str = "<input>") -> KbDocument:
    try:
        unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise KbDocumentError([f"{filename}:1: not an Excel workbook (.xlsx); save the spreadsheet as .xlsx or .csv"])
    if unpacked > MAX_UNPACKED_BYTES:
        raise KbDocumentError([f"{filename}:1: this workbook unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB; split it"])
    try:
        # read_only: rows are streamed, not all held in memory; data_only: values, not formulas
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise KbDocumentError([f"{filename}:1: not an Excel workbook (.xlsx): {type(error).__name__}"])
    except Exception as error:  # a damaged zip or XML: openpyxl's own errors vary
        raise KbDocumentError([f"{filename}:1: this workbook cannot be read ({type(error).__name__})"])
    try:
        sheet = workbook.worksheets[0]
        rows: List[Tuple[int, List[str]]] = []
        header: List[str] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise KbDocumentError([f"{filename}:{number}: more than {MAX_ROWS} rows; split the file"])
            cells = [_text(value) for value in values]
            if number == 1:
                header = cells
            else:
                rows.append((number, cells))
    finally:
        workbook.close()
    return read_rows(header, rows, filename)


def _text(value) -> str:
    """A cell as the text a CSV cell would be: whole numbers without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_xlsx(entries: Iterable[dict]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for row in table_of(entries):
        sheet.append(row)  # every cell as text: ids, phone numbers and codes stay as written
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
