"""Errors the CLI and the gateway turn into clear messages instead of tracebacks."""


class SupportbotError(Exception):
    """Base class for errors that carry a message meant for a person."""


class UsageError(SupportbotError):
    """Bad input from the caller: the CLI exits 2, the gateway answers 4xx."""
