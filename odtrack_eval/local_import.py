"""Import dataset paths from a pytracking / OSTrack / ODTrack ``local.py`` into the user catalog.

Users of those code bases keep their paths in ``lib/test/evaluation/local.py`` (``settings.lasot_path =
'/data/LaSOT'``, ...). This reads such a file **without running it** (it is parsed with :mod:`ast`;
importing it would execute arbitrary code and pull in the tracker's package) and maps the attributes it
knows to catalog keys. Values may be string literals, ``+`` concatenations, f-strings, ``os.path.join``
calls and references to attributes set earlier in the file (``settings.prj_dir``); anything else is
reported and skipped, never guessed.

:func:`merge_into_catalog` adds the keys to the catalog file (:mod:`odtrack_eval.catalog`) as text
inserted under its ``[datasets]`` header, so comments and existing keys stay as they are; keys that
are already set are left alone. The file is re-parsed before it replaces the old one (atomically).
"""

from __future__ import annotations

import ast
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from odtrack_eval.catalog import path_problem
from odtrack_eval.errors import FormatError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: local.py attribute -> catalog key (pytracking/OSTrack/ODTrack test-side names; each is the folder the
#: respective dataset class reads, which is also what our adapters take as root).
ATTRIBUTES = {
    "lasot_path": "lasot",
    "lasot_extension_subset_path": "lasot_ext",
    "got10k_path": "got10k",  # the folder holding train/ val/ test/: serves every GOT-10k split
    "trackingnet_path": "trackingnet",  # the folder holding TEST/ and TRAIN_*/
    "tnl2k_path": "tnl2k",
    "otb_path": "otb100",
    "vot20_path": "vot2020",
    "vot2020_path": "vot2020",
}

#: Attributes that name something we know but do not import, and why.
NOT_IMPORTED = {
    "vot_path": "pytracking's VOT2018 folder (odtrack-eval reads VOT2020 only)",
    "vot18_path": "VOT2018 (odtrack-eval reads VOT2020 only)",
    "vot22_path": "VOT2022 (odtrack-eval reads VOT2020 only)",
    "results_path": "tracking results, not a dataset: pass it as --results",
}


@dataclass(frozen=True)
class Entry:
    """One imported path: catalog key, value, and where it came from."""

    key: str
    path: str
    attribute: str
    line: int


@dataclass
class LocalImport:
    source: Path
    entries: list[Entry] = field(default_factory=list)
    #: (line, attribute, reason) for every path-like attribute that was not imported.
    skipped: list[tuple[int, str, str]] = field(default_factory=list)


class _Unsupported(Exception):
    pass


#: Bounds of what is evaluated: real local.py files are a few kB with short paths and shallow
#: expressions; a hostile one (40 doublings of a string, 100,000 chained ``+``) must fail clearly.
MAX_FILE_BYTES = 1 << 20
MAX_VALUE_CHARS = 4096
MAX_DEPTH = 64


def _attribute_name(target: ast.expr) -> str | None:
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Name):
        return target.id
    return None


def _evaluate(node: ast.expr, known: dict[str, str], depth: int = 0) -> str:
    """A string from a literal / concatenation / f-string / os.path.join / earlier attribute, at most
    :data:`MAX_VALUE_CHARS` long and :data:`MAX_DEPTH` expressions deep."""
    if depth > MAX_DEPTH:
        raise _Unsupported("nested too deeply")
    value = _evaluate_node(node, known, depth)
    if len(value) > MAX_VALUE_CHARS:
        raise _Unsupported(f"longer than {MAX_VALUE_CHARS} characters")
    return value


def _evaluate_node(node: ast.expr, known: dict[str, str], depth: int) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _evaluate(node.left, known, depth + 1) + _evaluate(node.right, known, depth + 1)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                if value.format_spec is not None or value.conversion not in (-1, 115):  # only {x} / {x!s}
                    raise _Unsupported
                parts.append(_evaluate(value.value, known, depth + 1))
            else:
                parts.append(_evaluate(value, known, depth + 1))
        return "".join(parts)
    if isinstance(node, ast.Call) and not node.keywords:
        func = ast.unparse(node.func)
        if func in ("os.path.join", "path.join", "join", "osp.join"):
            return os.path.join(*(_evaluate(a, known, depth + 1) for a in node.args))
        if func in ("str", "Path", "pathlib.Path") and len(node.args) == 1:
            return _evaluate(node.args[0], known, depth + 1)
    name = _attribute_name(node)
    if name is not None and name in known:
        return known[name]
    raise _Unsupported


def _absolute(value: str) -> bool:
    """Absolute on this system, ``~``-rooted, or a Windows drive path (kept as written)."""
    return os.path.isabs(value) or value.startswith("~") or (len(value) > 2 and value[1] == ":")


def read_local_py(path: str | Path) -> LocalImport:
    """The dataset paths set in a ``local.py`` (never executed); see the module docstring."""
    path = Path(path)
    expected = "a pytracking/OSTrack local.py"
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FormatError(path, f"larger than {MAX_FILE_BYTES >> 20} MB", expected=expected)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatError(path, "file not found", expected=expected) from None
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"not UTF-8 text ({exc.reason})", expected="a Python file") from None
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise FormatError(path, f"not valid Python: {exc.msg}", exc.lineno, expected) from None
    except (RecursionError, MemoryError):
        raise FormatError(path, "nested too deeply to read", expected=expected) from None
    out = LocalImport(path)
    known: dict[str, str] = {}
    assigns = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Assign | ast.AnnAssign) and n.value is not None),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in assigns:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            name = _attribute_name(target)
            if name is None:
                continue
            interesting = name in ATTRIBUTES or name in NOT_IMPORTED or name.endswith(("_path", "_dir"))
            try:
                value = _evaluate(node.value, known)  # type: ignore[arg-type]
            except (_Unsupported, RecursionError) as exc:
                if interesting:
                    why = str(exc) if isinstance(exc, _Unsupported) and exc.args else "not a plain path"
                    out.skipped.append((node.lineno, name, f"{why}: {_short(ast.unparse(node.value))}"))
                known.pop(name, None)
                continue
            known[name] = value
            if name in ATTRIBUTES:
                problem = path_problem(value)
                if problem is not None:
                    out.skipped.append((node.lineno, name, problem))
                elif value.strip() and not _absolute(value):
                    reason = "relative path (relative to wherever the tracker ran): make it absolute"
                    out.skipped.append((node.lineno, name, reason))
                elif value.strip():
                    out.entries = [e for e in out.entries if e.attribute != name]  # a later line wins
                    out.entries.append(Entry(ATTRIBUTES[name], value, name, node.lineno))
                else:
                    out.skipped.append((node.lineno, name, "empty (not set)"))
            elif name in NOT_IMPORTED and value.strip():
                out.skipped.append((node.lineno, name, NOT_IMPORTED[name]))
            elif name.endswith("_lmdb_path") and value.strip():
                out.skipped.append((node.lineno, name, "LMDB packs are not read by odtrack-eval"))
    return out


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _comment_safe(text: str) -> str:
    """``text`` for a TOML comment: control characters (a newline would end the comment) escaped."""
    return "".join(c if ord(c) >= 32 and c != "\x7f" else repr(c)[1:-1] for c in text)


def toml_string(value: str) -> str:
    """``value`` as a TOML string: a literal string when possible (Windows backslashes stay readable)."""
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def catalog_lines(found: LocalImport) -> list[str]:
    """``key = 'path'  # from local.py:N (attribute)`` lines for the ``[datasets]`` table."""
    return [
        f"{e.key} = {toml_string(e.path)}  # from {_comment_safe(found.source.name)}:{e.line} ({e.attribute})"
        for e in found.entries
    ]


def merge_into_catalog(catalog: Path, found: LocalImport) -> tuple[list[Entry], list[Entry]]:
    """Add the entries whose keys ``catalog`` does not set yet; return (added, already set)."""
    catalog = Path(catalog)
    text = catalog.read_text(encoding="utf-8") if catalog.is_file() else ""
    try:
        current = tomllib.loads(text).get("datasets", {}) if text else {}
    except tomllib.TOMLDecodeError as exc:
        raise FormatError(catalog, f"not valid TOML: {exc}", expected='[datasets] lasot = "/data/LaSOT"') from None
    present = {k.lower() for k in current}
    added = [e for e in found.entries if e.key not in present]
    kept = [e for e in found.entries if e.key in present]
    if not added:
        return added, kept
    block = "".join(line + "\n" for line in catalog_lines(LocalImport(found.source, added)))
    lines = text.splitlines(keepends=True)
    header = next((i for i, line in enumerate(lines) if line.strip() == "[datasets]"), None)
    if header is not None:
        lines.insert(header + 1, block)
        new_text = "".join(lines)
    else:
        intro = "" if text else "# odtrack-eval dataset catalog (see datasets/catalog.toml in the repository)\n"
        new_text = text + ("\n" if text and not text.endswith("\n") else "") + intro + "[datasets]\n" + block
    try:
        tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - defensive: never write a broken catalog
        raise FormatError(catalog, f"merging would make it invalid TOML ({exc}); nothing written") from None
    catalog.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=catalog.parent, prefix=".catalog-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(new_text)
        os.replace(tmp, catalog)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return added, kept
