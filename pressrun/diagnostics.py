"""Where things are and what went wrong: locations, diagnostics and the one user-error type."""

from __future__ import annotations

import difflib
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Location:
    """A place in a source file; line and column count from 1."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return visible(self.file)
        return f"{visible(self.file)}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One message for the user: where, how bad, a stable code, what is wrong, how to fix it."""

    where: Location | None
    message: str
    code: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        head = f"{self.where}: " if self.where else ""
        text = f"{head}{self.severity}: {visible(self.message)} [{self.code}]"
        return f"{text}\n  hint: {visible(self.hint)}" if self.hint else text


@dataclass
class PressrunError(Exception):
    """A user error: bad content, a missing tool or file. The CLI prints it; no traceback."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


class UsageProblem(PressrunError):
    """A mistake in the command line (an unknown publication, format or language named in
    it): the CLI shows it as a usage error, exit code 2."""


def usage(message: str, code: str, hint: str = "") -> UsageProblem:
    return UsageProblem([Diagnostic(None, message, code, hint)])


def fail(where: Location | None, message: str, code: str, hint: str = "") -> PressrunError:
    """Build a user error holding a single diagnostic (to be raised by the caller)."""
    return PressrunError([Diagnostic(where, message, code, hint)])


# Control and format characters (escapes that retitle or clear a terminal, a right-to-left
# override that reorders a line, a newline that forges a message): shown as codes.
HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co"}


def visible(text: str) -> str:
    """Text as a terminal shows it harmlessly: each control or format character as its code."""
    if text.isprintable():
        return text
    return "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char) in HIDDEN else char for char in text
    )


def shortened(text: str, limit: int = 80) -> str:
    """Text as a message may quote it: cut at `limit` characters (a message never carries a
    whole file, address or value of someone else's)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def did_you_mean(word: str, choices) -> str:
    """A hint naming the closest choices, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


class Warnings:
    """The run's one sink for warnings, passed down to every stage: it counts them and shows
    each once (`show` is where: stderr, or above a progress bar); with --strict the first
    one stops the run as an error."""

    def __init__(self, strict: bool):
        self.strict = strict
        self.count = 0
        self.show: Callable[[str], object] = lambda text: print(text, file=sys.stderr)

    def __call__(self, diagnostic: Diagnostic) -> None:
        if self.strict:
            raise PressrunError([replace(diagnostic, severity="error")])
        self.count += 1
        self.show(str(diagnostic))
