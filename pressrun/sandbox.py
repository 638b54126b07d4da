"""The one way every template renders, the project's own and those inside an edition from
elsewhere: Jinja2's immutable sandbox, narrowed further. A template reads the data it is given
(the model's fields, text, numbers, dates, lists and mappings) and calls the few methods made
for it; it reaches nothing else: no path, no file, no module, no internals.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    import jinja2

# Plain values a template may use freely (the sandbox still guards their methods).
PLAIN = (str, int, float, bool, type(None), list, tuple, dict, datetime.date, Markup)
# The model classes templates may read: class -> its readable fields and methods. Kept apart
# from Jinja2, so that the model is declared without importing it (a no-op build does not).
READABLE: dict[type, frozenset[str]] = {}


# The largest string or list a template may make by repetition, and the largest power.
MAX_REPEATED = 1_000_000
MAX_EXPONENT = 64


@functools.cache
def _environment_class() -> type:
    from jinja2.environment import TemplateModule
    from jinja2.runtime import LoopContext
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

    class Sandbox(ImmutableSandboxedEnvironment):
        """Attributes are allowed by type: the fields (and listed methods) of the model
        classes registered in `readable`, anything of plain values, nothing of any other
        object. `*` and `**` cannot make values of gigabytes."""

        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context, operator, left, right):
            if operator == "*":
                sized, count = (left, right) if isinstance(right, int) else (right, left)
                if (
                    isinstance(sized, str | list | tuple)
                    and isinstance(count, int)
                    and len(sized) * max(count, 0) > MAX_REPEATED
                ):
                    raise SecurityError(f"repetition longer than {MAX_REPEATED:,}")
            if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"power larger than {MAX_EXPONENT}")
            return super().call_binop(context, operator, left, right)

        def is_safe_attribute(self, obj, attr: str, value) -> bool:
            if not super().is_safe_attribute(obj, attr, value):
                return False
            # The macros of an imported template; a for loop's counters (loop.index, .last).
            if isinstance(obj, TemplateModule | LoopContext):
                return True
            allowed = READABLE.get(type(obj))
            if allowed is not None:
                return attr in allowed
            return isinstance(obj, PLAIN)

    return Sandbox


def readable(cls: type, *methods: str) -> type:
    """Let templates read the fields and class constants of the dataclass `cls`, and call
    `methods` of it."""
    fields = {f.name for f in dataclasses.fields(cls)}
    constants = {
        name
        for klass in cls.__mro__
        for name, value in vars(klass).items()
        if not name.startswith("_")
        and not callable(value)
        and not isinstance(value, property | functools.cached_property)
    }
    READABLE[cls] = frozenset(fields | constants | set(methods))
    return cls


def sandbox(loader: jinja2.BaseLoader, cache: Path | None = None) -> jinja2.Environment:
    """An environment: sandboxed, autoescaped, an undefined name an error; compiled templates
    kept in `cache` (a folder of their own: code compiled outside the sandbox is not safe in
    it)."""
    import jinja2

    return _environment_class()(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(str(cache)) if cache else None,
    )


def _bytecode_cache(directory: str) -> jinja2.BytecodeCache:
    """Compiled templates kept on disk; a cache that cannot be written (a read-only output/,
    a full disk) only costs the compile next time."""
    import jinja2

    class Cache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket) -> None:
            with contextlib.suppress(OSError):
                super().load_bytecode(bucket)

        def dump_bytecode(self, bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    with contextlib.suppress(OSError):
        Path(directory).mkdir(parents=True, exist_ok=True)
    return Cache(directory)
