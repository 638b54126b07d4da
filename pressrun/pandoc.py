"""Running pandoc: its binary (from pypandoc-binary), and the limits, sandbox and bare
environment every call runs under (the text, a references file, the citations `check` asks
about), written once."""

from __future__ import annotations

import subprocess

from .diagnostics import fail

MEBIBYTES = 1024  # the Haskell heap pandoc may use: self-doubling @string macros stop here
SECONDS = 120
HEAP_EXHAUSTED = 251  # the exit code when the heap limit is hit


def path() -> str:
    try:
        import pypandoc
    except ImportError:
        raise fail(
            None,
            "pandoc is not installed",
            "no-pandoc",
            "run 'make build' (it installs pypandoc-binary)",
        ) from None
    return pypandoc.get_pandoc_path()


def version() -> str:
    result = subprocess.run([path(), "--version"], capture_output=True, text=True, check=True)
    return result.stdout.split()[1]


def command(*args: str) -> list[str]:
    """pandoc with `args`, within its memory limit, reading no file it is not named."""
    return [path(), "+RTS", f"-M{MEBIBYTES}m", "-RTS", "--sandbox", *args]


def environment(**variables: str) -> dict[str, str]:
    """Nothing of the user's environment: no data folder, no defaults, no proxies."""
    return {**variables, "LANG": "C.UTF-8", "HOME": "/nonexistent"}
