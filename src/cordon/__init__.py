"""cordon: find, review and cut off a violent extremist network on a social platform."""

__version__ = "0.1.0"
