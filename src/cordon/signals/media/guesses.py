"""Relaxed matching for query hashes whose picture is partly a guess.

An infilled watermark bar, an undone translucent band or the deepest crop re-padding
(variants.py) puts guessed pixels where the edit hid the original's, and each guessed pixel
moves some of the hash's 256 bits. Which bits it can move is known: PDQ sets a bit by
comparing one DCT coefficient with the median of all 256, and a coefficient far from that
median (a wide margin) does not cross it when a strip at the edge changes. So such a query
is matched on two counts: the whole hash within GUESS_RADIUS bits, wider than PDQ's 31, and
at most GUESS_MAX_SURE differing bits among its SURE_BITS widest-margin bits.

The three numbers were chosen on the tuning photos of benchmarks/media_edits.py (and their
75% windows) against false matches among every unrelated image it has (34 million pairs of
query variants and listed hashes, 6 million for the guessed variants alone), then checked
once on the held-out photos (figures in docs/media.md and docs/benchmarks.md):

- The whole-hash radius does the work. Raising it to 56 for *every* variant (31 crop
  paddings included) brought the tuning photos' asymmetric crops from 62% to 90%, but let
  distinct low-detail pictures (scikit-image's LFW non-face patches) match at 48-54 bits,
  so only guessed variants get it: for them the gain stands (tuning 15% solid bars 55% ->
  91%, 5% all-round crops 47% -> 73%) and no unrelated pair came within the rule.
- The sure bits are the guard. The nearest unrelated pair within 56 bits still differed in
  29 of its query's 128 sure bits. Edited copies that the radius let in differed in a median
  8 (90% in 15 or fewer), so the guard costs about 8% of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cordon.signals.media.index import Hits, PdqIndex, parse_pdq_hex
from cordon.signals.media.pdq import bits_to_hex

__all__ = ["GUESS_MAX_SURE", "GUESS_RADIUS", "SURE_BITS", "GuessedHash", "search_guessed", "sure_mask"]

#: The whole-hash radius for a guessed query (PDQ's own threshold is 31).
GUESS_RADIUS = 56
#: How many of a guessed query's bits count as sure: those with the widest margins.
SURE_BITS = 128
#: At most this many of the sure bits may differ.
GUESS_MAX_SURE = 16


def sure_mask(margins: np.ndarray) -> str:
    """The 64-hex mask of the SURE_BITS bits with the widest margins (bit order as the hash's:
    the first hex digit's high bit is bit 0). Ties go to the lower bit, so the mask is stable."""
    margins = np.asarray(margins, dtype=np.float64)
    if margins.shape != (256,):
        raise ValueError(f"margins must have 256 values, got shape {margins.shape}")
    sure = np.zeros(256, dtype=np.uint8)
    sure[np.argsort(-margins, kind="stable")[:SURE_BITS]] = 1
    return bits_to_hex(sure)


@dataclass(frozen=True, slots=True)
class GuessedHash:
    """The hash of a query variant whose picture is partly a guess (variants.is_guess), with
    the mask of the bits it is sure of (sure_mask): looked up with the relaxed rule
    of guesses.py as well as at radius 31."""

    hex: str
    sure: str  # 64-hex mask
    variant: str  # the candidate's name, e.g. "infill-diffuse:bottom"

    def sure_distance(self, other: str) -> int:
        """How many of the sure bits differ from another 64-hex hash."""
        return ((int(self.hex, 16) ^ int(other, 16)) & int(self.sure, 16)).bit_count()


def search_guessed(index: PdqIndex, guesses: Sequence[GuessedHash], max_sure: int = GUESS_MAX_SURE) -> Hits:
    """The relaxed rule on an index: every (guess, item) within GUESS_RADIUS bits and at most
    ``max_sure`` sure bits apart, in one scan for the batch (``max_sure`` above the default
    only to measure how near the rule unrelated pairs come)."""
    if not guesses:
        return Hits.empty()
    queries = parse_pdq_hex([g.hex for g in guesses])
    return index.search_masked(queries, parse_pdq_hex([g.sure for g in guesses]), GUESS_RADIUS, max_sure)
