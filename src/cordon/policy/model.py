"""A policy as plain data: rules of conditions and effects."""

from __future__ import annotations

from dataclasses import dataclass

# What a condition may look at: the fused risk, its components, and the report count.
# media: the account's closest match on a known-media hash list (0.969 to 1 for a match);
# links: its strongest propaganda-link match (1 the listed URL, 0.9 a prefix, 0.6 a host);
# network: the probability it belongs to the network around the suspended accounts;
# evasion: the probability it is a suspended account come back.
# reports: user reports, de-duplicated and weighed by each reporter's reliability (a new
# reporter's report counts 1, a reliable one's up to 2), a brigade's discounted to 0;
# brigaded: 1 when a burst of reports from new, alike or unreliable accounts named it, else 0.
# named_target: 1 when the threat evidence behind its risk names a target the threat lexicon
# knows (employees, staff, moderators, offices, headquarters), else 0. The lexicon cannot tell
# whose staff: a threat to "the twitter employees" and to "the bank's workers" both count.
FACTS = ("risk", "threat", "extremism", "media", "links", "network", "evasion", "reports", "brigaded",
         "named_target")


@dataclass(frozen=True, slots=True)
class Condition:
    fact: str
    at_least: float | None = None
    below: float | None = None

    def holds(self, value: float) -> bool:
        if self.at_least is not None and value < self.at_least:
            return False
        return not (self.below is not None and value >= self.below)


@dataclass(frozen=True, slots=True)
class OpenCase:
    queue: str
    # Added to the risk when ordering the queue, so threats go before everything else.
    priority: float = 0.0


@dataclass(frozen=True, slots=True)
class Suspend:
    """Automatic suspension: allowed only behind high-precision conditions (see load.py)."""


@dataclass(frozen=True, slots=True)
class Escalate:
    """Open the account's case in `queue`, escalated: for the law-enforcement liaison and the
    senior moderators. It sends nothing outside: a referral to law enforcement is a person's
    call (enforce/escalation.py)."""

    queue: str = "escalations"
    priority: float = 2.0


@dataclass(frozen=True, slots=True)
class RequestWatch:
    """Ask for a watch hold: the case goes to the liaison's `queue` for a hold decision. A
    policy never places a hold itself: a hold needs a privileged person, a requesting body
    and an expiry (enforce/watch.py)."""

    queue: str = "watch"
    priority: float = 1.0


@dataclass(frozen=True, slots=True)
class PreserveEvidence:
    """Snapshot the account (enforce/evidence.py), once per case."""


Effect = OpenCase | Suspend | Escalate | RequestWatch | PreserveEvidence
#: Effects that open the account's case, and so choose its queue.
ROUTING = (OpenCase, Escalate, RequestWatch)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    when: tuple[Condition, ...]
    then: tuple[Effect, ...]
    description: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]
    source: str = ""
