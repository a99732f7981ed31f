"""Errors raised on bad input, with the location and the remedy spelled out.

Every problem a user can cause (a raw file that changed, a config typo, a duplicate row)
is raised as :class:`InputError` so that the message names the file, the row and the
column involved, what was expected, and what to do. Rule scripts let it propagate: the
job fails with a non-zero exit and Snakemake removes the job's declared outputs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class InputError(Exception):
    """A problem with an input file or setting, located as precisely as we can.

    Attributes
    ----------
    problem:
        What is wrong, in one sentence.
    file:
        Path of the offending file (relative to the project root when possible).
    row:
        1-based physical line (CSV) or sheet row (workbooks), when known.
    column:
        Column header, or ``'<sheet>'!<letter>`` for workbooks, when known.
    expected:
        What the reader expected to find there.
    fix:
        What the user can do about it.
    """

    problem: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    expected: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        lines = [self.problem if not where else f"{', '.join(where)}: {self.problem}"]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.fix:
            lines.append(f"  what to do: {self.fix}")
        return "\n".join(lines)


def did_you_mean(value: str, allowed: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" naming the allowed value closest to ``value``, or "" when none is close."""
    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class ConfigError(InputError):
    """A configuration value or catalogue entry is invalid."""


class InvariantError(RuntimeError):
    """A result broke a rule the code guarantees (e.g. read = kept + dropped): a bug, not bad input.

    Raised instead of ``assert``, which ``python -O`` removes. The message names the rule and
    the numbers that broke it; please report it with the job's log.
    """
