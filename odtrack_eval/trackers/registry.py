"""Find trackers by name and build them.

Resolution order for a name (first match wins):

1. a path to a ``.toml`` definition file;
2. definition files in the folders passed explicitly (``--trackers-dir``);
3. definition files in ``$ODTRACK_EVAL_TRACKERS`` (``os.pathsep``-separated folders) and in
   ``$XDG_CONFIG_HOME/odtrack-eval/trackers`` (default ``~/.config/odtrack-eval/trackers``);
4. the ``trackers/`` folder shipped beside the package (the definitions of shipped variants);
5. the ``odtrack_eval.trackers`` entry-point group, so installed third-party packages plug in
   without touching the toolkit. An entry point names either a factory/class (built with no
   parameters) or a :class:`TrackerDefinition` object.

Factories are called as ``factory(**parameters)``; if the definition has a checkpoint the
factory also receives ``checkpoint=Path``, and factories with a parameter named ``device``
(``**kwargs`` alone does not count) receive ``device="cpu" | "cuda:K"``. A factory may return a pytracking-style
tracker (``initialize``/``track``) or a got10k-style one (``init``/``update``), which is
wrapped in :class:`~odtrack_eval.trackers.got10k_adapter.Got10kAdapter`.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from odtrack_eval.errors import FormatError, OdtrackEvalError, UnknownNameError
from odtrack_eval.trackers.definition import TrackerDefinition, load_definition

ENTRY_POINT_GROUP = "odtrack_eval.trackers"
ENV_VAR = "ODTRACK_EVAL_TRACKERS"


class TrackerBuildError(OdtrackEvalError):
    """A tracker definition was found but its implementation could not be imported or built."""


def shipped_dir() -> Path:
    """The repository's top-level ``trackers/`` folder (present in source checkouts and editable installs)."""
    return Path(__file__).resolve().parents[2] / "trackers"


def user_dirs() -> list[Path]:
    dirs = [Path(p).expanduser() for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    dirs.append(config / "odtrack-eval" / "trackers")
    return dirs


def _scan_dir(folder: Path) -> dict[str, TrackerDefinition]:
    """Map tracker name -> its definition for every ``*.toml`` in ``folder`` (not recursive)."""
    found: dict[str, TrackerDefinition] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.toml")):
        definition = load_definition(path)
        if definition.name in found:
            raise FormatError(
                path,
                f"tracker name {definition.name!r} is also defined in {found[definition.name].source}",
                None,
                "one definition file per tracker name in a folder",
            )
        found[definition.name] = definition
    return found


def _entry_points() -> dict[str, metadata.EntryPoint]:
    """The entry points of our group, looked up now (not cached: sys.path may have changed)."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


class TrackerRegistry:
    """Resolves tracker names (see module docstring for the order)."""

    def __init__(self, extra_dirs: Iterable[str | Path] = (), include_user_dirs: bool = True):
        self.dirs: list[Path] = [Path(d).expanduser() for d in extra_dirs]
        if include_user_dirs:
            self.dirs += user_dirs()
        self.dirs.append(shipped_dir())

    def definitions(self) -> dict[str, TrackerDefinition]:
        """Name -> definition for all definition files (each read once), earlier folders shadowing later ones."""
        found: dict[str, TrackerDefinition] = {}
        for folder in self.dirs:
            for name, definition in _scan_dir(folder).items():
                found.setdefault(name, definition)
        return found

    def definition_files(self) -> dict[str, Path]:
        """Name -> file for all definition files, earlier folders shadowing later ones."""
        return {name: Path(d.source) for name, d in self.definitions().items()}

    def available(self) -> dict[str, str]:
        """Name -> where it comes from (definition file or entry point), without importing anything."""
        out = {name: str(path) for name, path in self.definition_files().items()}
        for name, ep in _entry_points().items():
            out.setdefault(name, f"entry point {ep.value}")
        return dict(sorted(out.items()))

    def resolve(self, name: str) -> TrackerDefinition:
        """Return the definition for ``name`` or raise :class:`UnknownNameError` listing what exists."""
        candidate = Path(name).expanduser()
        if name.endswith(".toml"):
            if not candidate.is_file():
                raise FormatError(candidate, "file not found", expected="a tracker definition (.toml)")
            return load_definition(candidate)
        found = self.definitions()
        if name in found:
            return found[name]
        entry_points = _entry_points()
        if name in entry_points:
            return _definition_from_entry_point(entry_points[name])
        raise UnknownNameError("tracker", name, sorted({*found, *entry_points}))


def _definition_from_entry_point(ep: metadata.EntryPoint) -> TrackerDefinition:
    dist = getattr(ep, "dist", None)
    source = f"entry point {ep.name} = {ep.value}" + (f" (package {dist.name})" if dist else "")
    try:
        obj = ep.load()
    except Exception as exc:
        raise TrackerBuildError(f"tracker {ep.name!r}: cannot load {source}: {exc}") from exc
    if isinstance(obj, TrackerDefinition):
        return TrackerDefinition(**{**obj.__dict__, "name": ep.name, "source": source})
    if not callable(obj):
        raise TrackerBuildError(f"tracker {ep.name!r}: {source} is neither a factory nor a TrackerDefinition")
    return TrackerDefinition(name=ep.name, implementation=ep.value.replace(" ", ""), source=source)


def resolve_tracker(name: str, extra_dirs: Iterable[str | Path] = ()) -> TrackerDefinition:
    """Shortcut for ``TrackerRegistry(extra_dirs).resolve(name)``."""
    return TrackerRegistry(extra_dirs).resolve(name)


def _import_factory(definition: TrackerDefinition) -> Any:
    module_name, _, attr_path = definition.implementation.partition(":")
    where = f"tracker {definition.name!r} ({definition.source or 'code'})"
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise TrackerBuildError(f"{where}: cannot import {module_name!r}: {exc}") from exc
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TrackerBuildError(f"{where}: {module_name!r} has no attribute {attr_path!r}") from None
    if not callable(obj):
        raise TrackerBuildError(f"{where}: {definition.implementation!r} is not callable")
    return obj


def describe_tracker(definition: TrackerDefinition) -> list[tuple[str, str]]:
    """What the implementation says about this variant: ``(label, value)`` rows (architecture, parameter
    counts, ...), or ``[]``. A factory opts in with a ``describe`` attribute taking the definition's
    parameters; nothing is built and no checkpoint is read."""
    factory = _import_factory(definition)
    describe = getattr(factory, "describe", None)
    if not callable(describe):
        return []
    return [(str(k), str(v)) for k, v in describe(**dict(definition.parameters))]


def network_parameters(definition: TrackerDefinition) -> int | None:
    """The parameter count of the definition's network, where its factory offers ``parameter_count`` (ODTrack:
    a weightless build, the number ``trackers info`` prints); None otherwise or when it cannot be built here."""
    try:
        count = getattr(_import_factory(definition), "parameter_count", None)
        return int(count(**dict(definition.parameters))) if callable(count) else None
    except Exception:  # (torch missing, an unknown variant: the count is simply unknown)
        return None


def check_tracker_checkpoint(definition: TrackerDefinition) -> list[tuple[str, str]]:
    """Check the definition's checkpoint as building the tracker would: present and readable, and, where
    the factory offers ``check_checkpoint`` (ODTrack), its content (without building anything).
    Returns the factory's ``(label, value)`` rows; raises the tracker's own errors."""
    definition.check_checkpoint()
    if definition.checkpoint is None:
        return []
    factory = _import_factory(definition)
    check = getattr(factory, "check_checkpoint", None)
    if not callable(check):
        return []
    return [(str(k), str(v)) for k, v in check(definition.checkpoint, **dict(definition.parameters))]


def build_tracker(definition: TrackerDefinition, device: str = "cpu") -> Any:
    """Instantiate the tracker described by ``definition`` on ``device``."""
    definition.check_checkpoint()
    factory = _import_factory(definition)
    kwargs: dict[str, Any] = dict(definition.parameters)
    where = f"tracker {definition.name!r} ({definition.source or 'code'})"
    try:
        signature: inspect.Signature | None = inspect.signature(factory)
    except (TypeError, ValueError):  # builtins without a signature
        signature = None
    accepts_var_kw = signature is None or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    )
    accepted = set(signature.parameters) if signature is not None else set()
    if definition.checkpoint is not None:
        if not (accepts_var_kw or "checkpoint" in accepted):
            raise TrackerBuildError(f"{where}: has a checkpoint but {definition.implementation} takes no 'checkpoint'")
        kwargs["checkpoint"] = definition.checkpoint
    if "device" not in kwargs and "device" in accepted:  # only factories that name it (not **kwargs)
        kwargs["device"] = device
    if signature is not None:
        try:
            signature.bind(**kwargs)
        except TypeError as exc:
            valid = [n for n, p in signature.parameters.items() if p.kind is not inspect.Parameter.VAR_POSITIONAL]
            raise TrackerBuildError(
                f"{where}: parameters {sorted(kwargs)} do not fit {definition.implementation}"
                f"({', '.join(valid)}): {exc}"
            ) from None
    tracker = factory(**kwargs)
    return as_pytracking(tracker, where)


def as_pytracking(tracker: Any, where: str = "tracker") -> Any:
    """Return ``tracker`` if it follows the pytracking contract, a got10k adapter if it follows got10k's."""
    if callable(getattr(tracker, "initialize", None)) and callable(getattr(tracker, "track", None)):
        return tracker
    if callable(getattr(tracker, "init", None)) and callable(getattr(tracker, "update", None)):
        from odtrack_eval.trackers.got10k_adapter import Got10kAdapter

        return Got10kAdapter(tracker)
    raise TrackerBuildError(
        f"{where}: the factory returned {type(tracker).__name__}, which has neither initialize/track "
        "(pytracking) nor init/update (got10k) methods"
    )
