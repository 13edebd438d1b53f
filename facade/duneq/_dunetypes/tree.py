"""Parse Dune (Trino) column type names from ``metadata.column_types`` into a small type tree.

Pure Python, no pyarrow: the tree drives the Arrow schema, the exact row values and the CSV/JSON
page parsers. A name this module does not know becomes an ``other`` node (kept as text, warned).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from dataclasses import dataclass
from typing import Literal

from .._errors import InvalidArgument

Kind = Literal[
    "varchar",
    "bigint",
    "integer",
    "smallint",
    "tinyint",
    "double",
    "real",
    "boolean",
    "decimal",
    "uint256",
    "int256",
    "varbinary",
    "date",
    "timestamp",
    "json",
    "null",
    "array",
    "map",
    "row",
    "other",
]

BigInts = Literal["string", "decimal", "decimal256", "float"]
Binary = Literal["bytes", "hex"]
BIG_INTS: tuple[str, ...] = ("string", "decimal", "decimal256", "float")
BINARY: tuple[str, ...] = ("bytes", "hex")


@dataclass(frozen=True, slots=True)
class KindRow:
    """One row of the Dune type table: everything duneq knows of one kind, read by every typed
    path (Arrow schema, JSON and CSV page decoding, exact converters, the cache, uploads).

    ``arrow`` names the Arrow type (``"big_int"``: chosen by ``big_ints``; ``"binary"``: by
    ``binary``; ``"nested"``: built from the children); ``json_wire``/``csv_wire`` name the
    Arrow type Arrow's parsers read the wire value as before the exact conversion (None: only
    the exact per-value path); ``range`` is an integer kind's inclusive range; ``text`` kinds
    are kept as text (a CSV empty field is ambiguous between '' and NULL); ``rebuilt`` kinds'
    wire values are rebuilt exactly from Arrow (cache entries then also serve rows);
    ``upload`` kinds can be a column of a created table; ``python`` names what typed rows give.
    """

    arrow: str
    json_wire: str | None
    csv_wire: str
    python: str
    range: tuple[int, int] | None = None
    text: bool = False
    rebuilt: bool = False
    upload: bool = False


#: The Dune type table, one row per kind (see ``KindRow``).
TYPES: dict[Kind, KindRow] = {
    "varchar": KindRow("string", "string", "string", "str", text=True, rebuilt=True, upload=True),
    "bigint": KindRow(
        "int64", "int64", "int64", "int", (-(2**63), 2**63 - 1), rebuilt=True, upload=True
    ),
    "integer": KindRow(
        "int32", "int32", "int32", "int", (-(2**31), 2**31 - 1), rebuilt=True, upload=True
    ),
    "smallint": KindRow("int16", "int16", "int16", "int", (-(2**15), 2**15 - 1), rebuilt=True),
    "tinyint": KindRow("int8", "int8", "int8", "int", (-(2**7), 2**7 - 1), rebuilt=True),
    "double": KindRow("float64", "float64", "float64", "float", rebuilt=True, upload=True),
    "real": KindRow("float32", "float64", "float64", "float"),
    "boolean": KindRow("bool", "bool", "bool", "bool", rebuilt=True, upload=True),
    "decimal": KindRow("decimal", "string", "string", "Decimal", rebuilt=True),
    "uint256": KindRow(
        "big_int", "string", "string", "int", (0, 2**256 - 1), rebuilt=True, upload=True
    ),
    "int256": KindRow(
        "big_int", "string", "string", "int", (-(2**255), 2**255 - 1), rebuilt=True, upload=True
    ),
    "varbinary": KindRow("binary", "string", "string", "bytes", rebuilt=True, upload=True),
    "date": KindRow("date32", "string", "timestamp_s_utc", "date", rebuilt=True, upload=True),
    "timestamp": KindRow("timestamp", "string", "string", "datetime", rebuilt=True, upload=True),
    "json": KindRow("string", "string", "string", "str", text=True),
    "null": KindRow("null", None, "string", "None", rebuilt=True),
    "array": KindRow("nested", None, "string", "list"),
    "map": KindRow("nested", None, "string", "dict"),
    "row": KindRow("nested", None, "string", "dict"),
    "other": KindRow("string", None, "string", "str", text=True),
}
#: The integer kinds, each with its inclusive range.
INT_RANGES: dict[str, tuple[int, int]] = {
    kind: row.range for kind, row in TYPES.items() if row.range is not None
}
#: Kinds a created table's columns may have (Dune's upload types).
UPLOAD_KINDS: tuple[str, ...] = tuple(kind for kind, row in TYPES.items() if row.upload)


class UnknownTypeWarning(UserWarning):
    """A column has a Dune type duneq does not know; its values are kept as strings."""


@dataclass(frozen=True, slots=True)
class DuneType:
    """One node of a parsed type: ``kind`` plus the parameters that kind has.

    ``precision``/``scale`` for decimal, ``precision``/``tz`` for timestamp, ``children`` for
    array (1), map (2) and row (n, named by ``fields``); ``text`` is the name as Dune sent it.
    """

    kind: Kind
    text: str
    precision: int | None = None
    scale: int | None = None
    tz: bool = False
    children: tuple[DuneType, ...] = ()
    fields: tuple[str, ...] = ()

    @property
    def nested(self) -> bool:
        return self.kind in ("array", "map", "row")

    def walk(self) -> list[DuneType]:
        """This node and all its descendants, depth first."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True, slots=True)
class TypeOptions:
    """How lossy-or-awkward types are represented; validated on construction.

    ``big_ints``: uint256/int256 as ``"string"`` (lossless, the default), ``"decimal"``
    (decimal128(38,0): a value over 38 digits raises), ``"decimal256"`` (76 digits, not readable
    by polars) or ``"float"`` (float64, rounded). ``binary``: varbinary as ``"bytes"`` or ``"hex"``.
    """

    big_ints: BigInts = "string"
    binary: Binary = "bytes"

    def __post_init__(self) -> None:
        if self.big_ints not in BIG_INTS:
            raise InvalidArgument(
                f"big_ints must be one of {', '.join(map(repr, BIG_INTS))}, got {self.big_ints!r}"
            )
        if self.binary not in BINARY:
            raise InvalidArgument(
                f"binary must be one of {', '.join(map(repr, BINARY))}, got {self.binary!r}"
            )


_SIMPLE: dict[str, Kind] = {
    "varchar": "varchar",
    "char": "varchar",
    "string": "varchar",
    "uuid": "varchar",
    "bigint": "bigint",
    "integer": "integer",
    "int": "integer",
    "smallint": "smallint",
    "tinyint": "tinyint",
    "double": "double",
    "real": "real",
    "boolean": "boolean",
    "uint256": "uint256",
    "int256": "int256",
    "varbinary": "varbinary",
    "date": "date",
    "json": "json",
    "unknown": "null",
    "null": "null",
}

_TOKEN = re.compile(
    r'\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>\d+)|(?P<quoted>"(?:[^"]|"")*")|(?P<punct>[(),]))'
)


class _Syntax(ValueError):
    """The type text does not parse; the caller turns it into an ``other`` node."""


class _Parser:
    """Recursive descent over the tokens of one type name."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        stripped = text.rstrip()
        while pos < len(stripped):
            m = _TOKEN.match(stripped, pos)
            if m is None or m.end() == pos:
                raise _Syntax(text)
            group = m.lastgroup or ""
            self.tokens.append((group, m.group(group)))
            pos = m.end()
        self.pos = 0
        self.text = text

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1].lower() != value):
            raise _Syntax(self.text)
        self.pos += 1
        return tok

    def words(self, *expected: str) -> bool:
        """Consume the words ``expected`` if they come next (case-insensitive)."""
        end = self.pos + len(expected)
        got = [t[1].lower() for t in self.tokens[self.pos : end] if t[0] == "word"]
        if got == list(expected):
            self.pos = end
            return True
        return False

    def numbers(self) -> list[int]:
        """An optional ``(n[, m...])`` parameter list."""
        if self.peek() != ("punct", "("):
            return []
        self.take("(")
        out = [int(self.take_kind("num"))]
        while self.peek() == ("punct", ","):
            self.take(",")
            out.append(int(self.take_kind("num")))
        self.take(")")
        return out

    def take_kind(self, kind: str) -> str:
        tok = self.peek()
        if tok is None or tok[0] != kind:
            raise _Syntax(self.text)
        self.pos += 1
        return tok[1]

    def type_(self) -> DuneType:
        start = self.pos
        word = self.take_kind("word").lower()
        if word in ("array", "map", "row"):
            return self.container(word, start)
        if word == "decimal":
            args = self.numbers()
            precision = args[0] if args else 38
            scale = args[1] if len(args) > 1 else 0
            if not 1 <= precision <= 76 or not 0 <= scale <= precision:
                raise _Syntax(self.text)
            return DuneType("decimal", self.span(start), precision=precision, scale=scale)
        if word == "timestamp":
            args = self.numbers()
            precision = args[0] if args else 3
            if not 0 <= precision <= 12:
                raise _Syntax(self.text)
            tz = self.words("with", "time", "zone")
            if not tz:
                self.words("without", "time", "zone")
            return DuneType("timestamp", self.span(start), precision=precision, tz=tz)
        if word == "double" and self.words("precision"):
            return DuneType("double", self.span(start))
        kind = _SIMPLE.get(word)
        if kind is None:
            raise _Syntax(self.text)
        if kind == "varchar":
            self.numbers()  # varchar(42), char(3): the length does not change the mapping
        return DuneType(kind, self.span(start))

    def container(self, word: str, start: int) -> DuneType:
        self.take("(")
        children: list[DuneType] = []
        fields: list[str] = []
        while True:
            if word == "row":
                fields.append(self.field_name(len(fields)))
            children.append(self.type_())
            if self.peek() == ("punct", ","):
                self.take(",")
                continue
            self.take(")")
            break
        if (word == "array" and len(children) != 1) or (word == "map" and len(children) != 2):
            raise _Syntax(self.text)
        kind: Kind = "array" if word == "array" else "map" if word == "map" else "row"
        return DuneType(kind, self.span(start), children=tuple(children), fields=tuple(fields))

    def field_name(self, index: int) -> str:
        """A row field's name; an unnamed field (``row(bigint)``) is named ``field0``... as in Trino."""
        tok = self.peek()
        after = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
        if tok is not None and tok[0] == "quoted":
            self.pos += 1
            return tok[1][1:-1].replace('""', '"')
        if tok is not None and tok[0] == "word" and after is not None and after[0] == "word":
            # "name type", except a type spelled in two words such as "double precision".
            two_words = (tok[1].lower(), after[1].lower()) in (
                ("double", "precision"),
                ("timestamp", "with"),
                ("timestamp", "without"),
            )
            if not two_words:
                self.pos += 1
                return tok[1]
        return f"field{index}"

    def span(self, start: int) -> str:
        parts: list[str] = []
        for group, value in self.tokens[start : self.pos]:
            if (parts and group in ("word", "quoted", "num") and parts[-1] not in ("(", ",")) or (
                parts and parts[-1] == ","
            ):
                parts.append(" ")
            parts.append(value)
        return "".join(parts)


def parse_type(text: str) -> DuneType:
    """The type tree of one Dune type name; unparseable or unknown names give an ``other`` node."""
    try:
        parser = _Parser(text)
        result = parser.type_()
        if parser.peek() is not None:
            raise _Syntax(text)
    except _Syntax:
        return DuneType("other", text)
    return dataclasses.replace(result, text=text.strip())


def parse_column_types(
    names: list[str], types: list[str] | None, *, warn: bool = True
) -> list[DuneType]:
    """One type tree per column name; a missing or unknown type is an ``other`` node and warns."""
    given = list(types or [])
    out: list[DuneType] = []
    for index, name in enumerate(names):
        text = given[index] if index < len(given) else ""
        dtype = parse_type(text) if isinstance(text, str) and text else DuneType("other", "")
        unknown = [node.text for node in dtype.walk() if node.kind == "other"]
        if unknown and warn:
            warnings.warn(
                f"column {name!r} has type {text!r}, which duneq does not know "
                f"({', '.join(repr(u) for u in unknown)}); its values are kept as strings",
                UnknownTypeWarning,
                stacklevel=3,
            )
        out.append(dtype)
    return out


def timestamp_unit(dtype: DuneType) -> Literal["s", "ms", "us", "ns"]:
    """The Arrow unit that holds a ``timestamp(p)`` exactly (precision above 9 is capped at ns)."""
    p = 3 if dtype.precision is None else dtype.precision
    return "s" if p == 0 else "ms" if p <= 3 else "us" if p <= 6 else "ns"
