"""A workbook's shared strings kept in a temporary file, so reading a sheet holds none of its texts.

An XLSX sheet stores each text cell as a number into the workbook's table of shared strings, and
openpyxl reads that table into a list of Python strings before the first row, even in read-only
mode. Every comment of a survey is a distinct text, so that list grows with the file (~280 bytes a
comment of 100 mixed-script characters) and would stay for the whole of a streamed run. Here each
string is written to a temporary file as UTF-8 as the table is parsed, and memory keeps 8 bytes a
string (where it starts in the file). A sheet uses its strings mostly in the order they were
stored, so most look-ups are served from the file's read buffer.
"""

from __future__ import annotations

import re
import tempfile
from array import array

__all__ = ["SharedStrings", "open_workbook_read_only"]

_STRING_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}si"


# Excel writes a character XML cannot hold as it is as "_xHHHH_": a CR of a comment's line break as
# "_x000D_" (openpyxl only drops the "x005F_" of an escaped "_", so "late_x000D_\nagain" was read and
# classified with "_x000D_" in it); a literal "_x000D_" is written "_x005F_x000D_"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    r"""A shared string's text with Excel's ``_xHHHH_`` escapes read as their characters.

    >>> _unescape("late_x000D_\nagain, tab_x0009_x, kept _x005F_x000D_, half _xD83D_")
    'late\r\nagain, tab\tx, kept _x000D_, half _xD83D_'
    """
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: m.group() if 0xD800 <= int(m.group(1), 16) <= 0xDFFF else chr(int(m.group(1), 16)),
                       text)


class SharedStrings:
    """The strings of a workbook's ``sharedStrings.xml`` (an open binary file), by index.

    >>> import io
    >>> xml = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ...        b'<si><t>late</t></si><si><r><t>\\xd0\\xb4\\xd0\\xbe</t></r><r><t>\\xd1\\x80\\xd0\\xbe\\xd0\\xb3\\xd0\\xbe</t></r></si>'
    ...        b'<si><t/></si></sst>')
    >>> s = SharedStrings(io.BytesIO(xml))
    >>> len(s), s[0], s[1], s[2], s[-1]
    (3, 'late', 'дорого', '', '')
    >>> s.close()
    """

    def __init__(self, xml_source):
        from openpyxl.cell.text import Text
        from openpyxl.xml.functions import iterparse  # defusedxml's where it is installed, as openpyxl reads

        self._file = tempfile.TemporaryFile()
        self._starts = array("q", [0])
        pending: list[bytes] = []
        end = 0
        root = None
        for event, node in iterparse(xml_source, events=("start", "end")):
            if root is None:
                root = node  # cleared as it goes: parsed strings are not kept as elements either
            if event != "end" or node.tag != _STRING_TAG:
                continue
            data = _unescape(Text.from_tree(node).content).encode("utf-8", "surrogatepass")
            root.clear()
            pending.append(data)
            end += len(data)
            self._starts.append(end)
            if end - self._file.tell() >= 1 << 20:  # written a MB at a time
                self._file.write(b"".join(pending))
                pending.clear()
        self._file.write(b"".join(pending))
        self._file.flush()

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        start = self._starts[i]
        self._file.seek(start)
        return self._file.read(self._starts[i + 1] - start).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        """Remove the temporary file."""
        self._file.close()

    def __del__(self):  # a sheet's chunks never asked for (a command stopped first) still remove it
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()


def open_workbook_read_only(source, *, strings: bool = True):
    """openpyxl's ``load_workbook(source, read_only=True, data_only=True)`` with the shared strings in a
    :class:`SharedStrings` (``wb.shared_strings``; close it with the workbook); ``strings=False``: none
    read (for what needs no cell's text: the sheets' names and sizes).

    >>> import tempfile, pathlib, openpyxl
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.xlsx"
    >>> wb = openpyxl.Workbook(); wb.active.append(["comment"]); wb.active.append(["Дорого"]); wb.save(p)
    >>> wb = open_workbook_read_only(p)  # (openpyxl writes texts inline: Excel's go to SharedStrings)
    >>> [r for r in wb.worksheets[0].iter_rows(values_only=True)]
    [('comment',), ('Дорого',)]
    >>> wb.close()
    """
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader

    reader = ExcelReader(source, read_only=True, data_only=True)

    def read_strings() -> None:  # openpyxl's ExcelReader.read_strings, into the file
        ct = reader.package.find(SHARED_STRINGS) if strings else None
        if ct is not None:
            with reader.archive.open(ct.PartName[1:]) as src:
                reader.shared_strings = SharedStrings(src)

    reader.read_strings = read_strings
    reader.read()
    reader.wb.shared_strings = reader.shared_strings
    return reader.wb
