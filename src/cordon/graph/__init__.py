"""The account graph: the interaction graph (build), seed expansion from known accounts to
ranked candidates with their why (expansion). Hubs, communities and returning accounts build
on the same InteractionGraph.

    graph = InteractionGraph.from_store(store)
    for c in expand(graph, seeds, method="push", top_k=1000):
        print(c.rank, c.username, round(c.score, 5), c.why)
"""

from cordon.graph.build import (
    ATTENTION,
    DEFAULT_HALF_LIVES,
    DEFAULT_WEIGHTS,
    ENDORSEMENT,
    KINDS,
    FollowsFile,
    InteractionGraph,
    NodeIndex,
    read_follows_csv,
)
from cordon.graph.expansion import (
    Candidate,
    Path,
    PowerIterationPPR,
    PushPPR,
    SeedExpander,
    expand,
)

__all__ = [
    "ATTENTION",
    "DEFAULT_HALF_LIVES",
    "DEFAULT_WEIGHTS",
    "ENDORSEMENT",
    "KINDS",
    "Candidate",
    "FollowsFile",
    "InteractionGraph",
    "NodeIndex",
    "Path",
    "PowerIterationPPR",
    "PushPPR",
    "SeedExpander",
    "expand",
    "read_follows_csv",
]
