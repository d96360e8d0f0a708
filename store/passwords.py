"""Password hashing with scrypt (standard library), parameters stored with each hash.

N=2^15, r=8, p=3 is one of OWASP's recommended scrypt settings (32 MiB, a
tenth of a second here). A stored hash names its own parameters, so raising
them later leaves existing hashes verifiable.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "scrypt"
SALT_BYTES = 16
KEY_BYTES = 32


@dataclass(frozen=True)
class ScryptCost:
    n: int = 2**15
    r: int = 8
    p: int = 3

    @property
    def max_memory(self) -> int:
        return 2 * 128 * self.r * self.n * self.p + 1024 * 1024


DEFAULT_COST = ScryptCost()


def _derive(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        maxmem=cost.max_memory,
        dklen=KEY_BYTES,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, cost: ScryptCost = DEFAULT_COST) -> str:
    """``scrypt$n$r$p$salt$key``, both base64."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, cost)
    return f"{SCHEME}${cost.n}${cost.r}${cost.p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether the password matches; a malformed stored hash matches nothing."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        cost = ScryptCost(int(n), int(r), int(p))
        expected = base64.b64decode(key, validate=True)
        salt_bytes = base64.b64decode(salt, validate=True)
    except ValueError:
        return False
    if scheme != SCHEME:
        return False
    return hmac.compare_digest(_derive(password, salt_bytes, cost), expected)


@functools.cache
def dummy_hash() -> str:
    """Verified against when a login names no user, so that takes as long as a wrong password."""
    return hash_password("")
