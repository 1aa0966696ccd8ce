"""CSV files that spreadsheets open safely: UTF-8 with a byte-order mark (so Excel reads
any script), and no text cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: What starts a formula (or a DDE command) in Excel, LibreOffice and Google Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str | None) -> str:
    """A text cell that spreadsheets will not run as a formula."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def spreadsheet_csv(rows: Iterable[Sequence]) -> bytes:
    """``rows`` (the first one the header) as CSV: numbers as they are, None as an empty
    cell, anything else as text through ``spreadsheet_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(
            [value if isinstance(value, int | float) else spreadsheet_cell(value) for value in row]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
