"""How a backfill splits the platform: by account, on a stable hash of its platform and id.

Every post of an account lands in the account's partition, so a partition is scored with no
data from any other. The hash is blake2b (never Python's hash(), which changes with each
process), so a resumed run and every worker agree on which partition an account is in."""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import blake2b

from cordon.domain import SubjectRef
from cordon.errors import ConfigError

#: Partitions at most: a partition costs a task and a checkpoint line, and beyond this they
#: are too small to pay for either.
MAX_PARTITIONS = 100_000


def check_partitions(n: int) -> int:
    if not isinstance(n, int) or not 1 <= n <= MAX_PARTITIONS:
        raise ConfigError(f"partitions must be between 1 and {MAX_PARTITIONS:,}, not {n!r}")
    return n


def partition_of(account: SubjectRef, partitions: int) -> int:
    """The partition (0 to partitions-1) that `account` belongs to."""
    digest = blake2b(f"{account.platform}\x1f{account.id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


def split(accounts: Iterable[SubjectRef], partitions: int) -> list[list[SubjectRef]]:
    """The accounts of each partition, in the order given (each account once)."""
    out: list[list[SubjectRef]] = [[] for _ in range(check_partitions(partitions))]
    for account in dict.fromkeys(accounts):
        out[partition_of(account, partitions)].append(account)
    return out
