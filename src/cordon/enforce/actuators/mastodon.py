"""The Mastodon admin actuator: carries cordon's actions out through Mastodon's admin API.

This is the one module that imports Mastodon.py (house rule: one SDK, one adapter).

How cordon's ActionKind maps onto Mastodon (app/models/admin/account_action.rb, whose type
names are none, disable, sensitive, silence, suspend):

| cordon     | Mastodon                                                                          |
|------------|-----------------------------------------------------------------------------------|
| suspend    | POST /api/v1/admin/accounts/:id/action  type=suspend                              |
| restrict   | POST /api/v1/admin/accounts/:id/action  type=silence (the "limit" of Mastodon's UI) |
| reinstate  | no action type: it undoes what is in force, each with its own endpoint:           |
|            | suspended → /unsuspend, silenced → /unsilence, disabled → /enable,                |
|            | sensitized → /unsensitive (all POST /api/v1/admin/accounts/:id/...)               |
| watch      | none: an intelligence or law-enforcement hold keeps the account up; cordon's own  |
|            | store records it (InternalActuator), nothing is sent to Mastodon                  |
| preserve   | none: evidence preservation is internal                                           |
| escalate   | none: a referral to law enforcement is internal                                   |

Mastodon's `disable` (a local user cannot log in), `sensitive` (media forced behind a warning)
and `none` (a warning only) have no cordon ActionKind, so this actuator never sends them;
reinstate does undo them, since a reinstated account is back to normal.

Reports: after suspend or restrict, the Mastodon reports about the account that the caller
names (the `reports` callable, e.g. the ids of the store's reports from platform "mastodon")
are closed: the first is passed as the action's `report_id`, which links Mastodon's strike to
it, and the others are closed with POST /api/v1/admin/reports/:id/resolve. Watch, preserve,
escalate and reinstate leave reports as they are.

Idempotency: Mastodon's admin API takes no Idempotency-Key. Instead every action first reads
the account (GET /api/v1/admin/accounts/:id) and sends only what is not already in force, so
a retry of an action that went through changes nothing (and adds no second strike). Resolving
a resolved report is harmless.

Every failure (401, 403, 404, 422, 5xx, a network error) becomes one MastodonActuatorError
naming the instance, the account, the step and the HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from mastodon import Mastodon, MastodonError, MastodonNetworkError, MastodonRatelimitError

from cordon.domain import Action, ActionKind, SubjectKind
from cordon.errors import ConfigError, CordonError

if TYPE_CHECKING:
    from cordon.config import Settings

PLATFORM = "mastodon"
USER_AGENT = "cordon-mastodon-actuator/1"

# cordon action → the Admin::AccountAction type it sends, and the admin-account flag that
# shows it is already in force.
ACCOUNT_ACTION: dict[ActionKind, tuple[str, str]] = {
    ActionKind.SUSPEND: ("suspend", "suspended"),
    ActionKind.RESTRICT: ("silence", "silenced"),
}
# What reinstate undoes: the admin-account flag, and the endpoint (after /admin/accounts/:id/).
REINSTATE_STEPS: tuple[tuple[str, str], ...] = (
    ("suspended", "unsuspend"),
    ("silenced", "unsilence"),
    ("disabled", "enable"),
    ("sensitized", "unsensitive"),
)
# cordon actions with no Mastodon equivalent: recorded in cordon's own store only.
INTERNAL_ONLY: frozenset[ActionKind] = frozenset(
    {ActionKind.WATCH, ActionKind.PRESERVE, ActionKind.ESCALATE}
)


class MastodonActuatorError(CordonError):
    """A Mastodon admin call failed. `status` is the HTTP status (None on a network error);
    `retryable` says whether a later try may pass (network errors, 429, 5xx)."""

    def __init__(
        self, message: str, *, account_id: str, status: int | None, retryable: bool
    ) -> None:
        super().__init__(message)
        self.account_id = account_id
        self.status = status
        self.retryable = retryable


class MastodonActuator:
    """Applies cordon's actions to accounts on one Mastodon instance.

    api_base_url: the instance, e.g. https://mastodon.example.
    access_token: a moderator's token (scopes admin:read:accounts, admin:write:accounts,
        admin:write:reports).
    reports: given an action, the ids of the Mastodon reports about its account to close
        with it (optional).
    notify: whether Mastodon e-mails the account's owner about a suspend or restrict.
    platform: the SubjectRef platform this instance's accounts carry; actions on subjects of
        any other platform are not this actuator's and are skipped.
    """

    name = "mastodon"

    def __init__(
        self,
        api_base_url: str,
        access_token: str,
        *,
        reports: Callable[[Action], Iterable[str]] | None = None,
        notify: bool = True,
        timeout: float = 10.0,
        platform: str = PLATFORM,
    ) -> None:
        if not api_base_url.startswith(("http://", "https://")):
            raise ConfigError(f"Mastodon URL must be an http(s) URL, got {api_base_url!r}")
        if not access_token:
            raise ConfigError("Mastodon access token is empty: set CORDON_MASTODON_TOKEN")
        self.api_base_url = api_base_url.rstrip("/")
        self.platform = platform
        self._reports = reports
        self._notify = notify
        # version_check_mode="none": no GET /api/v1/instance at start, and no refusal of an
        # endpoint by version; the admin endpoints used here exist since Mastodon 2.9/3.3.
        # ratelimit_method="throw": a 429 becomes an error the caller can retry later,
        # instead of Mastodon.py sleeping inside the enforcement run.
        self._api = Mastodon(
            access_token=access_token,
            api_base_url=self.api_base_url,
            version_check_mode="none",
            ratelimit_method="throw",
            request_timeout=timeout,
            user_agent=USER_AGENT,
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, reports: Callable[[Action], Iterable[str]] | None = None
    ) -> MastodonActuator:
        if not settings.mastodon_url:
            raise ConfigError("CORDON_MASTODON_URL is not set")
        if settings.mastodon_token is None:
            raise ConfigError("CORDON_MASTODON_TOKEN is not set")
        return cls(
            settings.mastodon_url,
            settings.mastodon_token.get_secret_value(),
            reports=reports,
            timeout=settings.mastodon_timeout,
        )

    def apply(self, action: Action, idempotency_key: str | None = None) -> None:
        """Carry the action out on the instance. `idempotency_key` is accepted for the
        executor's outbox; Mastodon's admin API has none, so the state check above stands in."""
        subject = action.subject
        if subject.platform != self.platform or action.kind in INTERNAL_ONLY:
            return
        account_id = subject.id
        if subject.kind is not SubjectKind.ACCOUNT:
            raise MastodonActuatorError(
                f"Mastodon {self.api_base_url}: {action.kind.value} applies to accounts, "
                f"not to {subject}",
                account_id=account_id,
                status=None,
                retryable=False,
            )
        account = self._call(account_id, "read admin account", self._api.admin_account, account_id)
        if action.kind is ActionKind.REINSTATE:
            self._reinstate(account_id, account)
        elif action.kind in ACCOUNT_ACTION:
            self._act(action, account_id, account)
        else:  # a new ActionKind nobody mapped yet
            raise MastodonActuatorError(
                f"Mastodon {self.api_base_url}: no mapping for {action.kind.value}",
                account_id=account_id,
                status=None,
                retryable=False,
            )

    def _act(self, action: Action, account_id: str, account: Any) -> None:
        action_type, flag = ACCOUNT_ACTION[action.kind]
        report_ids = [str(r) for r in (self._reports(action) if self._reports else ())]
        pending = report_ids
        if not _flag(account, flag):
            first = report_ids[0] if report_ids else None
            self._call(
                account_id,
                f"{action_type} (admin account action)",
                self._api.admin_account_moderate,
                account_id,
                action=action_type,
                report_id=first,
                send_email_notification=self._notify,
            )
            pending = report_ids[1:]
        for report_id in pending:
            self._call(
                account_id,
                f"resolve report {report_id}",
                self._api.admin_report_resolve,
                report_id,
            )

    def _reinstate(self, account_id: str, account: Any) -> None:
        for flag, endpoint in REINSTATE_STEPS:
            if _flag(account, flag):
                method = getattr(self._api, f"admin_account_{endpoint}")
                self._call(account_id, endpoint, method, account_id)

    def _call(
        self, account_id: str, step: str, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        try:
            return fn(*args, **kwargs)
        except MastodonError as err:
            raise self._error(account_id, step, err) from err

    def _error(self, account_id: str, step: str, err: MastodonError) -> MastodonActuatorError:
        where = f"Mastodon {self.api_base_url}: {step} on account {account_id} failed"
        if isinstance(err, MastodonRatelimitError):
            return MastodonActuatorError(
                f"{where}: HTTP 429 rate limited", account_id=account_id, status=429, retryable=True
            )
        if isinstance(err, MastodonNetworkError):
            return MastodonActuatorError(
                f"{where}: {err}", account_id=account_id, status=None, retryable=True
            )
        # MastodonAPIError(message, status, reason, error) for an HTTP error response.
        args = err.args
        status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
        if status is None:
            return MastodonActuatorError(
                f"{where}: {err}", account_id=account_id, status=None, retryable=False
            )
        reason = args[2] if len(args) > 2 and args[2] else ""
        detail = args[3] if len(args) > 3 and args[3] else ""
        text = " ".join(str(p) for p in (reason, f"({detail})" if detail else "") if p)
        return MastodonActuatorError(
            f"{where}: HTTP {status}" + (f" {text}" if text else ""),
            account_id=account_id,
            status=status,
            retryable=status == 429 or status >= 500,
        )


def _flag(account: Any, name: str) -> bool:
    try:
        return bool(account[name])
    except (KeyError, TypeError):
        return False
