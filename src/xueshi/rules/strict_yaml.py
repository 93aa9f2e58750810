"""Strict YAML: duplicate keys are errors, and every mapping remembers the line of each key.

PyYAML silently keeps the last of two equal keys; for policy data that would hide a typo
that changes the law, so the loader composes the node tree itself and refuses duplicates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class PolicyError(ValueError):
    """Invalid policy or case data. The message names the file and the line."""

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class Mapping(dict[str, Any]):
    """A YAML mapping that knows its own line and the line of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class Sequence(list[Any]):
    """A YAML sequence that knows its own line (1-based)."""

    line: int


_constructor = yaml.SafeLoader("")


def _convert(node: yaml.Node, path: Path) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = Mapping()
        result.line = line
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, path)
            if key is None or isinstance(key, (list, dict)):
                raise PolicyError(
                    "键必须是标量 (a key must be a scalar)",
                    path=path,
                    line=key_node.start_mark.line + 1,
                )
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                raise PolicyError(
                    f"重复的键 “{key}”，首次出现在第 {result.key_lines[key]} 行 "
                    f"(duplicate key {key!r})",
                    path=path,
                    line=key_node.start_mark.line + 1,
                )
            result.key_lines[key] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        seq = Sequence(_convert(item, path) for item in node.value)
        seq.line = line
        return seq
    if isinstance(node, yaml.ScalarNode):
        try:
            return _constructor.construct_object(node, deep=True)
        except ValueError as exc:  # a timestamp that is no date (2014-02-30)
            raise PolicyError(
                f"无效的值 “{node.value}” (invalid value: {exc})", path=path, line=line
            ) from exc
    raise PolicyError(f"unsupported YAML node {node!r}", path=path, line=line)


def load_file(path: Path) -> Any:
    """Load one YAML document strictly. Aliases and tags beyond the safe set are refused."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"无法读取文件 (cannot read): {exc}", path=path) from exc
    return load_text(text, path)


def load_text(text: str, path: Path) -> Any:
    """``load_file`` for text that is not in a file (a draft kept in a database): ``path``
    is the name its errors give."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PolicyError(
            f"YAML 语法错误 (syntax error): {getattr(exc, 'problem', exc)}",
            path=path,
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    if node is None:
        return None
    return _convert(node, path)


def line_of(value: Any, key: str | None = None) -> int | None:
    """The line of a loaded mapping (or of one of its keys), when known."""
    if isinstance(value, Mapping):
        if key is not None and key in value.key_lines:
            return value.key_lines[key]
        return value.line
    if isinstance(value, Sequence):
        return value.line
    return None
