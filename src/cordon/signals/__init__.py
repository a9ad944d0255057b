"""Detectors that look at a subject and return a score or a match, always with evidence."""
