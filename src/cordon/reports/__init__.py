"""Transparency figures from the moderation log, with charts, as HTML and CSV."""

from cordon.reports.transparency import TransparencyReport, build_report

__all__ = ["TransparencyReport", "build_report"]
