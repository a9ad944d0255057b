"""The knobs of the synthetic platform. Defaults give the 20,000-account demo world."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from cordon.errors import ConfigError

# Account ids, chunk sizes and role counts are only meaningful within these bounds.
MIN_ACCOUNTS = 500
MAX_ACCOUNTS = 4_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class ScenarioConfig:
    """Everything that shapes a scenario. Same config, same bytes."""

    seed: int = 7
    accounts: int = 20_000
    # The observation window: every post, report and suspension falls inside it.
    start: date = date(2015, 6, 1)
    days: int = 30
    platform: str = "scenario"

    # --- roles --------------------------------------------------------------------------------
    # The network: official media, the distribution hubs, and the supporters around them.
    officials: int = 5
    hubs: int = 16
    # Supporters' share of all accounts (originals; returning accounts come on top of them).
    supporter_share: float = 0.03
    # Of the supporters, the share that posts only a little, mostly reposts of hubs/officials.
    quiet_share: float = 0.7
    # Of the supporters (and returning accounts), the share suspended inside the window.
    suspended_share: float = 0.3
    # Of the suspended, the share that comes back under a new handle after the suspension.
    return_share: float = 0.6
    # Of the returners, the share that changes handle, name and bio at once (harder to link).
    rename_share: float = 0.2
    # Hard negatives: people who talk about the network all day without endorsing it.
    journalist_share: float = 0.002
    researcher_share: float = 0.001
    counter_speech_share: float = 0.003
    # The mass-report brigade against one journalist: fresh accounts, created within days.
    brigade_size: int = 200
    # Ordinary users who follow a hub or an official out of curiosity (realistic noise).
    curious_share: float = 0.002
    # Ordinary users suspended for reasons unrelated to the network (spam), so that
    # "suspended" alone does not mean "extremist".
    ordinary_suspended_share: float = 0.002

    # --- follow graph -------------------------------------------------------------------------
    # Topical communities, the network's, the news community and the brigade's included.
    communities: int = 30
    # Median number of accounts an account follows (lognormal around it).
    follows_median: float = 10.0
    # Chance that a follow stays inside the follower's community.
    community_affinity: float = 0.85
    # Pareto exponent of account popularity: lower means heavier-tailed in-degrees.
    popularity_exponent: float = 1.3

    # --- activity -----------------------------------------------------------------------------
    # Mean posts in the window for an ordinary account (heavy-tailed; many post nothing).
    posts_mean: float = 4.0
    # Official releases per day, across all official accounts.
    releases_per_day: float = 6.0
    # Chance that a given hub reposts a given release (within minutes).
    hub_repost_share: float = 0.85
    # Own posts per hub per day.
    hub_posts_per_day: float = 4.0
    # Of active supporters and returning accounts, the share that posts threats.
    threat_share: float = 0.2
    # Of threats, the share aimed at the platform's own employees.
    staff_threat_share: float = 0.3
    # Of threat and support posts, the share obfuscated (zero-width chars, tatweel, leetspeak).
    obfuscation_share: float = 0.15
    # Share of ordinary communities that post mainly in Arabic.
    arabic_share: float = 0.35

    # --- reports ------------------------------------------------------------------------------
    # Chance that a threat post is reported by users (1-3 reports each).
    threat_report_share: float = 0.6
    # Chance that a supporter or hub account is reported for terrorism.
    account_report_share: float = 0.15
    # False reports against ordinary users, per account.
    false_report_rate: float = 0.001

    # --- streaming ----------------------------------------------------------------------------
    # Accounts generated and written at a time; bounds memory for big worlds.
    chunk_size: int = 10_000

    def __post_init__(self) -> None:
        problems = []
        if not MIN_ACCOUNTS <= self.accounts <= MAX_ACCOUNTS:
            problems.append(
                f"accounts must be within {MIN_ACCOUNTS:,}..{MAX_ACCOUNTS:,}, got {self.accounts:,}"
            )
        if self.days < 10:
            problems.append(f"days must be at least 10, got {self.days}")
        if self.hubs < 1 or self.officials < 1:
            problems.append("hubs and officials must be at least 1")
        if self.communities < 6:
            problems.append(f"communities must be at least 6, got {self.communities}")
        if self.chunk_size < 100:
            problems.append(f"chunk_size must be at least 100, got {self.chunk_size}")
        for name in (
            "supporter_share",
            "quiet_share",
            "suspended_share",
            "return_share",
            "rename_share",
            "journalist_share",
            "researcher_share",
            "counter_speech_share",
            "curious_share",
            "ordinary_suspended_share",
            "community_affinity",
            "hub_repost_share",
            "threat_share",
            "staff_threat_share",
            "obfuscation_share",
            "arabic_share",
            "threat_report_share",
            "account_report_share",
            "false_report_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                problems.append(f"{name} must be within 0..1, got {value}")
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def start_ts(self) -> int:
        """The window's first second, as a Unix timestamp (UTC midnight of `start`)."""
        return (self.start.toordinal() - _EPOCH_ORDINAL) * 86_400

    @property
    def end_ts(self) -> int:
        """One past the window's last second."""
        return self.start_ts + self.days * 86_400

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"] = self.start.isoformat()
        return out
