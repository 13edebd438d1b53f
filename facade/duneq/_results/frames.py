"""Arrow table to polars and pandas, importing each stack only when it is asked for.

polars gets the Arrow types as they are (String for uint256 by default, Decimal, Datetime UTC);
pandas gets Arrow-backed dtypes by default, which keep every value and null exactly. varbinary
becomes ``0x`` lower-case hex text by default (``binary="hex"``), as Dune shows it everywhere;
``binary="bytes"`` keeps the bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from .._errors import InvalidArgument
from .._optional import require

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

DtypeBackend = Literal["pyarrow", "numpy_nullable"]
DTYPE_BACKENDS: tuple[str, ...] = ("pyarrow", "numpy_nullable")
FRAME_BINARY: tuple[str, ...] = ("hex", "bytes")


def check_binary(binary: str) -> None:
    """Refuse an unknown frame ``binary`` before anything is fetched."""
    if binary not in FRAME_BINARY:
        raise InvalidArgument(
            f"binary must be one of {', '.join(map(repr, FRAME_BINARY))}, got {binary!r}"
        )


def _has_binary(t: Any) -> bool:
    pa = require("pyarrow")
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return True
    return any(_has_binary(t.field(i).type) for i in range(t.num_fields))


def _hexed(values: Any) -> Any:
    """One array with every binary value, nested ones too, as ``0x`` hex text."""
    pa = require("pyarrow")
    from .._dunetypes.arrow import hex_text

    t = values.type
    if not _has_binary(t):
        return values
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return hex_text(values)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t):
        # the whole child, as the parent's own offsets index it (a slice keeps its offset)
        items = _hexed(values.values)
        if pa.types.is_map(t):
            hexed = pa.map_(items.type.field(0), items.type.field(1))
        else:
            hexed = (pa.list_ if pa.types.is_list(t) else pa.large_list)(
                t.value_field.with_type(items.type)
            )
        return pa.Array.from_buffers(
            hexed,
            len(values),
            values.buffers()[:2],
            null_count=values.null_count,
            offset=values.offset,
            children=[items],
        )
    if pa.types.is_struct(t):
        children = [_hexed(values.field(i)) for i in range(t.num_fields)]  # sliced as values
        fields = [t.field(i).with_type(c.type) for i, c in enumerate(children)]
        mask = values.is_null() if values.null_count else None
        return pa.StructArray.from_arrays(children, fields=fields, mask=mask)
    raise InvalidArgument(f"cannot show binary values inside {t} as hex; use binary='bytes'")


def _hex_type(t: Any, *, large: bool) -> Any:
    """The type ``_hexed`` gives an array of type ``t`` (``large``: past 32-bit offsets)."""
    pa = require("pyarrow")
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return pa.large_string() if large or pa.types.is_large_binary(t) else pa.string()
    if not _has_binary(t):
        return t
    if pa.types.is_map(t):
        key, item = t.key_field, t.item_field
        return pa.map_(
            key.with_type(_hex_type(key.type, large=large)),
            item.with_type(_hex_type(item.type, large=large)),
        )
    if pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(_hex_type(t.value_type, large=large)))
    if pa.types.is_large_list(t):
        return pa.large_list(t.value_field.with_type(_hex_type(t.value_type, large=large)))
    fields = [t.field(i) for i in range(t.num_fields)]
    return pa.struct([f.with_type(_hex_type(f.type, large=large)) for f in fields])


def hex_binary(table: pa.Table) -> pa.Table:
    """The table with binary columns (and binary inside nested columns) as ``0x`` lower-case
    hex strings, vectorised chunk by chunk (see ``_arrow.hex_text``); other columns untouched."""
    pa = require("pyarrow")
    if not any(_has_binary(field.type) for field in table.schema):
        return table
    schema, columns = table.schema, list(table.columns)
    for index, field in enumerate(schema):
        if not _has_binary(field.type):
            continue
        chunks = [_hexed(chunk) for chunk in columns[index].chunks]
        target = _hex_type(field.type, large=False)
        if any(chunk.type != target for chunk in chunks):  # a chunk past 32-bit offsets
            target = _hex_type(field.type, large=True)
            chunks = [chunk.cast(target) for chunk in chunks]
        columns[index] = pa.chunked_array(chunks, type=target)
        schema = schema.set(index, field.with_type(target))
    return pa.Table.from_arrays(columns, schema=schema)


def _decimal256_columns(schema: Any) -> list[str]:
    pa = require("pyarrow")

    def has(t: Any) -> bool:
        if pa.types.is_decimal256(t):
            return True
        return any(has(t.field(i).type) for i in range(t.num_fields))

    return [field.name for field in schema if has(field.type)]


def to_polars(table: pa.Table, binary: str = "hex") -> pl.DataFrame:
    """A ``polars.DataFrame`` of an Arrow table (zero-copy where polars allows); binary
    columns as ``0x`` hex text unless ``binary="bytes"``."""
    check_binary(binary)
    polars = require("polars")
    wide = _decimal256_columns(table.schema)
    if wide:
        raise InvalidArgument(
            f"polars cannot hold decimal256 columns ({', '.join(wide)}); "
            "use big_ints='string' (lossless), 'decimal' (38 digits) or 'float'"
        )
    if binary == "hex":
        table = hex_binary(table)
    frame: pl.DataFrame = polars.from_arrow(table, rechunk=False)
    return frame


def check_backend(dtype_backend: str) -> None:
    """Refuse an unknown ``dtype_backend`` before anything is fetched."""
    if dtype_backend not in DTYPE_BACKENDS:
        raise InvalidArgument(
            f"dtype_backend must be one of {', '.join(map(repr, DTYPE_BACKENDS))}, "
            f"got {dtype_backend!r}"
        )


def to_pandas(table: pa.Table, dtype_backend: str = "pyarrow", binary: str = "hex") -> pd.DataFrame:
    """A ``pandas.DataFrame``: ``"pyarrow"`` dtypes (lossless, zero-copy) by default, or
    ``"numpy_nullable"`` (Int64, Float64, boolean, string; decimals and nested as objects);
    binary columns as ``0x`` hex text unless ``binary="bytes"``."""
    check_backend(dtype_backend)
    check_binary(binary)
    pandas = require("pandas")
    if binary == "hex":
        table = hex_binary(table)
    frame: pd.DataFrame
    if dtype_backend == "pyarrow":
        frame = table.to_pandas(types_mapper=pandas.ArrowDtype)
        return frame
    pa = require("pyarrow")
    nullable = {
        pa.int8(): pandas.Int8Dtype(),
        pa.int16(): pandas.Int16Dtype(),
        pa.int32(): pandas.Int32Dtype(),
        pa.int64(): pandas.Int64Dtype(),
        pa.float32(): pandas.Float32Dtype(),
        pa.float64(): pandas.Float64Dtype(),
        pa.bool_(): pandas.BooleanDtype(),
        pa.string(): pandas.StringDtype(),
        pa.large_string(): pandas.StringDtype(),
    }
    frame = table.to_pandas(types_mapper=nullable.get, split_blocks=True)
    return frame
