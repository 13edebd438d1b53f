"""Dune's `decode_evm_event` table function: one event ABI decodes log rows into typed columns.

`FROM TABLE(decode_evm_event(abi => '…', input => TABLE(query)))` is rewritten into a derived
table: one column per ABI input (indexed ones first, named as in the ABI or `_argN`), then every
column of the input, as docs.dune.com's EVM decoding page says. The values come from Python UDFs
that read indexed inputs from topic1..topic3 and the others from `data` (ABI head/tail
encoding). A decoding error gives NULLs (`null_on_error => true`, the default) or fails. What the
page leaves open is refused, never guessed: a row whose topic0 is not the event's signature
hash, tuple inputs, indexed dynamic inputs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
from duckdb.func import SPECIAL

from .dune_functions import keccak256

#: The internal UDFs the rewrite calls (never callable from user SQL: not on the allowlist).
UDF_NAMES = frozenset(
    {
        "dune_evm_text",
        "dune_evm_blob",
        "dune_evm_bool",
        "dune_evm_texts",
        "dune_evm_blobs",
        "dune_evm_bools",
        "dune_evm_check",
    }
)
_INPUT_ALIAS = "_dune_evm_input"
_ELEMENTARY = re.compile(r"(uint|int)(\d*)|address|bool|string|bytes(\d*)")
_ARRAY_SUFFIX = re.compile(r"\[(\d*)\]$")


class AbiError(ValueError):
    """The ABI argument cannot describe one event the emulator decodes."""


@dataclass(frozen=True)
class AbiType:
    """One Solidity type: `base` elementary type (canonical name) and array suffixes, outer last."""

    base: str
    arrays: tuple[int | None, ...] = ()  # None: dynamic T[], k: fixed T[k]

    @property
    def canonical(self) -> str:
        return self.base + "".join(f"[{'' if k is None else k}]" for k in self.arrays)

    @property
    def dynamic(self) -> bool:
        if any(k is None for k in self.arrays):
            return True
        return self.base in ("string", "bytes")

    def element(self) -> AbiType:
        return AbiType(self.base, self.arrays[:-1])

    def head_size(self) -> int:
        """Bytes this type takes in a head (32 for an offset when dynamic)."""
        if self.dynamic or not self.arrays:
            return 32
        return int(self.arrays[-1] or 0) * self.element().head_size()


@dataclass(frozen=True)
class Param:
    name: str
    type: AbiType
    indexed: bool


@dataclass(frozen=True)
class Event:
    name: str
    params: tuple[Param, ...]
    anonymous: bool

    @functools.cached_property
    def signature(self) -> str:
        return f"{self.name}({','.join(p.type.canonical for p in self.params)})"

    @functools.cached_property
    def topic0(self) -> bytes | None:
        return None if self.anonymous else keccak256(self.signature.encode())

    @functools.cached_property
    def ordered(self) -> tuple[Param, ...]:
        return tuple(p for _, p in self.columns())

    def columns(self) -> list[tuple[str, Param]]:
        """(output column name, param): indexed inputs first, each group in ABI order."""
        named = [(p.name or f"_arg{i}", p) for i, p in enumerate(self.params)]
        return [c for c in named if c[1].indexed] + [c for c in named if not c[1].indexed]


def parse_type(text: str) -> AbiType:
    """A canonical AbiType for an ABI type string such as `uint256`, `address[]`, `uint[3]`."""
    t = text.strip()
    arrays: list[int | None] = []
    while m := _ARRAY_SUFFIX.search(t):
        arrays.insert(0, int(m.group(1)) if m.group(1) else None)
        t = t[: m.start()]
        if arrays[0] == 0:
            raise AbiError(f"invalid type '{text}': a fixed array needs a length above 0")
    if t == "tuple" or t.startswith("("):
        raise AbiError(f"tuple inputs ('{text}') are not supported by the emulator")
    m = _ELEMENTARY.fullmatch(t)
    if m is None:
        raise AbiError(f"unknown type '{text}'")
    if m.group(1):
        bits = int(m.group(2)) if m.group(2) else 256
        if bits % 8 or not 8 <= bits <= 256 or (m.group(2) or "").startswith("0"):
            raise AbiError(f"unknown type '{text}'")
        t = f"{m.group(1)}{bits}"
    elif t.startswith("bytes") and m.group(3):
        if not 1 <= int(m.group(3)) <= 32 or m.group(3).startswith("0"):
            raise AbiError(f"unknown type '{text}'")
    if len(arrays) > 1:
        raise AbiError(f"nested arrays ('{text}') are not supported by the emulator")
    return AbiType(t, tuple(arrays))


def parse_event(abi: str) -> Event:
    """The one event an ABI JSON object describes, or an AbiError saying what is wrong."""
    try:
        spec = json.loads(abi)
    except ValueError as exc:
        raise AbiError(f"the ABI is not valid JSON ({exc})") from None
    if isinstance(spec, list):
        raise AbiError(
            "the ABI must be one event's JSON object, not an array (pass that event's entry only)"
        )
    if not isinstance(spec, dict):
        raise AbiError("the ABI must be one event's JSON object")
    if spec.get("type") != "event":
        raise AbiError(f'the ABI entry is not an event ("type": {json.dumps(spec.get("type"))})')
    name = spec.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name):
        raise AbiError(f'the event has no valid "name" ({json.dumps(name)})')
    inputs = spec.get("inputs", [])
    if not isinstance(inputs, list):
        raise AbiError('the event\'s "inputs" must be an array')
    anonymous = spec.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise AbiError('"anonymous" must be true or false')
    params = []
    for i, item in enumerate(inputs):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise AbiError(f'input {i} has no "type"')
        pname = item.get("name") or ""
        if not isinstance(pname, str):
            raise AbiError(f'input {i} has a "name" that is not a string')
        indexed = item.get("indexed", False)
        if not isinstance(indexed, bool):
            raise AbiError(f'input {i}: "indexed" must be true or false')
        ptype = parse_type(item["type"])
        if indexed and ptype.dynamic:
            raise AbiError(
                f"indexed {ptype.canonical} input '{pname or i}' is not supported by the "
                "emulator (its topic holds only a hash)"
            )
        params.append(Param(pname, ptype, indexed))
    event = Event(name, tuple(params), anonymous)
    if sum(p.indexed for p in params) > (4 if anonymous else 3):
        raise AbiError("the event has more indexed inputs than a log has topics")
    names = [c for c, _ in event.columns()]
    dupes = sorted({n.lower() for n in names if [m.lower() for m in names].count(n.lower()) > 1})
    if dupes:
        raise AbiError(f"the event names more than one input '{dupes[0]}'")
    return event


# -- decoding -----------------------------------------------------------------------------------


class DecodeError(ValueError):
    """A log row does not hold a valid encoding of the event."""


def _word(buf: bytes, at: int) -> bytes:
    if at < 0 or at + 32 > len(buf):
        raise DecodeError(f"data too short: a 32-byte word at offset {at} of {len(buf)} bytes")
    return buf[at : at + 32]


def _uint(buf: bytes, at: int) -> int:
    return int.from_bytes(_word(buf, at), "big")


def _elementary(t: AbiType, w: bytes) -> Any:
    """The value of one 32-byte word of elementary type `t` (validated as a strict decoder)."""
    base = t.base
    v = int.from_bytes(w, "big")
    if base == "address":
        if v >> 160:
            raise DecodeError("an address word has non-zero padding")
        return w[12:]
    if base == "bool":
        if v > 1:
            raise DecodeError(f"a bool word holds {v}")
        return v == 1
    if base.startswith("uint"):
        bits = int(base[4:])
        if v >> bits:
            raise DecodeError(f"value {v} does not fit {base}")
        return str(v)
    if base.startswith("int"):
        bits = int(base[3:])
        s = v - (1 << 256) if v >> 255 else v
        if not -(1 << (bits - 1)) <= s < (1 << (bits - 1)):
            raise DecodeError(f"value {s} does not fit {base}")
        return str(s)
    n = int(base[5:])  # bytesN
    if int.from_bytes(w[n:], "big"):
        raise DecodeError(f"a {base} word has non-zero padding")
    return w[:n]


def _decode_tuple(types: list[AbiType], buf: bytes, base: int) -> list[Any]:
    out = []
    head = base
    for t in types:
        if t.dynamic:
            offset = _uint(buf, head)
            if offset > len(buf):
                raise DecodeError(f"offset {offset} is past the end of the data")
            out.append(_decode_at(t, buf, base + offset))
            head += 32
        elif t.arrays:
            k = int(t.arrays[-1] or 0)
            out.append(_decode_tuple([t.element()] * k, buf, head))
            head += t.head_size()
        else:
            out.append(_elementary(t, _word(buf, head)))
            head += 32
    return out


def _decode_at(t: AbiType, buf: bytes, at: int) -> Any:
    """A dynamic value whose encoding starts at `at`."""
    if not t.arrays:  # string / bytes
        n = _uint(buf, at)
        if at + 32 + n > len(buf):
            raise DecodeError(f"a {t.base} of {n} bytes runs past the end of the data")
        raw = buf[at + 32 : at + 32 + n]
        if t.base == "bytes":
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("a string is not valid UTF-8") from None
    k = t.arrays[-1]
    if k is None:
        k = _uint(buf, at)
        if k * 32 > len(buf):
            raise DecodeError(f"an array of {k} elements runs past the end of the data")
        at += 32
    return _decode_tuple([t.element()] * k, buf, at)


@functools.lru_cache(maxsize=64)
def _event(abi: str) -> Event:
    return parse_event(abi)


@functools.lru_cache(maxsize=8192)
def decode_row(abi: str, topics: tuple[bytes | None, ...], data: bytes | None) -> tuple[Any, ...]:
    """The decoded values of one log row, in `Event.columns()` order, or a DecodeError."""
    event = _event(abi)
    present = [t for t in (topics[1:] if not event.anonymous else topics) if t is not None]
    indexed = [p for p in event.ordered if p.indexed]
    if len(present) != len(indexed):
        raise DecodeError(
            f"the log has {len(present)} topics after topic0, the event indexes {len(indexed)}"
        )
    values: list[Any] = []
    for p, topic in zip(indexed, present, strict=True):
        if len(topic) != 32:
            raise DecodeError(f"a topic of {len(topic)} bytes (32 expected)")
        values.append(_elementary(p.type, topic))
    rest = [p.type for p in event.ordered if not p.indexed]
    values.extend(_decode_tuple(rest, data or b"", 0))
    return tuple(values)


def check_topic0(abi: str, topic0: bytes | None, input_type: str | None = None) -> bool:
    """True when the row is of this event and the input names no decoded column; an error
    otherwise (Dune's page does not say whether another event's rows are dropped, decoded as
    NULLs or refused, nor how two columns of one name come out, so the emulator refuses both)."""
    event = _event(abi)
    if input_type is not None:
        _check_names(abi, input_type)
    expected = event.topic0
    if expected is None or topic0 == expected:
        return True
    got = "NULL" if topic0 is None else "0x" + topic0.hex()
    raise ValueError(
        f"decode_evm_event: a row's topic0 {got} is not the signature hash 0x{expected.hex()} "
        f"of {event.signature}; the emulator does not decode other events' rows (filter the "
        "input on topic0)"
    )


@functools.lru_cache(maxsize=256)
def _check_names(abi: str, input_type: str) -> None:
    """Refuse an input column named as a decoded one (`input_type`: the input row's STRUCT)."""
    from .dune_types import parse_type as parse_storage_type

    fields = {f.lower() for f in parse_storage_type(input_type).fields}
    for name, _ in _event(abi).columns():
        if name.lower() in fields:
            raise ValueError(
                f"decode_evm_event: the input has a column '{name.lower()}', as the event's "
                "decoded input is named; rename it in the input query (the emulator does not "
                "emulate a result with two columns of one name)"
            )


def _udf(kind: str) -> Callable[..., Any]:
    def f(
        abi: str,
        position: int,
        null_on_error: bool,
        t0: bytes | None,
        t1: bytes | None,
        t2: bytes | None,
        t3: bytes | None,
        data: bytes | None,
    ) -> Any:
        check_topic0(abi, t0)
        try:
            value = decode_row(abi, (t0, t1, t2, t3), data)[position]
        except DecodeError as exc:
            if null_on_error:
                return None
            event = _event(abi)
            raise ValueError(f"decode_evm_event: cannot decode {event.signature}: {exc}") from None
        return value

    f.__name__ = f"dune_evm_{kind}"
    return f


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Create the decoding UDFs (idempotent; before the lock-down)."""
    blob, v = "BLOB", "VARCHAR"
    args = [v, "INTEGER", "BOOLEAN", blob, blob, blob, blob, blob]
    udfs: list[tuple[str, Callable[..., Any], list[str], str]] = [
        ("dune_evm_text", _udf("text"), args, v),
        ("dune_evm_blob", _udf("blob"), args, blob),
        ("dune_evm_bool", _udf("bool"), args, "BOOLEAN"),
        ("dune_evm_texts", _udf("texts"), args, "VARCHAR[]"),
        ("dune_evm_blobs", _udf("blobs"), args, "BLOB[]"),
        ("dune_evm_bools", _udf("bools"), args, "BOOLEAN[]"),
        ("dune_evm_check", check_topic0, [v, blob, v], "BOOLEAN"),
    ]
    for name, func, params, ret in udfs:
        with contextlib.suppress(duckdb.Error):
            con.remove_function(name)
        con.create_function(name, func, params, ret, null_handling=SPECIAL, side_effects=True)  # type: ignore[arg-type]


# -- the SQL rewrite ----------------------------------------------------------------------------


def _column_sql(param: Param) -> tuple[str, str | None]:
    """(UDF name, cast target or None) giving a param's Dune-typed column."""
    base = param.type.base
    many = bool(param.type.arrays)
    if base in ("address", "string", "bytes") or base.startswith("bytes"):
        if base == "string":
            return ("dune_evm_texts" if many else "dune_evm_text"), None
        return ("dune_evm_blobs" if many else "dune_evm_blob"), None
    if base == "bool":
        return ("dune_evm_bools" if many else "dune_evm_bool"), None
    target = "INT256" if base.startswith("int") else "UINT256"
    return ("dune_evm_texts" if many else "dune_evm_text"), target + ("[]" if many else "")


def signed_columns(abi: str) -> set[str]:
    """Lower-case output names of an ABI's int256 columns (for telling int256 from uint256)."""
    try:
        event = _event(abi)
    except AbiError:
        return set()
    return {name.lower() for name, p in event.columns() if p.type.base.startswith("int")}


def expand(tree: Any, sql: str, error: Callable[[str, Any], Exception]) -> set[int]:
    """Replace each `TABLE(decode_evm_event(...))` in `tree` by its derived table, in place.

    Returns the ids of the UDF calls it built (the allowlist check lets only those through);
    `error(message, node)` makes the exception for a call it refuses.
    """
    from sqlglot import exp

    built: set[int] = set()
    for table in list(tree.find_all(exp.Table)):
        call = table.this
        if isinstance(call, exp.Anonymous) and str(call.name).lower() == "table":
            call = call.expressions[0] if call.expressions else None
        if not (isinstance(call, exp.Anonymous) and str(call.name).lower() == "decode_evm_event"):
            continue
        args = _arguments(call, error)
        abi_node = args.get("abi")
        if not (isinstance(abi_node, exp.Literal) and abi_node.is_string):
            raise error("decode_evm_event: abi must be a constant varchar", call)
        try:
            event = parse_event(abi_node.name)
        except AbiError as exc:
            raise error(f"decode_evm_event: invalid ABI: {exc}", call) from None
        query = _table_argument(args.get("input"), error, call)
        topics = _descriptor(args.get("topics"), ["topic0", "topic1", "topic2", "topic3"], error)
        if len(topics) > 4:
            raise error("decode_evm_event: topics names more than 4 columns", call)
        data = _descriptor(args.get("data"), ["data"], error)
        if len(data) != 1:
            raise error("decode_evm_event: data must name one column", call)
        noe = args.get("null_on_error", exp.Boolean(this=True))
        if not isinstance(noe, exp.Boolean):
            raise error("decode_evm_event: null_on_error must be a constant boolean", call)

        def ref(name: str | None) -> Any:
            if name is None:
                return exp.Cast(this=exp.Null(), to=exp.DataType.build("BLOB", dialect="duckdb"))
            return exp.column(name, table=_INPUT_ALIAS, quoted=True)

        cols = [ref(t) for t in topics] + [ref(None)] * (4 - len(topics))
        abi_text = exp.Literal.string(abi_node.name)
        projections = []
        for position, (name, param) in enumerate(event.columns()):
            udf, target = _column_sql(param)
            value: Any = exp.Anonymous(
                this=udf,
                expressions=[
                    abi_text.copy(),
                    exp.Literal.number(position),
                    noe.copy(),
                    *[c.copy() for c in cols],
                    ref(data[0]),
                ],
            )
            if target is not None:
                value = exp.Cast(this=value, to=exp.DataType.build(target, dialect="duckdb"))
            projections.append(exp.alias_(value, name.lower(), quoted=True))
        row_type = exp.Anonymous(this="typeof", expressions=[exp.to_identifier(_INPUT_ALIAS)])
        check = exp.Anonymous(
            this="dune_evm_check", expressions=[abi_text.copy(), cols[0].copy(), row_type]
        )
        inner = exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(_INPUT_ALIAS)))
        select = (
            exp.select(
                *projections, exp.Column(this=exp.Star(), table=exp.to_identifier(_INPUT_ALIAS))
            )
            .from_(inner)
            .where(check)
        )
        alias = table.args.get("alias")
        derived = exp.Subquery(this=select, alias=alias.copy() if alias else None)
        table.replace(derived)
        for part in [*derived.this.expressions, derived.this.args["where"]]:
            built.update(
                id(n)
                for n in part.walk()
                if isinstance(n, exp.Anonymous) and str(n.name).lower() in UDF_NAMES
            )
    return built


def _arguments(call: Any, error: Callable[[str, Any], Exception]) -> dict[str, Any]:
    from sqlglot import exp

    names = ["abi", "input", "topics", "data", "null_on_error"]
    out: dict[str, Any] = {}
    for i, arg in enumerate(call.expressions):
        if isinstance(arg, exp.Kwarg):
            key = str(arg.this.name).lower()
            if key not in names:
                raise error(f"decode_evm_event: unknown argument '{key}'", call)
            out[key] = arg.expression
        elif i < len(names):
            out[names[i]] = arg
        else:
            raise error("decode_evm_event: too many arguments", call)
    for required in ("abi", "input"):
        if required not in out:
            raise error(f"decode_evm_event: missing argument '{required}'", call)
    return out


def _table_argument(node: Any, error: Callable[[str, Any], Exception], call: Any) -> Any:
    """The query of `TABLE(query)` or `TABLE(name)` as a SELECT."""
    from sqlglot import exp

    if isinstance(node, exp.Anonymous) and str(node.name).lower() == "table" and node.expressions:
        inner = node.expressions[0]
        if isinstance(inner, exp.Query):
            return inner
        if isinstance(inner, exp.Column):
            parts = [p.name for p in inner.parts]
            return exp.select("*").from_(
                exp.table_(parts[-1], db=parts[-2] if len(parts) > 1 else None)
            )
    raise error("decode_evm_event: input must be TABLE(query) or TABLE(table name)", call)


def _descriptor(node: Any, default: list[str], error: Callable[[str, Any], Exception]) -> list[str]:
    from sqlglot import exp

    if node is None:
        return default
    if (
        isinstance(node, exp.Anonymous)
        and str(node.name).lower() == "descriptor"
        and all(isinstance(c, exp.Column) and not c.table for c in node.expressions)
        and node.expressions
    ):
        return [c.name for c in node.expressions]
    raise error("decode_evm_event: topics and data take DESCRIPTOR(column, ...)", node)
