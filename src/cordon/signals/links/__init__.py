"""Known propaganda links: URL normalisation, link lists and the links.propaganda signal."""

from cordon.signals.links.lists import LinkMatch, LinkMatcher, read_link_list
from cordon.signals.links.normalize import host_of, normalize_host, normalize_url
from cordon.signals.links.signal import LinkSignal

__all__ = [
    "LinkMatch",
    "LinkMatcher",
    "LinkSignal",
    "host_of",
    "normalize_host",
    "normalize_url",
    "read_link_list",
]
