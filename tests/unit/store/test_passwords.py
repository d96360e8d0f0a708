"""scrypt password hashes: verifiable, salted, self-describing, and strict about junk."""

from __future__ import annotations

from store.passwords import ScryptCost, hash_password, verify_password

CHEAP = ScryptCost(n=2**10, r=8, p=1)


def test_it_verifies_the_right_password_only() -> None:
    stored = hash_password("correct horse", cost=CHEAP)
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsE", stored)
    assert not verify_password("", stored)


def test_each_hash_is_salted_and_names_its_parameters() -> None:
    first, second = hash_password("pw", cost=CHEAP), hash_password("pw", cost=CHEAP)
    assert first != second
    assert first.startswith("scrypt$1024$8$1$")
    assert verify_password("pw", second)


def test_the_default_cost_is_owasps() -> None:
    assert hash_password("pw").startswith("scrypt$32768$8$3$")


def test_malformed_hashes_match_nothing() -> None:
    for stored in (
        "",
        "plain",
        "bcrypt$1$2$3$abc$def",
        "scrypt$x$8$1$AA==$AA==",
        "scrypt$1024$8$1$!!$AA==",
    ):
        assert not verify_password("pw", stored)
