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

from odtrack_eval.backend import Backend, choose_backend
from odtrack_eval.errors import UnknownNameError
from odtrack_eval.sequence import Dataset
from odtrack_eval.store import StoreOption, resolve_store
from odtrack_eval.system import gc_paused
from odtrack_eval.textio import ParseMemo, annotation_memo


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
    #: About how many MB of annotation text a full load parses (measured on the real files; None:
    #: unknown). Only picks the parser of a first load: the compiled one pays off from a few MB.
    annotation_mb: float | None = None
    #: How many sequences a full load has (None: it varies, e.g. with the chunks present).
    num_sequences: int | None = None
    #: The shipped list of its sequence names, (data folder, file[, CSV column]): what ``inspect``
    #: matches files against when no dataset root is given (None: no list).
    name_list: tuple[str, ...] | None = None

    def annotation_bytes(self, selected: int | None) -> int | None:
        """Estimated annotation bytes of a load of ``selected`` sequences (None: all)."""
        if self.annotation_mb is None:
            return None
        full = int(self.annotation_mb * (1 << 20))
        if selected is None or self.num_sequences is None:
            return full
        return full * min(selected, self.num_sequences) // self.num_sequences

    def official_names(self) -> list[str] | None:
        """The sequence names of :attr:`name_list`, in the list's order (None without one)."""
        if self.name_list is None:
            return None
        from odtrack_eval.datasets.names import read_list

        return read_list(*self.name_list)


REGISTRY: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec, *aliases: str) -> None:
    for key in (spec.name, *aliases):
        REGISTRY[key] = spec


def get_spec(name: str) -> DatasetSpec:
    try:
        return REGISTRY[name.lower()]
    except KeyError:
        raise UnknownNameError("dataset", name, sorted({s.name for s in REGISTRY.values()})) from None


def load_dataset(
    name: str, root: str | Path, *, cache: StoreOption = True, backend: Backend | None = None, **options: object
) -> Dataset:
    """Load benchmark ``name`` from ``root`` (layout auto-detected by the adapter).

    ``sequences=[...]`` restricts to those names for every adapter: passed to adapters that can
    load a partial root, applied after loading for the others. ``cache``: parsed annotation tables
    are kept in the store by the content of each file (:class:`~odtrack_eval.textio.ParseMemo`), so a
    second load parses nothing; False turns that off. ``backend``: the parser of files not in the
    memo (None: by the benchmark's annotation size).
    """
    spec = get_spec(name)
    module_name, func_name = spec.loader.split(":")
    module = importlib.import_module(f"odtrack_eval.datasets.{module_name}")
    func = getattr(module, func_name)
    sequences = options.pop("sequences", None)
    if sequences is not None:
        sequences = [sequences] if isinstance(sequences, str) else list(sequences)  # (an iterator is read once)
    if sequences is not None and "sequences" in inspect.signature(func).parameters:
        options["sequences"] = sequences  # the adapter loads only these (a partial root is fine)
        sequences = None
    root = Path(root).expanduser()
    kwargs = {**dict(spec.options), **options}
    if backend is None:
        wanted = options.get("sequences", sequences)
        backend = choose_backend(spec.annotation_bytes(None if wanted is None else len(wanted)))
    store = resolve_store(cache)
    with gc_paused():  # (tens of thousands of objects, all kept: ~10 ms of collections saved)
        memo = None
        if store is not None:
            namespace = f"{spec.name}\0{_resolved(root)}\0{sorted(kwargs.items())!r}"
            memo = ParseMemo(store, namespace, backend)
        with annotation_memo(memo):
            dataset = func(root, **kwargs)
    return dataset.select(list(sequences)) if sequences is not None else dataset


def _resolved(root: Path) -> str:
    try:
        return str(root.resolve())
    except OSError:
        return str(root.absolute())


register(DatasetSpec("lasot", "lasot:load_lasot", "LaSOT test set (280 sequences)", "LASOT_ROOT", "lasot",
                     annotation_mb=12, num_sequences=280, name_list=("lasot", "testing_set.txt")))  # fmt: skip
register(
    DatasetSpec(
        "lasot_all",
        "lasot:load_lasot",
        "LaSOT all 1400 sequences (the MATLAB toolkit's default evaluation set)",
        "LASOT_ROOT",
        "lasot",
        (("split", "all"),),
        annotation_mb=60, num_sequences=1400, name_list=("lasot", "all_dataset.txt"),
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
        annotation_mb=48, num_sequences=1120, name_list=("lasot", "training_set.txt"),
    )
)
register(
    DatasetSpec(
        "lasot_ext", "lasot:load_lasot_ext", "LaSOT extension subset (150 sequences)", "LASOT_EXT_ROOT", "lasot_ext",
        annotation_mb=6, num_sequences=150, name_list=("lasot_ext", "sequence_list.txt"),
    ),
    "lasot-ext",
    "lasot_extension_subset",
)
register(DatasetSpec("otb100", "otb:load_otb100", "OTB-100 / OTB2015 (100 sequences)", "OTB100_ROOT", "otb",
                     annotation_mb=0.8, num_sequences=100,
                     name_list=("otb100", "sequences.csv", "name")), "otb")  # fmt: skip
register(DatasetSpec("tnl2k", "tnl2k:load_tnl2k", "TNL2K test set (700 sequences)", "TNL2K_ROOT", "tnl2k",
                     annotation_mb=8.6, num_sequences=700, name_list=("tnl2k", "testing_set.txt")))  # fmt: skip
# TrackingNet, GOT-10k, VOT2020 and user folders (trackingnet.py, got10k.py, vot.py, folder.py).
register(
    DatasetSpec(
        "trackingnet",
        "trackingnet:load_trackingnet",
        "TrackingNet TEST (511 sequences, first box only)",
        "TRACKINGNET_ROOT",
        "trackingnet",
        (("chunks", "TEST"),),
        annotation_mb=0.05, num_sequences=511, name_list=("trackingnet", "TEST_sequences.txt"),
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
        annotation_mb=500,
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
        annotation_mb=1, num_sequences=180, name_list=("got10k", "val_list.txt"),
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
        annotation_mb=0.02, num_sequences=180, name_list=("got10k", "test_list.txt"),
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
        annotation_mb=45, num_sequences=9335, name_list=("got10k", "train_list.txt.gz"),
    ),
    "got10k_train",
)
register(
    DatasetSpec(
        "vot2020", "vot:load_vot", "VOT2020 short-term (60 sequences, masks)", "VOT2020_ROOT", "vot2020",
        name_list=("vot2020", "list.txt"),
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
