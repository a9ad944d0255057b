"""Ids and timestamps that look like Twitter's in 2015, derived from time and a serial only.

Account ids grow with creation time, as Twitter's sequential user ids did, so a returner's
id is larger than its original's. Post ids are snowflakes: the creation millisecond in the
high bits, a scrambled serial in the low 22, which makes them unique and time-ordered without
leaking the order in which the generator happened to make them.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

# Twitter's user-id counter at the start of each year (approximate, public knowledge),
# as (Unix time, id). Interpolated linearly between anchors.
_USER_ID_ANCHORS = np.array(
    [
        (1_167_609_600, 1_000_000),  # 2007
        (1_199_145_600, 12_000_000),  # 2008
        (1_230_768_000, 19_000_000),  # 2009
        (1_262_304_000, 100_000_000),  # 2010
        (1_293_840_000, 230_000_000),  # 2011
        (1_325_376_000, 450_000_000),  # 2012
        (1_356_998_400, 1_100_000_000),  # 2013
        (1_388_534_400, 2_270_000_000),  # 2014
        (1_420_070_400, 2_950_000_000),  # 2015
        (1_451_606_400, 4_700_000_000),  # 2016
    ],
    dtype=np.float64,
)

TWITTER_EPOCH_MS = 1_288_834_974_657
_LOW_BITS = 22
_LOW_MASK = (1 << _LOW_BITS) - 1


def account_ids(created_sorted: np.ndarray) -> np.ndarray:
    """Strictly increasing ids for accounts sorted by creation time."""
    base = np.interp(
        created_sorted.astype(np.float64), _USER_ID_ANCHORS[:, 0], _USER_ID_ANCHORS[:, 1]
    )
    # The interpolation is non-decreasing; adding the rank makes it strictly increasing.
    return base.astype(np.int64) + np.arange(len(created_sorted), dtype=np.int64)


def _scramble(serial: int) -> int:
    """A bijection on 22 bits: odd multipliers and xor-shifts are each invertible."""
    x = (serial * 0x2C1B3B) & _LOW_MASK
    x ^= x >> 11
    x = (x * 0x1E3A5D) & _LOW_MASK
    return x ^ (x >> 9)


def post_id(ts: int, serial: int) -> str:
    """A snowflake for a post made at second `ts`, unique for every distinct serial.

    The millisecond field carries serial // 2**22, so two serials with the same low bits
    always differ in time: unique for up to 1000 * 2**22 posts."""
    ms = ts * 1000 + (serial >> _LOW_BITS)
    return str(((ms - TWITTER_EPOCH_MS) << _LOW_BITS) | _scramble(serial & _LOW_MASK))


def report_id(serial: int) -> str:
    return str(9_000_000_000 + serial)


_UTC = timezone.utc


def when(ts: int) -> datetime:
    """A Unix timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, _UTC)
