"""Fixtures shared by the media tests: the PDQ test vectors."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def vectors(shared_data: Path) -> Path:
    """../shared/data/pdq_test_vectors (shared_data skips, or fails in CI, when it is absent)."""
    return shared_data / "pdq_test_vectors"


@pytest.fixture(scope="session")
def distinct_pictures(vectors: Path) -> dict[str, Path]:
    """One file of each distinct picture in the test vectors (copies and edits of one picture
    left out): the unrelated pairs for false-match tests."""
    return {
        "bridge": vectors / "bridge-mods" / "aaa-orig.jpg",
        "exif": vectors / "reg-test-input" / "exif-rotn" / "exif-rotn-1.jpg",
        "coaster": vectors / "misc-images" / "c.png",
        "wee": vectors / "misc-images" / "wee.jpg",
        "rgb": vectors / "pytx-resources" / "rgb.jpeg",
        "la": vectors / "pytx-resources" / "LA.png",
        **{
            n: vectors / "reg-test-input" / "labelme-subset" / f"{n}.jpg"
            for n in ("q0122", "q0291", "q0746", "q1050", "q2821")
        },
    }
