"""Every setting is documented (in the manner of datasette's tests/test_docs.py)."""

from __future__ import annotations

from pathlib import Path

from cordon.config import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_documented():
    text = DOC.read_text("utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`CORDON_{name.upper()}`" in text, f"CORDON_{name.upper()} is not in docs/configuration.md"
        assert field.description, f"Settings.{name} has no description"


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CORDON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CORDON_DATABASE_URL", raising=False)
    assert Settings().store_url == f"sqlite:///{tmp_path / 'cordon.sqlite'}"
    monkeypatch.setenv("CORDON_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().store_url == "postgresql+psycopg://u@h/db"
