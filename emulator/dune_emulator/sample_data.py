"""Deterministic sample tables (`dex.trades`, `tokens.transfers`, `samples.all_types`) and the
seeded saved queries, so that the README's examples run unchanged against the emulator."""

from __future__ import annotations

from typing import Any

import duckdb

from .dune_types import register_dune_types
from .type_inference import mark_int256

TRADES_ROWS = 1000
#: The saved query the README runs (`duneq run 1215383`, `run_query(1215383, {"chain": ...})`).
README_QUERY_ID = 1215383
#: The saved query with a `day` parameter the README's sweep example runs.
DAILY_QUERY_ID = 3
TRANSFERS_ROWS = 1000

_CHAINS = "['ethereum', 'arbitrum', 'optimism', 'base', 'polygon']"
_PROJECTS = "['uniswap', 'sushiswap', 'curve', 'balancer']"
_SYMBOLS = "['WETH', 'USDC', 'USDT', 'DAI', 'WBTC', 'PEPE']"

_TRADES_SQL = f"""
CREATE TABLE dex.trades AS
SELECT
    (TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 613)) AS block_time,
    {_CHAINS}[(i % 5) + 1] AS blockchain,
    {_PROJECTS}[((i // 5) % 4) + 1] AS project,
    {_SYMBOLS}[((i * 7) % 6) + 1] AS token_bought_symbol,
    round(((i * 7919) % 100000) / 10.0 + 0.25, 2)::DOUBLE AS amount_usd,
    from_hex(sha256('tx' || i::VARCHAR)) AS tx_hash,
    from_hex(substr(sha256('taker' || (i % 97)::VARCHAR), 1, 40)) AS taker,
    (((i * 104729) % 1000003 + 1)::VARCHAR || '000000000000000'
        || CASE WHEN i % 50 = 0 THEN '0000000000000000000000000' ELSE '' END)::BIGNUM
        AS token_bought_amount_raw,
    (18900000 + i * 51)::BIGINT AS block_number,
    CAST(TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 613) AS DATE) AS block_date,
    DATE '2024-01-01' AS block_month,
    CASE WHEN i % 3 = 0 THEN '3' ELSE '2' END AS version,
    {_SYMBOLS}[(((i * 7) % 6) + 1 + (i % 5)) % 6 + 1] AS token_sold_symbol,
    least({_SYMBOLS}[((i * 7) % 6) + 1], {_SYMBOLS}[(((i * 7) % 6) + 1 + (i % 5)) % 6 + 1])
        || '-' ||
        greatest({_SYMBOLS}[((i * 7) % 6) + 1], {_SYMBOLS}[(((i * 7) % 6) + 1 + (i % 5)) % 6 + 1])
        AS token_pair,
    (i % 7)::BIGINT AS evt_index
FROM range({TRADES_ROWS}) r(i)
ORDER BY i
"""

_TRANSFERS_SQL = f"""
CREATE TABLE tokens.transfers AS
SELECT
    (TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 577)) AS block_time,
    {_CHAINS}[(i % 5) + 1] AS blockchain,
    (18900000 + i * 48)::BIGINT AS block_number,
    from_hex(sha256('transfer' || i::VARCHAR)) AS tx_hash,
    from_hex(substr(sha256('token' || (i % 6)::VARCHAR), 1, 40)) AS contract_address,
    {_SYMBOLS}[(i % 6) + 1] AS symbol,
    from_hex(substr(sha256('from' || (i % 131)::VARCHAR), 1, 40)) AS "from",
    from_hex(substr(sha256('to' || (i % 173)::VARCHAR), 1, 40)) AS "to",
    (((i * 15485863) % 999983 + 1)::VARCHAR || '000000000000')::BIGNUM AS amount_raw,
    round(((i * 3571) % 50000) / 7.0, 4)::DOUBLE AS amount_usd
FROM range({TRANSFERS_ROWS}) r(i)
ORDER BY i
"""


UINT256_MAX = str(2**256 - 1)
INT256_MIN = str(-(2**255))

#: One column of every Dune type, in three rows: typical values, extremes (uint256 max, int256
#: min, NaN and infinities, empty containers) and all NULLs.
_ALL_TYPES_SQL = f"""
CREATE TABLE samples.all_types (
    id BIGINT,
    amount_raw UINT256,
    delta_raw INT256,
    tx_hash BLOB,
    block_time TIMESTAMPTZ,
    local_time TIMESTAMP_MS,
    block_date DATE,
    price DECIMAL(38,18),
    fee DECIMAL(10,2),
    ratio DOUBLE,
    ratio_real FLOAT,
    is_contract BOOLEAN,
    tiny_n TINYINT,
    small_n SMALLINT,
    int_n INTEGER,
    big_n BIGINT,
    label VARCHAR,
    log_indexes BIGINT[],
    amounts UINT256[],
    balances MAP(VARCHAR, BIGINT),
    transfer STRUCT(a BIGINT, b VARCHAR),
    payload JSON,
    samples DOUBLE[]
);
INSERT INTO samples.all_types VALUES
(1, '1000000000000000000', '-5', from_hex('deadbeef'), TIMESTAMPTZ '2024-01-02 03:04:05.678+00',
 TIMESTAMP '2024-01-02 03:04:05.678', DATE '2024-01-02', 1234.5, 1.50, 0.25, 0.1, true, -8, 7,
 42, 9007199254740993, 'swap, "quoted"', [1, 2, 3], ['1', '{2**200}'],
 MAP {{'a': 1, 'b': 2}}, {{'a': 1, 'b': 'x'}}, '{{"k":[1,2]}}',
 [1.5, 'nan'::DOUBLE, 'inf'::DOUBLE, '-inf'::DOUBLE]),
(2, '{UINT256_MAX}', '{INT256_MIN}', from_hex('00'), TIMESTAMPTZ '1970-01-01 00:00:00+00',
 TIMESTAMP '1970-01-01 00:00:00', DATE '1970-01-01', '99999999999999999999.999999999999999999',
 0.00, 'nan'::DOUBLE, 'inf'::FLOAT, false, 127, 32767, 2147483647, -9223372036854775808, '',
 [], [], MAP {{}}, {{'a': NULL, 'b': NULL}}, 'null', []),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL)
"""


def install_sample_data(con: duckdb.DuckDBPyConnection) -> None:
    """Create the sample schemas and tables unless they already exist (e.g. in a data dir)."""
    cur = con.cursor()
    try:
        register_dune_types(cur)
        for schema in ("dex", "tokens", "samples"):
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        existing = {
            (s, t)
            for s, t in cur.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary"
            ).fetchall()
        }
        if ("dex", "trades") not in existing:
            cur.execute(_TRADES_SQL)
        if ("tokens", "transfers") not in existing:
            cur.execute(_TRANSFERS_SQL)
        if ("samples", "all_types") not in existing:
            cur.execute(_ALL_TYPES_SQL)
            mark_int256(cur, "samples.all_types", "delta_raw")
    finally:
        cur.close()


def seeded_queries() -> list[dict[str, Any]]:
    """The saved queries every emulator starts with (ids 1, 2, 3 and the README's 1215383)."""
    return [
        {
            "query_id": 1,
            "name": "DEX trades on a chain",
            "description": "All sample DEX trades on one blockchain.",
            "tags": ["sample", "dex"],
            "query_sql": "select * from dex.trades where blockchain = '{{chain}}'",
            "parameters": [{"key": "chain", "type": "text", "value": "ethereum"}],
            "is_private": False,
        },
        {
            "query_id": 2,
            "name": "Numbers",
            "description": "The numbers 0 to n-1, one per row, in a column named `number`.",
            "tags": ["sample"],
            "query_sql": "select n as number from unnest(sequence(0, {{n}} - 1)) as t(n) order by n",
            "parameters": [{"key": "n", "type": "number", "value": "10"}],
            "is_private": False,
        },
        {
            "query_id": DAILY_QUERY_ID,
            "name": "DEX volume on a day",
            "description": "Trades and volume per blockchain on one day of the sample trades.",
            "tags": ["sample", "dex"],
            "query_sql": (
                "select blockchain, count(*) as trades, sum(amount_usd) as volume_usd\n"
                "from dex.trades\n"
                "where block_date = cast(timestamp '{{day}}' as date)\n"
                "group by blockchain\n"
                "order by blockchain"
            ),
            "parameters": [{"key": "day", "type": "datetime", "value": "2024-01-01 00:00:00"}],
            "is_private": False,
        },
        {
            "query_id": README_QUERY_ID,
            "name": "Recent DEX trades on a chain",
            "description": "The sample DEX trades of one blockchain, newest first.",
            "tags": ["sample", "dex", "readme"],
            "query_sql": (
                "select block_date, block_time, project, token_pair, amount_usd, tx_hash\n"
                "from dex.trades\n"
                "where blockchain = '{{chain}}'\n"
                "order by block_time desc"
            ),
            "parameters": [{"key": "chain", "type": "text", "value": "ethereum"}],
            "is_private": False,
        },
    ]
