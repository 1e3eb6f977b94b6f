"""Reading an uploaded CSV export the way sellers make them: UTF-8 (with or without BOM) or
Windows-1254, comma / semicolon / tab separated, headers in English or Turkish. Linear time,
bounded: the whole file is refused (:class:`CsvError`) when it is too big, not text, empty or
without the columns it needs; a row that cannot be read is reported with its line and the rest
are kept."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

csv.field_size_limit(64 * 1024)


class CsvError(ValueError):
    """The file as a whole cannot be imported; the message says why."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "reason": self.reason}


def fold_header(header: str) -> str:
    """ "Ürün Adı" → "urunadi", "Model_Kodu" → "modelkodu"."""
    text = header.replace("İ", "i").replace("I", "ı").lower().replace("ı", "i")
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return re.sub(r"[^a-z0-9]+", "", text)


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1254"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvError("the file is neither UTF-8 nor Windows-1254 text")


@dataclass
class CsvRows:
    """The rows of a CSV as ``(line, {field: value})``, columns mapped through ``aliases``."""

    headers: list[str]
    columns: dict[int, str]
    _reader: Iterator[list[str]]
    _line: int
    errors: list[RowError]
    max_rows: int
    rows: int = 0

    def present(self) -> set[str]:
        return set(self.columns.values())

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        reader = self._reader
        line = self._line
        while True:
            start = line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = reader.line_num  # type: ignore[attr-defined]
                self.errors.append(RowError(start, f"unreadable row: {exc}"))
                continue
            line = reader.line_num  # type: ignore[attr-defined]
            if not any(cell.strip() for cell in row):
                continue
            self.rows += 1
            if self.rows > self.max_rows:
                raise CsvError(f"more than {self.max_rows} rows: split the file")
            yield (
                start,
                {
                    name: row[index].strip()
                    for index, name in self.columns.items()
                    if index < len(row)
                },
            )


def read_csv(
    data: bytes,
    aliases: Mapping[str, tuple[str, ...]],
    *,
    max_bytes: int,
    max_rows: int,
) -> CsvRows:
    """Open ``data``; ``aliases`` maps each field to the folded headers that name it (the first
    column naming a field wins)."""
    if len(data) > max_bytes:
        raise CsvError(f"the file is over {max_bytes // (1024 * 1024) or 1} MB")
    if b"\x00" in data[:4096]:
        raise CsvError("the file is not a CSV text file")
    text = decode(data)
    if not text.strip():
        raise CsvError("the file is empty")
    first = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CsvError(f"no header row: {exc}") from exc
    by_alias = {alias: name for name, names in aliases.items() for alias in names}
    columns: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = by_alias.get(fold_header(header or ""))
        if name and name not in columns.values():
            columns[index] = name
    return CsvRows(
        headers=headers,
        columns=columns,
        _reader=reader,
        _line=reader.line_num,
        errors=[],
        max_rows=max_rows,
    )
