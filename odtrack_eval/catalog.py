"""Where each benchmark lives on this machine.

Three ways, first match wins:

1. ``--root PATH`` on the command line (the ``root`` argument);
2. the benchmark's environment variable (``DatasetSpec.env_var``, e.g. ``LASOT_ROOT``);
3. the user's catalog file: ``$ODTRACK_EVAL_CONFIG`` if set, else
   ``$XDG_CONFIG_HOME/odtrack-eval/catalog.toml`` (``~/.config/odtrack-eval/catalog.toml``),
   with a ``[datasets]`` table such as ``lasot = "/data/LaSOT"``.

In the catalog a benchmark may be named by its registry name or any alias (``got10k-val``,
``got10k_val``), or by its family — the env var without ``_ROOT`` (``got10k``,
``trackingnet``) — which then serves every split. Relative paths are relative to the catalog
file. ``datasets/catalog.toml`` in the repository is the template. The file is only ever written by
``odtrack-eval datasets import-local --write`` (:mod:`odtrack_eval.local_import`), which adds the paths of
a pytracking/OSTrack ``local.py`` without touching what is there.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from odtrack_eval.datasets import REGISTRY, DatasetSpec, get_spec
from odtrack_eval.errors import FormatError, OdtrackEvalError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_ENV = "ODTRACK_EVAL_CONFIG"


def config_path() -> Path:
    """The catalog file this process reads (it may not exist)."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "odtrack-eval" / "catalog.toml"


def _expand(value: str) -> Path:
    """``$VAR`` and ``~``/``~user`` expanded; :class:`ValueError` for what cannot be (an unknown user)."""
    try:
        return Path(os.path.expandvars(value)).expanduser()
    except RuntimeError as exc:  # pathlib: "Could not determine home directory"
        raise ValueError(str(exc)) from None


def path_problem(value: str) -> str | None:
    """Why ``value`` cannot be a catalog path (None: it can); also asked before a path is written into
    the catalog (:mod:`odtrack_eval.local_import`), so nothing is written that reading refuses."""
    if any(ord(c) < 32 for c in value):
        return "has control characters"
    expanded = os.path.expandvars(value)
    if expanded.startswith("~"):
        user = expanded[1:].split("/", 1)[0]
        if user and os.path.expanduser(f"~{user}") == f"~{user}":  # (expanduser leaves an unknown ~user as is)
            return f"no user {user!r} on this machine"
    return None


def read_config(path: Path | None = None) -> dict[str, Path | FormatError]:
    """The ``[datasets]`` table as {key (lower case): absolute path}; {} if the file is absent.

    A value that cannot be a folder path (not a string, a ``~user`` that does not exist, a control
    character) is kept as the :class:`FormatError` to raise when that key is asked for: one bad line
    must not stop the other benchmarks.
    """
    path = path or config_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if os.environ.get(CONFIG_ENV) and path == config_path():
            raise FormatError(path, f"file not found (named by ${CONFIG_ENV})") from None
        return {}
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(path, f"not valid TOML: {exc}", expected='[datasets] lasot = "/data/LaSOT"') from None
    table = doc.get("datasets", {})
    if not isinstance(table, dict):
        raise FormatError(path, "[datasets] is not a table", expected='[datasets] lasot = "/data/LaSOT"')
    out: dict[str, Path | FormatError] = {}
    for key, value in table.items():
        expected = "a folder path in quotes"
        if not isinstance(value, str):
            out[key.lower()] = FormatError(path, f"datasets.{key} = {value!r} is not a string", expected=expected)
            continue
        problem = path_problem(value)
        if problem is not None:
            out[key.lower()] = FormatError(path, f"datasets.{key} = {value!r}: {problem}", expected=expected)
            continue
        try:
            p = _expand(value)
        except ValueError as exc:
            out[key.lower()] = FormatError(path, f"datasets.{key} = {value!r}: {exc}", expected=expected)
            continue
        out[key.lower()] = p if p.is_absolute() else (path.parent / p)
    return out


def _keys(spec: DatasetSpec) -> list[str]:
    """Catalog keys that name ``spec``, most specific first."""
    keys = [spec.name.lower()]
    keys += sorted(k for k, s in REGISTRY.items() if s is spec and k != spec.name.lower())
    family = spec.env_var.lower().removesuffix("_root")
    for k in list(keys) + [family]:
        for variant in (k, k.replace("-", "_"), k.replace("_", "-")):
            if variant not in keys:
                keys.append(variant)
    return keys


@dataclass(frozen=True)
class Located:
    """Where a benchmark's root was found: ``source`` is "--root", "$VAR" or the catalog file."""

    path: Path
    source: str


def locate(name: str, root: str | Path | None = None) -> Located | None:
    """The configured root of ``name`` and where it came from, or None."""
    spec = get_spec(name)
    try:
        if root is not None:
            return Located(_expand(str(root)), "--root")
        env = os.environ.get(spec.env_var)
        if env:
            return Located(_expand(env), f"${spec.env_var}")
    except ValueError as exc:
        where = "--root" if root is not None else f"${spec.env_var}"
        raise OdtrackEvalError(f"{where} {str(root) if root is not None else env!r}: {exc}") from None
    table = read_config()
    for key in _keys(spec):
        if key in table:
            value = table[key]
            if isinstance(value, FormatError):
                raise value
            return Located(value, f"{config_path()} [datasets] {key}")
    return None


def resolve_root(name: str, root: str | Path | None = None) -> Path:
    """Root folder of benchmark ``name``; a clear error listing the three ways if none is set
    or the configured folder does not exist."""
    spec = get_spec(name)
    found = locate(name, root)
    if found is None:
        family = spec.env_var.lower().removesuffix("_root")
        raise OdtrackEvalError(
            f"no root folder configured for dataset {spec.name!r}. Give it in one of three ways:\n"
            f"  1. on the command line: --root /path/to/{spec.name}\n"
            f"  2. in the environment:  export {spec.env_var}=/path/to/{spec.name}\n"
            f'  3. in {config_path()}:  [datasets]\n     {family} = "/path/to/{spec.name}"\n'
            f"(template: datasets/catalog.toml in the odtrack-eval repository; "
            f"${CONFIG_ENV} selects another catalog file)"
        )
    if not found.path.exists():
        raise OdtrackEvalError(f"root of dataset {spec.name!r} from {found.source} does not exist: {found.path}")
    return found.path
