"""Public IDs: a type prefix and 25 base62 characters, made in one place.

The random part is 144 bits: 48 bits of millisecond time (so new rows land at the
right-hand edge of b-tree indexes) followed by 96 random bits (so IDs cannot be
guessed). Base62 digits are in ASCII order, so IDs sort by creation time.
"""

import datetime as dt
import secrets
import time

from django.db import models

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_LENGTH = 25  # 62**25 > 2**148 > 2**144
RANDOM_BITS = 96


def _encode(prefix: str, value: int) -> str:
    digits = []
    for _ in range(BODY_LENGTH):
        value, rem = divmod(value, 62)
        digits.append(ALPHABET[rem])
    return f"{prefix}_{''.join(reversed(digits))}"


def new_id(prefix: str) -> str:
    value = (time.time_ns() // 1_000_000) << RANDOM_BITS | secrets.randbits(RANDOM_BITS)
    return _encode(prefix, value)


def id_floor(prefix: str, moment: dt.datetime) -> str:
    """The smallest public ID `new_id` can make at or after `moment` (IDs sort by
    creation time, so `pk >= id_floor(...)` selects the rows made since)."""
    return _encode(prefix, int(moment.timestamp() * 1000) << RANDOM_BITS)


class _IdFactory:
    """A picklable, migration-serialisable default callable for one prefix."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self) -> str:
        return new_id(self.prefix)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _IdFactory) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


class PublicIdField(models.CharField):
    """Primary key holding a prefixed public ID such as ``cus_…``."""

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        kwargs["default"] = _IdFactory(prefix)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("default", None)
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs
