"""Deterministic sample tables (`dex.trades`, `tokens.transfers`) and the seeded saved queries."""

from __future__ import annotations

from typing import Any

import duckdb

TRADES_ROWS = 1000
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
    (18900000 + i * 51)::BIGINT AS block_number
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


def install_sample_data(con: duckdb.DuckDBPyConnection) -> None:
    """Create the sample schemas and tables unless they already exist (e.g. in a data dir)."""
    cur = con.cursor()
    try:
        cur.execute("CREATE SCHEMA IF NOT EXISTS dex")
        cur.execute("CREATE SCHEMA IF NOT EXISTS tokens")
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
    finally:
        cur.close()


def seeded_queries() -> list[dict[str, Any]]:
    """The saved queries every emulator starts with (ids 1 and 2)."""
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
    ]
