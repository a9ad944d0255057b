"""Text signals: violent threats and extremist support."""
