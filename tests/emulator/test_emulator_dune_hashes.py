"""The emulator's Keccak-256 (Dune's keccak): the sponge is checked against hashlib's SHA3-256,
which shares its permutation and differs only in the domain byte, across block boundaries."""

from __future__ import annotations

import hashlib

import pytest
from dune_emulator.dune_functions import keccak256, sponge_256


@pytest.mark.parametrize("size", [0, 1, 134, 135, 136, 137, 271, 272, 273, 500])
def test_sponge_matches_sha3_256_at_every_padding_boundary(size: int) -> None:
    data = (bytes(range(256)) * 2)[:size]
    assert sponge_256(data, 0x06) == hashlib.sha3_256(data).digest()


def test_keccak256_known_values() -> None:
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    transfer = keccak256(b"Transfer(address,address,uint256)").hex()
    assert transfer == "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
