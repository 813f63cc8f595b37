"""Exceptions with messages meant for users.

``InputError`` is raised for anything a user typed or supplied that is wrong
(an unknown area code, a missing column, start year after end year). Its
message is one line that names the value received and what was expected; the
command line prints it without a traceback and exits with code 2, the apps show
it as a friendly notice.
"""
from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user: one-line message, exit code 2 on the command line."""

    def __init__(self, message: str):
        # One line only: a workshop projector must never show a wall of text.
        super().__init__(" ".join(str(message).split()))


class DataError(InputError):
    """A data file that is missing, broken or does not match its schema."""


def require_columns(df, cols, name: str, expected=None) -> None:
    """Raise :class:`InputError` naming the columns ``df`` lacks (the one "lacks column(s)" check).

    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"year": [2020]}), ["year", "personnel"], "panel")
    Traceback (most recent call last):
    ...
    kasvudata_utils.errors.InputError: panel lacks column(s) ['personnel']: expected ['year', 'personnel']
    """
    missing = [c for c in cols if c not in getattr(df, "columns", [])]
    if missing:
        wanted = expected if expected is not None else list(cols)
        raise InputError(f"{name} lacks column(s) {missing}: expected {wanted}")
