"""Appending PDFs into one file as they come, with memory that does not grow with pages.

pypdf's ``PdfWriter`` keeps every page it was given, with its fonts and images, until
it writes the file: for tens of thousands of badges that is the whole PDF in memory.
``PdfAppender`` uses pypdf to read each chunk and to serialize its objects, but writes
them to the output at once, renumbered, and keeps only their offsets (8 bytes an
object) and the page numbers; the page tree, the catalogue and the cross-reference
table go at the end. The chunks are WeasyPrint's own output, so nothing in them needs
more than copying: no forms, outlines or named destinations span chunks.
"""

from __future__ import annotations

from array import array
from collections import deque
from pathlib import Path
from types import TracebackType

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

_CATALOG = 1
_PAGES = 2


class PdfAppender:
    """``with PdfAppender(path) as out: out.append(chunk.pdf) ...`` writes one PDF."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.pages = 0

    def __enter__(self) -> PdfAppender:
        self._file = self.path.open("wb")
        self._file.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        #: Offset of each object by its number (0 and the two written last: unused yet).
        self._offsets = array("Q", [0, 0, 0])
        self._kids = array("Q")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self._finish()
        finally:
            self._file.close()

    def _reserve(self) -> int:
        self._offsets.append(0)
        return len(self._offsets) - 1

    def _write(self, number: int, obj: PdfObject) -> None:
        self._offsets[number] = self._file.tell()
        self._file.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self._file)
        self._file.write(b"\nendobj\n")

    def append(self, source: Path | str) -> int:
        """Copy every page of the PDF ``source`` (and what it uses) to the end; return
        how many pages it had."""
        reader = PdfReader(source)
        numbers: dict[tuple[int, int], int] = {}
        waiting: deque[IndirectObject] = deque()

        def renumber(obj: PdfObject) -> PdfObject:
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key not in numbers:
                    numbers[key] = self._reserve()
                    waiting.append(obj)
                return IndirectObject(numbers[key], 0, None)
            if isinstance(obj, StreamObject):
                copied = {key: renumber(value) for key, value in obj.items()}
                copied["__streamdata__"] = obj._data
                return StreamObject.initialize_from_dictionary(copied)
            if isinstance(obj, DictionaryObject):
                return DictionaryObject({key: renumber(value) for key, value in obj.items()})
            if isinstance(obj, ArrayObject):
                return ArrayObject(renumber(value) for value in obj)
            return obj

        tree = reader.trailer["/Root"].get_object().raw_get("/Pages")
        numbers[(tree.idnum, tree.generation)] = _PAGES
        pages = list(reader.pages)
        for page in pages:
            ref = page.indirect_reference
            numbers[(ref.idnum, ref.generation)] = self._reserve()
        for page in pages:
            ref = page.indirect_reference
            number = numbers[(ref.idnum, ref.generation)]
            copied = DictionaryObject(
                {key: renumber(value) for key, value in page.items() if key != "/Parent"}
            )
            copied[NameObject("/Parent")] = IndirectObject(_PAGES, 0, None)
            self._write(number, copied)
            self._kids.append(number)
        while waiting:
            ref = waiting.popleft()
            self._write(numbers[(ref.idnum, ref.generation)], renumber(ref.get_object()))
        self.pages += len(pages)
        return len(pages)

    def _finish(self) -> None:
        tree = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject(IndirectObject(n, 0, None) for n in self._kids),
                NameObject("/Count"): NumberObject(len(self._kids)),
            }
        )
        self._write(_PAGES, tree)
        catalog = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): IndirectObject(_PAGES, 0, None),
            }
        )
        self._write(_CATALOG, catalog)
        start = self._file.tell()
        size = len(self._offsets)
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        lines += [f"{offset:010d} 00000 n \n" for offset in self._offsets[1:]]
        self._file.write("".join(lines).encode())
        trailer = f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R >>\nstartxref\n{start}\n%%EOF\n"
        self._file.write(trailer.encode())
