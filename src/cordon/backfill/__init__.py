"""Backfills on a Dask cluster: re-score the stored history with a new (or the default) text
model, and backtest a policy over it, split by account across workers, with a checkpoint to
resume a run cut short. docs/backfill.md has the production deployment.

    models = load_models(Path("models/"))
    checkpoint = Checkpoint.start(checkpoint_dir(data_dir), "rescore", 64, run_params(url, models))
    with Cluster(workers=4) as cluster:
        result = rescore(url, cluster, models, checkpoint)
"""

from cordon.backfill.backtest import backtest_history, merge
from cordon.backfill.checkpoint import Checkpoint, checkpoint_dir
from cordon.backfill.cluster import Cluster
from cordon.backfill.models import TextModels, load_models
from cordon.backfill.partition import partition_of, split
from cordon.backfill.rescore import PartitionDone, RescoreResult, rescore, run_params

__all__ = [
    "Checkpoint",
    "Cluster",
    "PartitionDone",
    "RescoreResult",
    "TextModels",
    "backtest_history",
    "checkpoint_dir",
    "load_models",
    "merge",
    "partition_of",
    "rescore",
    "run_params",
    "split",
]
