"""Reading YAML as nodes that keep their file:line:col, with small validators over them."""

from __future__ import annotations

import bisect
import datetime
import re
from pathlib import Path

import yaml

from .diagnostics import Diagnostic, Location, PressrunError, did_you_mean

MAX_FILE_BYTES = 2 * 1024 * 1024
# What YAML escapes can write and no text holds: control characters (but tab and line ends),
# lone surrogates (which cannot be encoded), noncharacters.
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Aliases may repeat a few nodes, not multiply a file: the nodes they add, at most.
MAX_REPEATED_NODES = 50_000
MAX_ALIASES = 20  # content needs few; more could expand exponentially
MAX_DEPTH = 100  # content nests a few levels; thousands would exhaust Python's stack
CORE_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}


class TooManyAliases(yaml.MarkedYAMLError):
    pass


class _NoAliasBombLoader(yaml.SafeLoader):
    """A safe loader that refuses more than a few aliases, so an alias bomb fails fast."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen = getattr(self, "aliases_seen", 0) + 1
            if self.aliases_seen > MAX_ALIASES:
                event = self.peek_event()
                raise TooManyAliases(
                    problem=f"more than {MAX_ALIASES} YAML aliases",
                    problem_mark=event.start_mark,
                )
        return super().compose_node(parent, index)


def _compose(text: str) -> tuple[yaml.Node | None, int]:
    """The document and how many aliases it has: libyaml's composer when it is there (fast);
    PyYAML's for its clearer error messages and to stop an alias bomb at its first alias too
    many."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            root = yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
        else:
            aliases = _aliases(root)
            if aliases <= MAX_ALIASES:
                return root, aliases
    root = yaml.compose(text, Loader=_NoAliasBombLoader)
    return root, _aliases(root)


def _too_deep(text: str) -> int | None:
    """The offset where flow brackets or indentation nest deeper than MAX_DEPTH, if they do;
    checked before composing, whose recursion would otherwise exhaust Python's stack."""
    depth = 0
    for match in re.finditer(r"[\[{]|[\]}]", text):
        depth += 1 if match.group(0) in "[{" else -1
        if depth > MAX_DEPTH:
            return match.start()
    return None


def _tags(root: yaml.Node | None) -> list[yaml.Node]:
    """The nodes with a YAML tag of their own (!!python/object, !custom): content has none."""
    found, seen, stack = [], set(), [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in CORE_TAGS:
            found.append(node)
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)
    return sorted(found, key=lambda n: (n.start_mark.line, n.start_mark.column))


def _aliases(root: yaml.Node | None) -> int:
    """How many times a node is used again (that is what an alias does), in one linear walk."""
    seen: set[int] = set()
    again = 0
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            again += 1
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)
    return again


def _repeated(root: yaml.Node) -> int:
    """How many nodes aliases add: the nodes of the document with every alias written out,
    less its own (counted bottom up, each node once, so an alias bomb costs nothing here)."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        children = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else [item for pair in node.value for item in pair]
            if isinstance(node, yaml.MappingNode)
            else []
        )
        if done:
            size[id(node)] = 1 + sum(size[id(child)] for child in children)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in size)
    return size[id(root)] - len(size)


def _explain(exc: yaml.MarkedYAMLError, text: str):
    """PyYAML's complaint in plain words, placed on the line that is wrong (PyYAML often
    notices a mistake lines later): (mark, message, code, hint)."""
    problem = exc.problem or "invalid YAML"
    context, opened = exc.context or "", exc.context_mark
    mark = exc.problem_mark or opened
    where = f" (opened at line {opened.line + 1}, column {opened.column + 1})" if opened else ""
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""

    def say(at, message: str, hint: str, code: str = "yaml-syntax"):
        return at, f"YAML syntax: {message}", code, hint

    if isinstance(exc, TooManyAliases):
        return say(mark, problem, "write the values out instead of using aliases", "yaml-aliases")
    if "'\\t'" in problem:
        return say(mark, "a tab in the indentation", "indent with spaces, not tabs")
    if "cannot start any token" in problem:
        return say(mark, problem, "put the text in quotes: YAML cannot start a value with @ or `")
    if "simple key" in context and "could not find expected ':'" in problem and opened:
        return say(
            opened,
            "this line is neither 'key: value' nor part of the text above it",
            "indent it as much as the text it continues (in a '>-' text every line is "
            "indented at least as much as the first), or put the text in quotes",
        )
    if "mapping values are not allowed" in problem:
        if re.fullmatch(r"\s*(- )?[\w-]+", line[: mark.column]):
            return say(
                mark,
                "this key is indented differently from the keys beside it",
                "line it up with the other keys of the same mapping",
            )
        return say(
            mark,
            "a colon followed by a space starts a key, and here it is inside a value",
            "put the text in quotes (\"…\"), or write it on the lines after '>-'",
        )
    if problem.startswith("expected <block end>"):
        return say(
            mark,
            "this line does not line up with the lines above it",
            "the items of a list ('- ') and the keys of a mapping each start in one column",
        )
    if "quoted scalar" in context:
        return say(
            opened or mark,
            f"a quote is never closed{where}",
            "close it; inside the text, write a quote twice ('') or as \\\"",
        )
    if "flow sequence" in context or "flow mapping" in context:
        bracket = "[" if "sequence" in context else "{"
        return say(
            opened or mark,
            f"a '{bracket}' is never closed{where}",
            f"close it, or put an item that holds '{bracket}', ',' or ':' in quotes",
        )
    if "undefined alias" in problem:
        return say(mark, "an alias (*name) with no anchor (&name)", "write the value out")
    return say(mark, f"{problem}{where}", "check the indentation and quoting on this line")


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml") else tag


class YamlFile:
    """One YAML file: its nodes, its text, and the diagnostics found while reading it."""

    def __init__(self, path: Path, display: str, limit: int = MAX_FILE_BYTES):
        self.path = path
        self.limit = limit
        self.display = display
        self.diagnostics: list[Diagnostic] = []
        self.text = ""
        self.root: yaml.Node | None = None
        self._line_starts: list[int] | None = None
        self._parse()

    # -- locations and messages ------------------------------------------------------------
    def where(self, node_or_mark) -> Location:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        return Location(self.display, mark.line + 1, mark.column + 1)

    def at_offset(self, offset: int) -> Location:
        if self._line_starts is None:  # found once: a long excerpt asks for every line
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return Location(self.display, line, offset - self._line_starts[line - 1] + 1)

    def error(self, where, message: str, code: str, hint: str = "") -> None:
        loc = where if isinstance(where, Location) else self.where(where)
        self.diagnostics.append(Diagnostic(loc, message, code, hint))

    def raise_errors(self) -> None:
        errors = [d for d in self.diagnostics if d.severity == "error"]
        if errors:
            raise PressrunError(errors)

    # -- parsing ---------------------------------------------------------------------------
    def _parse(self) -> None:
        here = Location(self.display, 1, 1)
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise PressrunError(
                [
                    Diagnostic(
                        Location(self.display),
                        "file not found",
                        "file-missing",
                        "create it or fix the name",
                    )
                ]
            ) from None
        if len(data) > self.limit:
            raise PressrunError(
                [
                    Diagnostic(
                        here,
                        f"file is {len(data):,} bytes, more than {self.limit:,}",
                        "file-too-big",
                        "split the content into smaller files",
                    )
                ]
            )
        try:
            self.text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.text = data[: exc.start].decode("utf-8", "replace")
            raise PressrunError(
                [
                    Diagnostic(
                        self.at_offset(len(self.text)),
                        "file is not UTF-8 text",
                        "not-utf8",
                        "save the file as UTF-8 in your editor",
                    )
                ]
            ) from None
        deep = _too_deep(self.text)
        if deep is not None:
            raise PressrunError(
                [
                    Diagnostic(
                        self.at_offset(deep),
                        f"YAML nested more than {MAX_DEPTH} levels deep",
                        "yaml-depth",
                        "content nests a few levels: look for unclosed or repeated [ or {",
                    )
                ]
            )
        try:
            self.root, aliases = _compose(self.text)
        except RecursionError:
            raise PressrunError(
                [
                    Diagnostic(
                        here,
                        "YAML nested too deeply",
                        "yaml-depth",
                        "content nests a few levels: look for deeply indented lines",
                    )
                ]
            ) from None
        except yaml.MarkedYAMLError as exc:
            mark, message, code, hint = _explain(exc, self.text)
            raise PressrunError(
                [Diagnostic(self.where(mark) if mark else here, message, code, hint)]
            ) from None
        except yaml.YAMLError as exc:
            raise PressrunError([Diagnostic(here, f"YAML: {exc}", "yaml-syntax")]) from None
        if self.root is None:
            raise PressrunError(
                [
                    Diagnostic(
                        here, "file is empty", "empty-file", "add the content, or remove the file"
                    )
                ]
            )
        if aliases and _repeated(self.root) > MAX_REPEATED_NODES:  # a walk only if needed
            raise PressrunError(
                [
                    Diagnostic(
                        here,
                        f"YAML aliases (*name) repeat more than {MAX_REPEATED_NODES:,} values "
                        "of this file",
                        "yaml-aliases",
                        "write the repeated parts out once each, or repeat fewer of them",
                    )
                ]
            )
        tagged = _tags(self.root)
        if tagged:
            raise PressrunError(
                [
                    Diagnostic(
                        self.where(node),
                        "YAML merge keys ('<<') are not allowed"
                        if node.tag.endswith(":merge")
                        else f"YAML tags are not allowed ('{_short_tag(node.tag)}')",
                        "yaml-tag",
                        "write the keys out"
                        if node.tag.endswith(":merge")
                        else "remove the tag: pressrun reads plain text, lists and mappings",
                    )
                    for node in tagged
                ]
            )

    # -- validators ------------------------------------------------------------------------
    def mapping(self, node, required=(), optional=(), what="this") -> dict[str, yaml.Node]:
        """The keys of a mapping node, checking for duplicate, unknown and missing keys."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping (key: value lines)", "wrong-type")
            return {}
        allowed = set(required) | set(optional)
        found: dict[str, yaml.Node] = {}
        first_key: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.error(key_node, "a key must be a plain name", "wrong-type")
                continue
            if key in found:
                self.error(
                    key_node,
                    f"duplicate key '{key}' (first at line "
                    f"{first_key[key].start_mark.line + 1}); YAML would keep only the last",
                    "duplicate-key",
                    "remove one of them or merge their values",
                )
                continue
            if key not in allowed:
                hint = did_you_mean(key, allowed - set(found)) or "allowed keys: " + ", ".join(
                    sorted(allowed)
                )
                self.error(key_node, f"unknown key '{key}' in {what}", "unknown-key", hint)
                continue
            found[key], first_key[key] = value_node, key_node
        for key in required:
            if key not in found:
                self.error(
                    node, f"{what} needs the key '{key}'", "missing-key", f"add a line '{key}: …'"
                )
        return found

    def sequence(self, node, what="this") -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what} must be a list (lines starting with '- ')", "wrong-type")
            return []
        return list(node.value)

    def string(self, node, what="this") -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            hint = ""
            if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
                key = getattr(node.value[0][0], "value", "")
                hint = (
                    f"the ': ' after '{key}' made it a 'key: value' pair: put the whole text "
                    "in quotes"
                )
            self.error(node, f"{what} must be text", "wrong-type", hint)
            return None
        bad = UNPRINTABLE.search(node.value)
        if bad:
            self.error(
                node,
                f"{what} holds the character U+{ord(bad.group(0)):04X}, which no text can print",
                "bad-character",
                "remove it (a YAML escape such as \\ud800 or \\x1b writes it)",
            )
            return None
        return node.value

    def strings(self, node, what="this") -> list[str]:
        return [
            s
            for s in (self.string(n, f"each item of {what}") for n in self.sequence(node, what))
            if s is not None
        ]

    def boolean(self, node, what="this") -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
            return node.value.lower() in ("true", "yes", "on")
        self.error(node, f"{what} must be true or false", "wrong-type")
        return None

    def date(self, node, what="this") -> datetime.date | None:
        text = self.string(node, what)
        if text is None:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            self.error(node, f"{what} must be a date YYYY-MM-DD, not '{text}'", "bad-date")
            return None

    def matching(self, node, pattern: str, what: str, hint: str) -> str | None:
        text = self.string(node, what)
        if text is not None and not re.fullmatch(pattern, text):
            self.error(node, f"{what} '{text}' is not valid", "bad-value", hint)
            return None
        return text
