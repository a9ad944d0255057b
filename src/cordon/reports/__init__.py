"""Transparency figures from the moderation log, with charts, as HTML and CSV."""

from cordon.reports.period import Period
from cordon.reports.transparency import TransparencyReport, build_report

__all__ = ["Period", "TransparencyReport", "build_report"]
