"""The Mastodon admin actuator through Mastodon.py, against a local server speaking the admin
API with bodies recorded from a real instance (../shared/data/mastodon_fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_mastodon import FIXTURE_ACCOUNT_ID, FakeMastodon

from cordon.config import Settings
from cordon.domain import Action, ActionKind, SubjectRef
from cordon.enforce.actuators.mastodon import MastodonActuator, MastodonActuatorError
from cordon.errors import ConfigError, CordonError

ACCOUNT = f"/api/v1/admin/accounts/{FIXTURE_ACCOUNT_ID}"


@pytest.fixture
def server(shared_data: Path) -> Iterator[FakeMastodon]:
    with FakeMastodon(shared_data / "mastodon_fixtures") as fake:
        fake.add_account(FIXTURE_ACCOUNT_ID)
        yield fake


def act(
    kind: ActionKind, account_id: str = FIXTURE_ACCOUNT_ID, platform: str = "mastodon"
) -> Action:
    return Action(
        kind, SubjectRef.account(platform, account_id), "policy:threat", "threat of violence"
    )


def make(server: FakeMastodon, **kwargs) -> MastodonActuator:
    kwargs.setdefault("timeout", 5.0)
    return MastodonActuator(server.url, server.token, **kwargs)


def test_suspend_sends_the_admin_account_action(server: FakeMastodon):
    make(server).apply(act(ActionKind.SUSPEND), idempotency_key="outbox-1")

    assert server.calls() == [("GET", ACCOUNT), ("POST", f"{ACCOUNT}/action")]
    action = server.requests[1]
    assert action.form == {"type": ["suspend"], "send_email_notification": ["1"]}
    for req in server.requests:  # no /api/v1/instance: the version check is off
        assert req.headers["Authorization"] == f"Bearer {server.token}"
        assert req.headers["User-Agent"].startswith("cordon")
    assert server.accounts[FIXTURE_ACCOUNT_ID]["suspended"]


def test_a_retry_of_a_done_action_sends_nothing_more(server: FakeMastodon):
    actuator = make(server)
    actuator.apply(act(ActionKind.SUSPEND), idempotency_key="outbox-1")
    actuator.apply(act(ActionKind.SUSPEND), idempotency_key="outbox-1")
    assert server.calls() == [("GET", ACCOUNT), ("POST", f"{ACCOUNT}/action"), ("GET", ACCOUNT)]


def test_restrict_is_silence_and_closes_the_reports(server: FakeMastodon):
    server.add_report("1")
    server.add_report("7")
    seen: list[Action] = []

    def reports(action: Action) -> list[str]:
        seen.append(action)
        return ["1", "7"]

    make(server, reports=reports, notify=False).apply(act(ActionKind.RESTRICT))

    assert server.calls() == [
        ("GET", ACCOUNT),
        ("POST", f"{ACCOUNT}/action"),
        ("POST", "/api/v1/admin/reports/7/resolve"),
    ]
    # the first report is linked to the action (Mastodon resolves it with the strike)
    assert server.requests[1].form == {"type": ["silence"], "report_id": ["1"]}
    assert server.accounts[FIXTURE_ACCOUNT_ID]["silenced"]
    assert server.reports == {"1": True, "7": True}
    assert seen == [act(ActionKind.RESTRICT)]


def test_reinstate_undoes_what_is_in_force(server: FakeMastodon):
    server.add_account(FIXTURE_ACCOUNT_ID, suspended=True, silenced=True, sensitized=True)
    make(server).apply(act(ActionKind.REINSTATE))
    assert server.calls() == [
        ("GET", ACCOUNT),
        ("POST", f"{ACCOUNT}/unsuspend"),
        ("POST", f"{ACCOUNT}/unsilence"),
        ("POST", f"{ACCOUNT}/unsensitive"),
    ]
    assert not any(server.accounts[FIXTURE_ACCOUNT_ID].values())


def test_reinstate_of_an_account_in_good_standing_sends_nothing(server: FakeMastodon):
    # Mastodon answers 403 to unsuspend on an account that is not suspended; never ask.
    make(server).apply(act(ActionKind.REINSTATE))
    assert server.calls() == [("GET", ACCOUNT)]


@pytest.mark.parametrize("kind", [ActionKind.WATCH, ActionKind.PRESERVE, ActionKind.ESCALATE])
def test_internal_actions_never_reach_mastodon(server: FakeMastodon, kind: ActionKind):
    make(server).apply(act(kind))
    assert server.requests == []


def test_accounts_of_other_platforms_are_not_its_business(server: FakeMastodon):
    make(server).apply(act(ActionKind.SUSPEND, "12345", platform="twitter"))
    assert server.requests == []


def test_a_post_subject_is_refused(server: FakeMastodon):
    post = Action(ActionKind.SUSPEND, SubjectRef.post("mastodon", "1"), "policy:x", "r")
    with pytest.raises(MastodonActuatorError, match="applies to accounts"):
        make(server).apply(post)
    assert server.requests == []


def test_401_names_the_account_and_the_status(server: FakeMastodon):
    actuator = MastodonActuator(server.url, "a-revoked-token", timeout=5.0)
    with pytest.raises(CordonError) as err:
        actuator.apply(act(ActionKind.SUSPEND))
    message = str(err.value)
    assert FIXTURE_ACCOUNT_ID in message and "HTTP 401" in message and server.url in message
    assert isinstance(err.value, MastodonActuatorError)
    assert err.value.status == 401 and not err.value.retryable
    assert server.requests[0].headers["Authorization"] == "Bearer a-revoked-token"


def test_404_for_an_unknown_account(server: FakeMastodon):
    with pytest.raises(MastodonActuatorError) as err:
        make(server).apply(act(ActionKind.SUSPEND, "999"))
    assert err.value.status == 404 and err.value.account_id == "999"
    assert "account 999" in str(err.value) and "HTTP 404" in str(err.value)
    assert "Record not found" in str(err.value)


def test_422_from_the_action(server: FakeMastodon):
    server.fail("POST", f"{ACCOUNT}/action", 422, {"error": "Validation failed: Type is invalid"})
    with pytest.raises(MastodonActuatorError) as err:
        make(server).apply(act(ActionKind.SUSPEND))
    assert err.value.status == 422 and not err.value.retryable
    message = str(err.value)
    assert FIXTURE_ACCOUNT_ID in message and "HTTP 422" in message and "suspend" in message
    assert "Validation failed" in message


def test_403_from_the_recorded_instance(server: FakeMastodon, shared_data: Path):
    # The real body Mastodon sent for a refused unsuspend, served for a suspended account.
    server.add_account(FIXTURE_ACCOUNT_ID, suspended=True)
    server.fail("POST", f"{ACCOUNT}/unsuspend", 403, server._forbidden)
    with pytest.raises(
        MastodonActuatorError, match="unsuspend on account .* HTTP 403.*not allowed"
    ):
        make(server).apply(act(ActionKind.REINSTATE))


def test_5xx_and_network_errors_are_retryable(server: FakeMastodon):
    server.fail("GET", ACCOUNT, 503, {"error": "busy"})
    with pytest.raises(MastodonActuatorError) as err:
        make(server).apply(act(ActionKind.SUSPEND))
    assert err.value.status == 503 and err.value.retryable

    gone = MastodonActuator("http://127.0.0.1:9", "t", timeout=2.0)
    with pytest.raises(MastodonActuatorError) as err:
        gone.apply(act(ActionKind.SUSPEND))
    assert err.value.status is None and err.value.retryable
    assert FIXTURE_ACCOUNT_ID in str(err.value)


def test_from_settings(monkeypatch: pytest.MonkeyPatch, server: FakeMastodon):
    monkeypatch.delenv("CORDON_MASTODON_URL", raising=False)
    with pytest.raises(ConfigError, match="CORDON_MASTODON_URL"):
        MastodonActuator.from_settings(Settings())
    monkeypatch.setenv("CORDON_MASTODON_URL", server.url + "/")
    monkeypatch.delenv("CORDON_MASTODON_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="CORDON_MASTODON_TOKEN"):
        MastodonActuator.from_settings(Settings())
    monkeypatch.setenv("CORDON_MASTODON_TOKEN", server.token)
    actuator = MastodonActuator.from_settings(Settings())
    assert actuator.name == "mastodon"
    actuator.apply(act(ActionKind.RESTRICT))
    assert server.accounts[FIXTURE_ACCOUNT_ID]["silenced"]
    assert server.token not in repr(Settings())
    with pytest.raises(ConfigError):
        MastodonActuator("mastodon.example", "t")
