"""Dataset adapters: read each benchmark exactly as it is distributed (or as its toolkit's
annotation-only copy) into :class:`~odtrack_eval.sequence.Dataset`.

Adapters register themselves in :data:`REGISTRY` by name; modules are imported lazily so that
loading one benchmark never imports the others.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path

from odtrack_eval.errors import UnknownNameError
from odtrack_eval.sequence import Dataset


@dataclass(frozen=True)
class DatasetSpec:
    """How to load one named benchmark (split).

    ``loader`` is ``"module:function"`` relative to this package; the function is called as
    ``function(root: Path, **options) -> Dataset``. ``env_var`` names the environment variable
    that may hold the root.
    """

    name: str
    loader: str
    description: str
    env_var: str
    tag: str
    options: tuple[tuple[str, object], ...] = ()


REGISTRY: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec, *aliases: str) -> None:
    for key in (spec.name, *aliases):
        REGISTRY[key] = spec


def get_spec(name: str) -> DatasetSpec:
    try:
        return REGISTRY[name.lower()]
    except KeyError:
        raise UnknownNameError("dataset", name, sorted({s.name for s in REGISTRY.values()})) from None


def load_dataset(name: str, root: str | Path, **options: object) -> Dataset:
    """Load benchmark ``name`` from ``root`` (layout auto-detected by the adapter).

    ``sequences=[...]`` restricts to those names for every adapter: passed to adapters that can
    load a partial root, applied after loading for the others.
    """
    spec = get_spec(name)
    module_name, func_name = spec.loader.split(":")
    module = importlib.import_module(f"odtrack_eval.datasets.{module_name}")
    func = getattr(module, func_name)
    sequences = options.pop("sequences", None)
    if sequences is not None and "sequences" in inspect.signature(func).parameters:
        options["sequences"] = sequences  # the adapter loads only these (a partial root is fine)
        sequences = None
    dataset = func(Path(root).expanduser(), **{**dict(spec.options), **options})
    return dataset.select(list(sequences)) if sequences is not None else dataset


register(DatasetSpec("lasot", "lasot:load_lasot", "LaSOT test set (280 sequences)", "LASOT_ROOT", "lasot"))
register(
    DatasetSpec(
        "lasot_all",
        "lasot:load_lasot",
        "LaSOT all 1400 sequences (the MATLAB toolkit's default evaluation set)",
        "LASOT_ROOT",
        "lasot",
        (("split", "all"),),
    )
)
register(
    DatasetSpec(
        "lasot_train",
        "lasot:load_lasot",
        "LaSOT training set (1120 sequences)",
        "LASOT_ROOT",
        "lasot",
        (("split", "train"),),
    )
)
register(
    DatasetSpec(
        "lasot_ext", "lasot:load_lasot_ext", "LaSOT extension subset (150 sequences)", "LASOT_EXT_ROOT", "lasot_ext"
    ),
    "lasot-ext",
    "lasot_extension_subset",
)
register(DatasetSpec("otb100", "otb:load_otb100", "OTB-100 / OTB2015 (100 sequences)", "OTB100_ROOT", "otb"), "otb")
register(DatasetSpec("tnl2k", "tnl2k:load_tnl2k", "TNL2K test set (700 sequences)", "TNL2K_ROOT", "tnl2k"))
# TrackingNet, GOT-10k, VOT2020 and user folders (trackingnet.py, got10k.py, vot.py, folder.py).
register(
    DatasetSpec(
        "trackingnet",
        "trackingnet:load_trackingnet",
        "TrackingNet TEST (511 sequences, first box only)",
        "TRACKINGNET_ROOT",
        "trackingnet",
        (("chunks", "TEST"),),
    ),
    "trackingnet-test",
)
register(
    DatasetSpec(
        "trackingnet-train",
        "trackingnet:load_trackingnet",
        "TrackingNet TRAIN_0..11 chunks (option chunks=0,1,...; default: every chunk present)",
        "TRACKINGNET_ROOT",
        "trackingnet",
        (("chunks", "TRAIN"),),
    ),
    "trackingnet_train",
)
register(
    DatasetSpec(
        "got10k-val",
        "got10k:load_got10k",
        "GOT-10k validation (180 sequences)",
        "GOT10K_ROOT",
        "got10k",
        (("split", "val"),),
    ),
    "got10k_val",
)
register(
    DatasetSpec(
        "got10k-test",
        "got10k:load_got10k",
        "GOT-10k test (180 sequences, first box only)",
        "GOT10K_ROOT",
        "got10k",
        (("split", "test"),),
    ),
    "got10k_test",
)
register(
    DatasetSpec(
        "got10k-train",
        "got10k:load_got10k",
        "GOT-10k train (9335 sequences)",
        "GOT10K_ROOT",
        "got10k",
        (("split", "train"),),
    ),
    "got10k_train",
)
register(
    DatasetSpec(
        "vot2020", "vot:load_vot", "VOT2020 short-term (60 sequences, masks)", "VOT2020_ROOT", "vot2020"
    ),
    "vot20",
    "vot",
)
register(
    DatasetSpec(
        "folder",
        "folder:load_folder",
        "your own videos: <root>/<seq>/ frames + groundtruth.txt",
        "ODTRACK_EVAL_FOLDER_ROOT",
        "folder",
    )
)
