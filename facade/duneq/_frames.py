"""Arrow table to polars and pandas, importing each stack only when it is asked for.

polars gets the Arrow types as they are (String for uint256 by default, Decimal, Datetime UTC);
pandas gets Arrow-backed dtypes by default, which keep every value and null exactly.
"""

from __future__ import annotations

from typing import Any, Literal

from ._errors import InvalidArgument
from ._optional import require

DtypeBackend = Literal["pyarrow", "numpy_nullable"]
DTYPE_BACKENDS: tuple[str, ...] = ("pyarrow", "numpy_nullable")


def _decimal256_columns(schema: Any) -> list[str]:
    pa = require("pyarrow")

    def has(t: Any) -> bool:
        if pa.types.is_decimal256(t):
            return True
        return any(has(t.field(i).type) for i in range(t.num_fields))

    return [field.name for field in schema if has(field.type)]


def to_polars(table: Any) -> Any:
    """A ``polars.DataFrame`` of an Arrow table (zero-copy where polars allows)."""
    pl = require("polars")
    wide = _decimal256_columns(table.schema)
    if wide:
        raise InvalidArgument(
            f"polars cannot hold decimal256 columns ({', '.join(wide)}); "
            "use big_ints='string' (lossless), 'decimal' (38 digits) or 'float'"
        )
    return pl.from_arrow(table, rechunk=False)


def check_backend(dtype_backend: str) -> None:
    """Refuse an unknown ``dtype_backend`` before anything is fetched."""
    if dtype_backend not in DTYPE_BACKENDS:
        raise InvalidArgument(
            f"dtype_backend must be one of {', '.join(map(repr, DTYPE_BACKENDS))}, "
            f"got {dtype_backend!r}"
        )


def to_pandas(table: Any, dtype_backend: str = "pyarrow") -> Any:
    """A ``pandas.DataFrame``: ``"pyarrow"`` dtypes (lossless, zero-copy) by default, or
    ``"numpy_nullable"`` (Int64, Float64, boolean, string; decimals and nested as objects)."""
    check_backend(dtype_backend)
    pd = require("pandas")
    if dtype_backend == "pyarrow":
        return table.to_pandas(types_mapper=pd.ArrowDtype)
    pa = require("pyarrow")
    nullable = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.float32(): pd.Float32Dtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.string(): pd.StringDtype(),
        pa.large_string(): pd.StringDtype(),
    }
    return table.to_pandas(types_mapper=nullable.get, split_blocks=True)
