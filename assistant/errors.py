"""The errors the assistant raises on purpose, under one base.

Each keeps the built-in base it always had (a bad source is still a ``ValueError``,
a damaged index still a ``RuntimeError``), so existing ``except`` clauses keep
working; new callers catch :class:`AssistantError` and let library bugs through.
"""

from __future__ import annotations

from pathlib import PurePath


class AssistantError(Exception):
    """Base of every error the assistant raises about its input, sources or index;
    the message is one line meant for the user."""


class SourceError(AssistantError, ValueError):
    """An article source that cannot be read; the message says why."""


class InvalidRequest(AssistantError, ValueError):
    """A value the assistant cannot take (``k`` out of range, …)."""


class InvalidType(AssistantError, TypeError):
    """An argument of the wrong type (a question that is not a str, …)."""


class ModelUnavailable(AssistantError, OSError):
    """A model the settings name that cannot be loaded here (not installed, and the
    hub is out of reach)."""


def source_line(source: str, message: str) -> str:
    """``<source>: <message>``, without naming the file twice when the message
    already starts with its name ("article.html: no such file")."""
    return f"{source}: {bare_message(source, message)}"


def bare_message(source: str, message: str) -> str:
    """``message`` without the name of ``source`` it may start with."""
    name = PurePath(source).name
    return message[len(name) + 2:] if name and message.startswith(f"{name}: ") else message
