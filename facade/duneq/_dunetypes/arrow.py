"""Build one ``pyarrow.RecordBatch`` per results page, with the schema from ``column_types``.

Two wire paths share one per-column plan: JSON ``rows`` bytes (decoded exactly with msgspec)
and CSV page bytes (Arrow's C parser with explicit column types). Flat columns are converted
with vectorised Arrow kernels; anything those kernels reject goes through the exact per-value
converters of ``_dunetypes.values``, which either convert it or raise ``ResponseValidationError`` naming
the column, row offset and value. Import this module only after ``require("pyarrow")``.
"""

from __future__ import annotations

import binascii
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from .._errors import ResponseValidationError
from .tree import TYPES, DuneType, TypeOptions, parse_column_types, timestamp_unit
from .values import BadValue, Convert, converter

_UINT256_MAX = str(2**256 - 1)
_INT256_MAX = str(2**255 - 1)
_INT256_MIN = str(2**255)  # digits of the most negative value, without its sign
_DATE_WIRE = pa.timestamp("s", tz="UTC")
#: The Arrow types the type table (``_dunetypes.TYPES``) names.
_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "int32": pa.int32(),
    "int16": pa.int16(),
    "int8": pa.int8(),
    "float64": pa.float64(),
    "float32": pa.float32(),
    "bool": pa.bool_(),
    "date32": pa.date32(),
    "null": pa.null(),
    "timestamp_s_utc": _DATE_WIRE,
}
_BIG_INT_TYPES = {
    "string": pa.string(),
    "decimal": pa.decimal128(38, 0),
    "decimal256": pa.decimal256(76, 0),
    "float": pa.float64(),
}
_INTS = {kind for kind, row in TYPES.items() if row.range is not None and row.arrow != "big_int"}
_TEXT_KINDS = frozenset(kind for kind, row in TYPES.items() if row.text)


def arrow_type(dtype: DuneType, options: TypeOptions) -> pa.DataType:
    """The Arrow type of a Dune type under ``options``, from the type table's ``arrow`` column
    (see the README's typed-results section)."""
    name = TYPES[dtype.kind].arrow
    if name in _ARROW:
        return _ARROW[name]
    if name == "decimal":
        precision, scale = dtype.precision or 38, dtype.scale or 0
        if precision <= 38:
            return pa.decimal128(precision, scale)
        return pa.decimal256(precision, scale)
    if name == "big_int":
        return _BIG_INT_TYPES[options.big_ints]
    if name == "binary":
        return pa.binary() if options.binary == "bytes" else pa.string()
    if name == "timestamp":
        return pa.timestamp(timestamp_unit(dtype), tz="UTC")
    if dtype.kind == "array":
        return pa.list_(arrow_type(dtype.children[0], options))
    if dtype.kind == "map":
        key, item = (arrow_type(child, options) for child in dtype.children)
        return pa.map_(key, item)
    return pa.struct(  # row
        [
            pa.field(name, arrow_type(child, options))
            for name, child in zip(dtype.fields, dtype.children, strict=True)
        ]
    )


def arrow_schema(
    names: Sequence[str], dtypes: Sequence[DuneType], options: TypeOptions
) -> pa.Schema:
    """The schema of a result; each field keeps Dune's type name in its ``dune_type`` metadata."""
    return pa.schema(
        [
            pa.field(name, arrow_type(dtype, options), metadata={"dune_type": dtype.text})
            for name, dtype in zip(names, dtypes, strict=True)
        ]
    )


@dataclass(frozen=True)
class CsvBatch:
    """A CSV page as a batch, and the text columns where an empty field was read as NULL.

    CSV cannot tell an empty string from NULL; the caller may re-read those columns as JSON.
    """

    batch: pa.RecordBatch
    ambiguous: tuple[str, ...]


@dataclass(frozen=True)
class _Column:
    name: str
    dtype: DuneType
    target: pa.DataType
    json_wire: pa.DataType | None  # None: always the exact per-value path
    csv_wire: pa.DataType
    exact: Convert


def _json_wire(dtype: DuneType, options: TypeOptions) -> pa.DataType | None:
    """The type Arrow reads a JSON value as (None: the exact per-value path only)."""
    name = TYPES[dtype.kind].json_wire
    return None if name is None else _ARROW[name]


def _csv_wire(dtype: DuneType, target: pa.DataType) -> pa.DataType:
    """The type Arrow's CSV parser reads a field as (dates: its ISO 8601 timestamp parser).
    A decimal128 is parsed in the reader's own threads: it refuses a value that does not fit
    the precision or would lose scale, as the exact path does (decimal256 stays text: see
    ``_big_ints`` on wrap-around)."""
    if dtype.kind == "decimal" and pa.types.is_decimal128(target):
        return target
    return _ARROW[TYPES[dtype.kind].csv_wire]


class _Fallback(Exception):
    """The vectorised path cannot convert this column; use the exact per-value path."""


class _Reread(Exception):
    """A page parsed to a typed column holds a value the type does not allow: re-read the page
    as text so that the exact path names the value."""


def _check_precision(wire: pa.Array) -> None:
    """Arrow's CSV decimal parser rescales without checking the precision (``123.4`` becomes
    ``123.40`` in a decimal(4,2)); every value must stay below 10^(precision - scale)."""
    bounds = pc.min_max(wire).as_py()
    if bounds["min"] is None:
        return
    top = Decimal(10) ** (wire.type.precision - wire.type.scale)
    if not -top < bounds["min"] <= bounds["max"] < top:
        raise _Reread


class PageParser:
    """Turns the pages of one result into RecordBatches of one schema."""

    def __init__(
        self,
        names: Sequence[str],
        column_types: Sequence[str] | None,
        options: TypeOptions | None = None,
        *,
        execution_id: str | None = None,
        dtypes: Sequence[DuneType] | None = None,
    ) -> None:
        self.options = options or TypeOptions()
        self.names = list(names)
        self.dtypes = (
            list(dtypes)
            if dtypes is not None
            else parse_column_types(self.names, list(column_types or []))
        )
        self.schema = arrow_schema(self.names, self.dtypes, self.options)
        self.execution_id = execution_id
        self._columns = [
            _Column(
                name,
                dtype,
                self.schema.field(index).type,
                _json_wire(dtype, self.options),
                _csv_wire(dtype, self.schema.field(index).type),
                converter(dtype, self.options, "arrow"),
            )
            for index, (name, dtype) in enumerate(zip(self.names, self.dtypes, strict=True))
        ]
        keys = list(dict.fromkeys(self.names))
        row_struct: Any = msgspec.defstruct(
            "_Row",
            [(f"c{i}", Any, None) for i in range(len(keys))],
            rename={f"c{i}": key for i, key in enumerate(keys)},
        )
        self._rows_decoder: msgspec.json.Decoder[list[Any]] = msgspec.json.Decoder(list[row_struct])
        self._getters = {key: attrgetter(f"c{i}") for i, key in enumerate(keys)}

    def empty(self) -> pa.RecordBatch:
        """A batch with the schema and no rows."""
        return self._batch([], 0)

    # JSON pages

    def from_json_rows(
        self, raw: bytes | memoryview | msgspec.Raw | None, offset: int = 0
    ) -> pa.RecordBatch:
        """The batch of a raw JSON ``rows`` array (None or ``[]`` gives an empty batch)."""
        if raw is None:
            return self._batch([], 0)
        data = memoryview(raw) if isinstance(raw, msgspec.Raw) else raw
        try:
            rows = self._rows_decoder.decode(data)
        except msgspec.DecodeError as exc:
            raise self._error(
                f"result.rows at offset {offset} is not a list of row objects ({exc})"
            ) from None
        arrays = []
        for column in self._columns:
            values = list(map(self._getters[column.name], rows))
            arrays.append(self._from_values(column, values, offset))
        return self._batch(arrays, len(rows))

    def from_rows(self, rows: Sequence[Mapping[str, Any]], offset: int = 0) -> pa.RecordBatch:
        """The batch of already decoded row dicts (exactly decoded: see ``_dunetypes.rows``)."""
        arrays = [
            self._from_values(column, [row.get(column.name) for row in rows], offset)
            for column in self._columns
        ]
        return self._batch(arrays, len(rows))

    def with_columns(
        self,
        batch: pa.RecordBatch,
        rows: Sequence[Mapping[str, Any]],
        names: Sequence[str],
        offset: int = 0,
    ) -> pa.RecordBatch:
        """``batch`` with the columns ``names`` rebuilt from JSON ``rows`` of the same page."""
        if len(rows) != batch.num_rows:
            raise self._error(
                f"page at offset {offset}: the JSON page has {len(rows)} rows, "
                f"the CSV page {batch.num_rows}"
            )
        wanted = set(names)
        arrays = [
            self._from_values(column, [row.get(column.name) for row in rows], offset)
            if column.name in wanted
            else batch.column(index)
            for index, column in enumerate(self._columns)
        ]
        return self._batch(arrays, batch.num_rows)

    def _from_values(self, column: _Column, values: list[Any], offset: int) -> pa.Array:
        if column.json_wire is not None:
            try:
                wire = pa.array(values, type=column.json_wire)
                return self._fast(column, wire)
            except (pa.ArrowException, OverflowError, TypeError, ValueError, _Fallback):
                pass
        return self._exact(column, values, offset)

    # CSV pages

    def from_csv(self, data: bytes | memoryview, offset: int = 0) -> CsvBatch:
        """The batch of one CSV page (header row included), with its ambiguous text columns."""
        data = data.tobytes() if isinstance(data, memoryview) else data
        if not data or not self.names:
            return CsvBatch(self._batch([], 0), ())
        text = {c.name: pa.string() for c in self._columns}
        try:
            table = self._read_csv(data, {c.name: c.csv_wire for c in self._columns}, offset)
            return self._csv_batch(table, offset)
        except (pa.ArrowInvalid, _Reread):
            # A value the typed C parser rejects (say a bigint wider than 64 bits) or lets
            # through unchecked: read every column as text and let the exact path say which.
            return self._csv_batch(self._read_csv(data, text, offset), offset)

    def _csv_batch(self, table: pa.Table, offset: int) -> CsvBatch:
        arrays: list[pa.Array] = []
        ambiguous: list[str] = []
        for index, column in enumerate(self._columns):
            wire = table.column(index).combine_chunks()
            if column.dtype.kind in _TEXT_KINDS:
                try:
                    wire.validate(full=True)
                except pa.ArrowInvalid:
                    raise self._error(
                        f"CSV page at offset {offset}: column {column.name!r} is not UTF-8"
                    ) from None
                if wire.null_count:
                    ambiguous.append(column.name)
            arrays.append(self._from_csv_wire(column, wire, offset))
        return CsvBatch(self._batch(arrays, table.num_rows), tuple(ambiguous))

    def _read_csv(self, data: bytes, types: dict[str, pa.DataType], offset: int) -> pa.Table:
        try:
            return pcsv.read_csv(
                # one block for the whole page: columns come in one chunk (no combine copies)
                # and the page is parsed without a pool hand-off per megabyte
                pa.BufferReader(data),
                read_options=pcsv.ReadOptions(
                    column_names=self.names,
                    skip_rows=1,
                    block_size=len(data) + 1,
                    use_threads=_PARSE_THREADS,
                ),
                # A newline inside a value needs quotes; without any quote the parser may split
                # blocks at every newline (faster), with one it must track quoting.
                parse_options=pcsv.ParseOptions(
                    newlines_in_values=b'"' in data, ignore_empty_lines=False
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types=types,
                    # text is validated below only where it is kept as text; every other
                    # column's values must pass its conversion's own checks (digits, hex, dates)
                    check_utf8=False,
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                    null_values=[""],
                    true_values=["true"],
                    false_values=["false"],
                ),
            )
        except pa.ArrowInvalid as exc:
            if all(t == pa.string() for t in types.values()):
                raise self._error(f"CSV page at offset {offset} does not parse ({exc})") from None
            raise

    def _from_csv_wire(self, column: _Column, wire: pa.Array, offset: int) -> pa.Array:
        if column.dtype.kind == "decimal" and wire.type == column.target:
            _check_precision(wire)
            return wire
        if column.dtype.kind == "date" and wire.type == _DATE_WIRE:
            days = pc.cast(wire, pa.date32())
            back = pc.cast(pc.cast(days, pa.timestamp("s")), _DATE_WIRE)
            off = pc.not_equal(back, wire)
            if pc.any(off).as_py():
                row = pc.index(pc.fill_null(off, _FALSE), True).as_py()
                value = wire[row].as_py().isoformat()
                raise self._bad(column, offset + row, value, "is not a date (it has a time of day)")
            return days
        if not column.dtype.nested and column.dtype.kind not in ("other", "null"):
            try:
                return self._fast(column, wire)
            except (pa.ArrowException, _Fallback):
                pass
        values = wire.to_pylist()
        if column.dtype.nested:
            values = [self._json_cell(column, v, offset + i) for i, v in enumerate(values)]
        return self._exact(column, values, offset)

    def _json_cell(self, column: _Column, text: Any, row: int) -> Any:
        if text is None:
            return None
        try:
            return msgspec.json.decode(text)
        except msgspec.DecodeError:
            raise self._bad(column, row, text, "not a JSON value") from None

    # shared column conversion

    def _fast(self, column: _Column, wire: pa.Array) -> pa.Array:
        """Vectorised conversion of a wire array; ``_Fallback`` when it cannot be exact."""
        kind, target = column.dtype.kind, column.target
        if wire.type == target and kind not in ("uint256", "int256", "varbinary"):
            return wire
        if kind == "decimal" and pa.types.is_decimal256(target) and wire.type == pa.string():
            longest = pc.max(pc.utf8_length(wire)).as_py()
            if longest is not None and longest > target.precision:
                raise _Fallback  # see _big_ints: such text can wrap around in the cast
        if kind in _INTS or kind in ("double", "real", "boolean", "decimal"):
            return pc.cast(wire, target)
        if kind in ("varchar", "json"):
            if wire.type == pa.string():
                return wire
            raise _Fallback
        if kind in ("uint256", "int256"):
            return _big_ints(wire, kind, target)
        if kind == "date":
            return _dates(wire)
        if kind == "varbinary" and target == pa.binary():
            return _unhex(wire)
        if kind == "varbinary" and target == pa.string():
            try:  # the unhex pass checks 0x, even lengths and digits at C speed (3x a regex)
                _unhex(wire)
            except _Fallback:  # an 0X prefix, or not hex: the regex says which
                pattern = r"^0[xX](?:[0-9a-fA-F]{2})*$"
                if pc.all(pc.match_substring_regex(wire, pattern)).as_py() is False:
                    raise
            return pc.ascii_lower(wire)  # Dune's 0x lower-case form, whatever the case sent
        if kind == "timestamp":
            return _timestamps(wire, target)
        raise _Fallback

    def _exact(self, column: _Column, values: list[Any], offset: int) -> pa.Array:
        convert = column.exact
        out: list[Any] = []
        append = out.append
        for index, value in enumerate(values):
            try:
                append(convert(value))
            except BadValue as exc:
                raise self._bad(column, offset + index, value, str(exc)) from None
        try:
            return pa.array(out, type=column.target)
        except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
            raise self._error(
                f"column {column.name!r} ({column.dtype.text}) at offset {offset}: "
                f"values do not fit {column.target} ({exc})"
            ) from None

    def _batch(self, arrays: list[pa.Array], num_rows: int) -> pa.RecordBatch:
        if not arrays:
            if not self.names:
                return pa.RecordBatch.from_pydict({})
            arrays = [pa.nulls(0, type=c.target) for c in self._columns]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _bad(self, column: _Column, row: int, value: Any, reason: str) -> ResponseValidationError:
        shown = repr(value)
        if len(shown) > 200:
            shown = shown[:200] + "..."
        return self._error(
            f"column {column.name!r} ({column.dtype.text or 'no type'}) row {row}: "
            f"value {shown} {reason}"
        )

    def _error(self, message: str) -> ResponseValidationError:
        return ResponseValidationError(message, execution_id=self.execution_id)


def strings(values: Sequence[str]) -> pa.Array:
    """A string array built from its buffers: ``pa.array`` on Python objects would make
    pyarrow import pandas (0.4-1.4 s), which only ``to_pandas()`` should pay for."""
    data = [v.encode() for v in values]
    ends = [0]
    for item in data:
        ends.append(ends[-1] + len(item))
    offsets = pa.py_buffer(struct.pack(f"<{len(ends)}i", *ends))
    return pa.Array.from_buffers(
        pa.string(), len(data), [None, offsets, pa.py_buffer(b"".join(data))]
    )


def _int32(value: int) -> pa.Scalar:
    """An int32 scalar built from a buffer (``pa.scalar`` would import pandas; see ``strings``)."""
    return pa.Array.from_buffers(pa.int32(), 1, [None, pa.py_buffer(struct.pack("<i", value))])[0]


#: Whether one page's columns are converted on Arrow's pool (pages already run in parallel).
_PARSE_THREADS = False

#: A stop past the end of any value (Arrow's 32-bit offsets).
_LONGEST = 2**31 - 1
_FALSE = pa.Array.from_buffers(pa.bool_(), 1, [None, pa.py_buffer(b"\x00")])[0]
_EMPTY = strings([""])[0]
_I32 = {n: _int32(n) for n in (0, 1, 2)}
_INT256_MIN_TEXT = strings([_INT256_MIN])[0]
_MIDNIGHT = strings(["", "T00:00:00Z", "T00:00:00.000Z", " 00:00:00", " 00:00:00.000 UTC"])


def _dates(wire: pa.Array) -> pa.Array:
    """``YYYY-MM-DD``, optionally followed by a midnight time (``T00:00:00Z``), to date32."""
    if wire.type != pa.string():
        raise _Fallback
    rest = pc.fill_null(pc.utf8_slice_codeunits(wire, 10), _EMPTY)
    if pc.all(pc.is_in(rest, value_set=_MIDNIGHT)).as_py() is False:
        raise _Fallback
    return pc.cast(pc.utf8_slice_codeunits(wire, 0, 10), pa.date32())


def _drop_prefix(text: pa.Array, count: int) -> pa.Array:
    """The values without their first ``count`` bytes, as binary (the caller checked they are
    ASCII there): a byte slice is several times cheaper than a code-point slice."""
    return pc.binary_slice(text.cast(pa.binary()), count, _LONGEST)


def _drop_suffix(text: pa.Array, count: int) -> pa.Array:
    """The values without their last ``count`` bytes (ASCII, checked by the caller), as text
    for a parser that checks every byte itself (so no UTF-8 pass)."""
    return pc.binary_slice(text.cast(pa.binary()), 0, -count).view(pa.string())


def _unhex(wire: pa.Array) -> pa.Array:
    """``0x`` hex text to binary with one C-level ``binascii.unhexlify`` over the data buffer
    of the prefix-less text (the offsets halve). Every value must start with ``0x`` and have an
    even length; any non-hex byte makes ``unhexlify`` fail, and then the exact per-value path
    reports the value."""
    if wire.type != pa.string():
        raise _Fallback
    if pc.all(pc.starts_with(wire, "0x")).as_py() is False:
        raise _Fallback
    lengths = pc.fill_null(pc.binary_length(wire), _I32[0])
    if pc.any(pc.equal(pc.bit_wise_and(lengths, _I32[1]), _I32[1])).as_py():
        raise _Fallback
    digits = _drop_prefix(wire, 2)
    _, offsets, data = digits.buffers()
    ends = pa.Array.from_buffers(pa.int32(), len(digits) + 1, [None, offsets], offset=digits.offset)
    begin, stop = ends[0].as_py(), ends[-1].as_py()
    try:
        raw = binascii.unhexlify(memoryview(data)[begin:stop]) if data is not None else b""
    except (binascii.Error, ValueError):
        raise _Fallback from None
    halves = pc.divide(pc.subtract(ends, _int32(begin)), _I32[2]).cast(pa.int32())
    validity = pc.is_valid(digits).buffers()[1] if digits.null_count else None
    return pa.Array.from_buffers(
        pa.binary(),
        len(digits),
        [validity, halves.buffers()[1], pa.py_buffer(raw)],
        null_count=digits.null_count,
    )


def _int64(value: int) -> pa.Scalar:
    """An int64 scalar built from a buffer (see ``_int32``)."""
    return pa.Array.from_buffers(pa.int64(), 1, [None, pa.py_buffer(struct.pack("<q", value))])[0]


def hex_text(values: pa.Array) -> pa.Array:
    """Binary values as ``0x`` lower-case hex strings: one C-level ``binascii.hexlify`` over
    the data buffer (every offset doubles), then one kernel inserting ``0x``. Null stays null,
    empty bytes become ``"0x"``; ``large_string`` only past 32-bit offsets."""
    wide = pa.types.is_large_binary(values.type)
    _, offsets, data = values.buffers()
    ends = pa.Array.from_buffers(
        pa.int64() if wide else pa.int32(), len(values) + 1, [None, offsets], offset=values.offset
    )
    begin, stop = ends[0].as_py(), ends[-1].as_py()
    digits = binascii.hexlify(memoryview(data)[begin:stop]) if data is not None else b""
    large = wide or 2 * (stop - begin + len(values)) > _LONGEST
    text = pa.large_string() if large else pa.string()
    doubled = pc.multiply(pc.subtract(ends.cast(pa.int64()), _int64(begin)), _int64(2))
    validity = pc.is_valid(values).buffers()[1] if values.null_count else None
    bare = pa.Array.from_buffers(
        text,
        len(values),
        [validity, doubled.cast(_offset_type(text)).buffers()[1], pa.py_buffer(digits)],
        null_count=values.null_count,
    )
    return pc.binary_replace_slice(bare, start=0, stop=0, replacement="0x")


def _offset_type(text: pa.DataType) -> pa.DataType:
    """The offset type of a string type."""
    return pa.int64() if text == pa.large_string() else pa.int32()


def _timestamps(wire: pa.Array, target: pa.DataType) -> pa.Array:
    """Strip the ``" UTC"`` or ``"Z"`` suffix, parse as naive ISO 8601, then label as UTC."""
    if wire.type != pa.string():
        raise _Fallback
    utc = pc.ends_with(wire, " UTC")
    if pc.all(utc).as_py() is not False:  # Dune's own form: the one pass most pages need
        return pc.cast(_drop_suffix(wire, 4), pa.timestamp(target.unit)).view(target)
    zulu = pc.ends_with(wire, "Z")
    if not pc.any(utc).as_py() and pc.all(zulu).as_py() is not False:
        text = _drop_suffix(wire, 1)
    elif not pc.any(utc).as_py() and not pc.any(zulu).as_py():
        text = wire
    else:
        text = pc.if_else(
            utc,
            pc.utf8_slice_codeunits(wire, 0, -4),
            pc.if_else(zulu, pc.utf8_slice_codeunits(wire, 0, -1), wire),
        )
    naive = pc.cast(text, pa.timestamp(target.unit))
    return naive.view(target)


def _big_ints(wire: pa.Array, kind: str, target: pa.DataType) -> pa.Array:
    """Check decimal-digit text is in range for uint256/int256, then keep it or cast it."""
    if wire.type != pa.string():
        raise _Fallback
    # a uint256 must be all digits (a "-" is not one); an int256 may have one leading "-"
    if kind == "uint256":
        negative, body, longest = None, wire, _UINT256_MAX
    else:
        negative = pc.starts_with(wire, "-")
        body = pc.if_else(negative, _drop_prefix(wire, 1).cast(pa.string()), wire)
        longest = _INT256_MAX
    if pc.all(pc.ascii_is_decimal(body)).as_py() is False:
        raise _Fallback
    lengths = pc.binary_length(body)  # all ASCII digits: bytes are characters
    top = pc.max(lengths).as_py()
    if top is not None and top >= len(longest):
        if top > len(longest):
            raise _Fallback
        full = pc.equal(lengths, _int32(len(longest)))
        top_text = strings([longest])[0]
        limit = top_text if negative is None else pc.if_else(negative, _INT256_MIN_TEXT, top_text)
        if pc.any(pc.and_(full, pc.greater(body, limit))).as_py():
            raise _Fallback
    if target == pa.string():
        return wire
    if pa.types.is_decimal(target) and top is not None and top > target.precision:
        raise _Fallback  # Arrow's cast wraps 78-digit text into decimal256 silently (to -1)
    return pc.cast(wire, target)
