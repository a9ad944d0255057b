"""The actuators the settings ask for: cordon's own store always, and each platform adapter
whose settings are present.

A half-configured adapter is an error, not a quiet omission: an operator who set a webhook URL
expects suspensions to reach the platform, and a run that silently enforced only in cordon's
own store would leave the accounts up there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pydantic import SecretStr

from cordon.domain import Action
from cordon.enforce.actuators.base import Actuator
from cordon.enforce.actuators.internal import InternalActuator
from cordon.enforce.actuators.webhook import WebhookActuator
from cordon.errors import ConfigError
from cordon.store import Store

if TYPE_CHECKING:
    from cordon.config import Settings


def configured_actuators(store: Store, settings: Settings) -> list[Actuator]:
    """InternalActuator first, then a WebhookActuator when CORDON_WEBHOOK_URL is set, then a
    MastodonActuator when CORDON_MASTODON_URL is set. Raises ConfigError when a URL is set
    without the secret or token it needs, or is not an http(s) URL."""
    actuators: list[Actuator] = [InternalActuator(store)]
    if settings.webhook_url:
        if not _secret(settings.webhook_secret):
            raise ConfigError(
                "CORDON_WEBHOOK_URL is set but CORDON_WEBHOOK_SECRET is not: every webhook is "
                "signed, so set the secret shared with the receiver (or unset the URL)"
            )
        actuators.append(WebhookActuator.from_settings(settings))
    if settings.mastodon_url:
        if not _secret(settings.mastodon_token):
            raise ConfigError(
                "CORDON_MASTODON_URL is set but CORDON_MASTODON_TOKEN is not: set a moderator's "
                "access token (or unset the URL)"
            )
        # Imported here: Mastodon.py is only loaded where a Mastodon instance is configured.
        from cordon.enforce.actuators.mastodon import PLATFORM, MastodonActuator

        actuators.append(MastodonActuator.from_settings(settings, reports=stored_reports(store, PLATFORM)))
    return actuators


def stored_reports(store: Store, platform: str) -> Callable[[Action], Iterator[str]]:
    """The ids of the stored user reports from `platform` about an action's subject: the
    reports the Mastodon actuator resolves along with a suspension."""

    def reports(action: Action) -> Iterator[str]:
        return (r.id for r in store.reports(action.subject) if r.platform == platform)

    return reports


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""
