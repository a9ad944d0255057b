"""Fusing signals into an account's risk, with the evidence that produced it."""
