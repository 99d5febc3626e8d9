"""Safe loading of official ODTrack checkpoints (never downloads, never runs foreign code).

Official files (``lib/train/trainers/base_trainer.py::save_checkpoint``) are a dict with ``net`` (the
state dict) next to pickled training objects (``stats``, ``settings`` from ``lib.train.admin``) that do not
import outside the official repository. Loading policy:

1. ``torch.load(weights_only=True)``: torch's restricted unpickler (tensors, containers, primitives).
2. If that fails only because the file names globals outside torch's allowlist, list them statically
   (``torch.serialization.get_unsafe_globals_in_checkpoint``) and load again, still with
   ``weights_only=True``, with each such name mapped to an *inert placeholder* class: the foreign class or
   function is never imported or called; its arguments/state are just stored on the placeholder.
   Names from ``os``/``sys``/``posix``/``nt`` stay refused by torch and give a clear error.
3. Only ``net`` is used, and it must be a mapping of names to tensors.

Keys are matched strictly (the official tracker loads with ``strict=True``); a checkpoint of another
architecture is reported as such (e.g. "looks like odtrack-l384") before any key listing.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from odtrack_eval.trackers.odtrack.config import VARIANTS, OdtrackConfig
from odtrack_eval.trackers.odtrack.errors import (
    CheckpointKeysError,
    CheckpointReadError,
    CheckpointUnsafeError,
    CheckpointVariantError,
)

EXPECTED = "an ODTrack checkpoint written by torch.save: a dict whose 'net' entry is the model state dict"
_BLOCKED_MODULES = ("os", "sys", "posix", "nt")
_CONTAINER_KEYS = ("net", "state_dict", "model")
_PREFIXES = ("module.", "_orig_mod.")


def checkpoint_sha256(path: str | Path, chunk: int = 1 << 22) -> str:
    """sha256 of the checkpoint file bytes (for the run manifest)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class ForeignObject:
    """Inert stand-in for an object of a class/function that the loader refused to import.

    Whatever the pickle wanted to call it with (constructor arguments, ``__setstate__`` state) is stored
    and never interpreted. ``foreign_name`` is the ``module.qualname`` the file referred to.
    """

    foreign_name = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> ForeignObject:
        obj = object.__new__(cls)
        obj.__dict__["_args"] = args
        obj.__dict__["_kwargs"] = kwargs
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        self.__dict__["_state"] = state

    def __repr__(self) -> str:
        return f"<foreign {self.foreign_name} (not loaded)>"


def _placeholder(name: str) -> type[ForeignObject]:
    qual = re.sub(r"\W", "_", name)
    return type(f"Foreign_{qual}", (ForeignObject,), {"foreign_name": name, "__module__": __name__})


@dataclass
class RawCheckpoint:
    """What the file held: the top-level object and the foreign globals mapped to placeholders."""

    path: Path
    content: Any
    foreign_globals: list[str] = field(default_factory=list)


def read_checkpoint(path: str | Path) -> RawCheckpoint:
    """Unpickle a checkpoint safely (see module docstring); errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointReadError(path, "file not found", expected=EXPECTED)
    if path.stat().st_size == 0:
        raise CheckpointReadError(path, "file is empty", expected=EXPECTED)
    # Zip-format files (torch >= 1.6) are memory-mapped: the optimizer state of a training checkpoint
    # (about twice the weights) is then never read into memory.
    mmap = zipfile.is_zipfile(path)
    try:
        return RawCheckpoint(path, torch.load(path, map_location="cpu", weights_only=True, mmap=mmap))
    except pickle.UnpicklingError as exc:
        if "global" not in str(exc).lower() and "allowlist" not in str(exc).lower():
            raise CheckpointReadError(
                path, f"not a readable torch checkpoint ({_first_line(exc)})", expected=EXPECTED
            ) from None
    except Exception as exc:  # noqa: BLE001 - torch raises many types for corrupt files (KeyError, RuntimeError...)
        raise CheckpointReadError(
            path, f"truncated or not a torch checkpoint ({_first_line(exc)})", expected=EXPECTED
        ) from None
    # The file names globals outside torch's allowlist: map each one to an inert placeholder.
    if not mmap:
        raise CheckpointReadError(
            path,
            "legacy (pre-zip) torch file that refers to classes outside torch; the safe loader only maps "
            "such classes in zip-format files (re-save it with torch >= 1.6, or extract its 'net' entry)",
            expected=EXPECTED,
        )
    if not hasattr(torch.serialization, "get_unsafe_globals_in_checkpoint"):
        raise CheckpointReadError(
            path,
            "refers to classes outside torch; mapping them to placeholders needs torch >= 2.6 "
            f"(have {torch.__version__})",
            expected=EXPECTED,
        )
    try:
        names = sorted(set(torch.serialization.get_unsafe_globals_in_checkpoint(path)))
    except Exception as exc:  # noqa: BLE001 - any failure here means the file cannot be inspected safely
        raise CheckpointReadError(
            path, f"cannot inspect pickled globals ({_first_line(exc)})", expected=EXPECTED
        ) from None
    blocked = [n for n in names if n.split(".")[0] in _BLOCKED_MODULES]
    if blocked:
        raise CheckpointUnsafeError(
            path,
            f"refers to {', '.join(blocked)}; refusing to load a file that names system modules",
            expected=EXPECTED,
        )
    placeholders = [(_placeholder(n), n) for n in names]
    try:
        with torch.serialization.safe_globals(placeholders):
            content = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
    except Exception as exc:  # noqa: BLE001 - see above
        raise CheckpointReadError(path, f"cannot be loaded safely ({_first_line(exc)})", expected=EXPECTED) from None
    return RawCheckpoint(path, content, names)


def _first_line(exc: BaseException) -> str:
    """The cause in one line, without torch's advice to retry with ``weights_only=False`` (which would
    run whatever code the file carries: never to be suggested)."""
    text = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if text and text[0].startswith("Weights only load failed"):
        detail = [line for line in text[1:] if not line.startswith(("Please file an issue", "Check the documentation"))]
        return f"the safe loader refused it: {detail[0] if detail else 'unreadable content'}"
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def extract_state_dict(raw: RawCheckpoint) -> dict[str, torch.Tensor]:
    """The model state dict: ``content['net']`` (or ``state_dict``/``model``, or the dict itself)."""
    obj = raw.content
    if isinstance(obj, Mapping):
        for key in _CONTAINER_KEYS:
            if key in obj and isinstance(obj[key], Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj:
        raise CheckpointReadError(raw.path, f"holds {type(raw.content).__name__}, no state dict", expected=EXPECTED)
    bad = [str(k) for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise CheckpointReadError(
            raw.path, f"state dict entries that are not tensors: {', '.join(bad[:10])}", expected=EXPECTED
        )
    out = {}
    for k, v in obj.items():
        for prefix in _PREFIXES:
            if k.startswith(prefix):
                k = k[len(prefix) :]
        out[k] = v
    return out


@dataclass(frozen=True)
class Architecture:
    """What a state dict reveals about the model that wrote it."""

    embed_dim: int
    depth: int
    patch_size: int
    search_size: int
    template_size: int
    head_channels: int

    def describe(self) -> str:
        return (
            f"embed dim {self.embed_dim}, depth {self.depth}, patch {self.patch_size}, search {self.search_size}, "
            f"template {self.template_size}, head channels {self.head_channels}"
        )


def architecture_of_config(cfg: OdtrackConfig) -> Architecture:
    return Architecture(cfg.embed_dim, cfg.depth, cfg.patch_size, cfg.search_size, cfg.template_size, cfg.head_channels)


def architecture_of_state_dict(sd: Mapping[str, torch.Tensor]) -> Architecture | None:
    """Infer the architecture from sentinel keys; ``None`` if they are absent (not an ODTrack state dict)."""
    try:
        embed = sd["backbone.cls_token"].shape[-1]
        patch = sd["backbone.patch_embed.proj.weight"].shape[-1]
        n_x = sd["backbone.pos_embed_x"].shape[1]
        n_z = sd["backbone.pos_embed_z"].shape[1]
        head = sd["box_head.conv1_ctr.0.weight"].shape[0]
    except (KeyError, IndexError):
        return None
    blocks = [int(m.group(1)) for k in sd if (m := re.match(r"backbone\.blocks\.(\d+)\.", k))]
    depth = max(blocks) + 1 if blocks else 0
    return Architecture(embed, depth, patch, round(n_x**0.5) * patch, round(n_z**0.5) * patch, head)


def _shape_compatible(got: torch.Size, want: torch.Size) -> bool:
    """Equal shapes, or torch's own leniency: a 1-element 1-D tensor loads into a 0-D one.

    (``Module._load_from_state_dict`` accepts that for old checkpoints; the oracle weights store
    ``num_batches_tracked`` as shape (1,), which the official strict load therefore accepts too.)
    """
    return got == want or (len(want) == 0 and len(got) == 1 and got[0] == 1)


def variants_matching(arch: Architecture) -> list[str]:
    return [name for name, cfg in VARIANTS.items() if architecture_of_config(cfg) == arch]


@dataclass(frozen=True)
class CheckpointInfo:
    """Provenance of loaded weights, for the run manifest."""

    path: str
    sha256: str
    n_tensors: int
    foreign_globals: tuple[str, ...]
    epoch: int | None


def read_state_dict(path: str | Path, cfg: OdtrackConfig) -> tuple[dict[str, torch.Tensor], RawCheckpoint]:
    """Read the state dict of ``path`` and check that it belongs to ``cfg``'s architecture.

    Done before building the model, so a wrong file fails fast (an ODTrack-L model takes 1.2 GB).
    """
    path = Path(path)
    raw = read_checkpoint(path)
    sd = extract_state_dict(raw)
    want = architecture_of_config(cfg)
    got = architecture_of_state_dict(sd)
    if got is not None and got != want:
        like = variants_matching(got)
        like_txt = f"looks like {' / '.join(like)}" if like else "looks like no known ODTrack variant"
        raise CheckpointVariantError(
            path,
            f"checkpoint {like_txt} ({got.describe()}), but the tracker definition is {cfg.name} ({want.describe()})",
            expected=f"weights for {cfg.name}",
        )
    return sd, raw


def load_state_dict_checked(
    model: nn.Module, sd: dict[str, torch.Tensor], raw: RawCheckpoint, cfg: OdtrackConfig
) -> CheckpointInfo:
    """Strict load: every missing, unexpected or mis-shaped entry is listed in one error."""
    _check_entries(model.state_dict(), sd, raw, cfg)
    model.load_state_dict(sd, strict=True)
    return _info(raw, sd)


def _check_entries(own: Mapping[str, torch.Tensor], sd: Mapping[str, torch.Tensor], raw: RawCheckpoint,
                   cfg: OdtrackConfig) -> None:  # fmt: skip
    """Raise :class:`CheckpointKeysError` listing every missing, unexpected or mis-shaped entry."""
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    mismatched = [
        (k, tuple(sd[k].shape), tuple(own[k].shape))
        for k in own
        if k in sd and not _shape_compatible(sd[k].shape, own[k].shape)
    ]
    if missing or unexpected or mismatched:
        raise CheckpointKeysError(
            raw.path, missing, unexpected, mismatched, expected=f"the {len(own)} entries of {cfg.name}"
        )


def verify_checkpoint(path: str | Path, cfg: OdtrackConfig) -> CheckpointInfo:
    """Everything :func:`load_checkpoint` checks (safe unpickling, variant, every key and shape), against a
    model built on torch's meta device: no weights are loaded and no memory is used for the model."""
    from odtrack_eval.trackers.odtrack.model import ODTrackNet

    sd, raw = read_state_dict(path, cfg)
    with torch.device("meta"):
        model = ODTrackNet(cfg)
    _check_entries(model.state_dict(), sd, raw, cfg)
    return _info(raw, sd)


def _info(raw: RawCheckpoint, sd: Mapping[str, torch.Tensor]) -> CheckpointInfo:
    path = raw.path
    epoch = raw.content.get("epoch") if isinstance(raw.content, Mapping) else None
    return CheckpointInfo(
        str(path),
        checkpoint_sha256(path),
        len(sd),
        tuple(raw.foreign_globals),
        epoch if isinstance(epoch, int) else None,
    )


def load_checkpoint(model: nn.Module, path: str | Path, cfg: OdtrackConfig) -> CheckpointInfo:
    """Load ``path`` into ``model`` (built from ``cfg``) with strict key and shape matching."""
    sd, raw = read_state_dict(path, cfg)
    return load_state_dict_checked(model, sd, raw, cfg)
