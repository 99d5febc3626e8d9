"""Read a synth benchmark back as a :class:`Dataset` without the LaSOT adapter.

The canonical way is ``load_dataset("lasot", root)``; this reader exists so tests and demos can
use a generated benchmark even where the LaSOT adapter does not accept a non-official sequence
list. It reads only the files :func:`~odtrack_eval.synth.generate` writes, with the same rules
as the LaSOT adapter (visibility = no full occlusion and not out of view; frames from the GT
length; attributes from ``att/<seq>.txt`` in LaSOT's order).
"""

from __future__ import annotations

from pathlib import Path

from odtrack_eval.errors import FormatError, LayoutError
from odtrack_eval.sequence import Dataset, FrameSource, Sequence
from odtrack_eval.synth.script import LASOT_CODES
from odtrack_eval.textio import read_flags, read_table

LASOT_ATTRIBUTE_NAMES = {
    "IV": "Illumination Variation",
    "POC": "Partial Occlusion",
    "DEF": "Deformation",
    "MB": "Motion Blur",
    "CM": "Camera Motion",
    "ROT": "Rotation",
    "BC": "Background Clutter",
    "VC": "Viewpoint Change",
    "SV": "Scale Variation",
    "FOC": "Full Occlusion",
    "FM": "Fast Motion",
    "OV": "Out-of-View",
    "LR": "Low Resolution",
    "ARC": "Aspect Ratio Change",
}


def load_synth(root: str | Path, name: str = "lasot") -> Dataset:
    root = Path(root)
    listing = root / "testing_set.txt"
    if not listing.is_file():
        raise LayoutError(f"{root} is not a synth benchmark (no testing_set.txt); create one with 'odtrack-eval synth'")
    names = [line.strip() for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()]
    sequences = []
    for seq_name in names:
        folder = root / seq_name.rsplit("-", 1)[0] / seq_name
        gt = read_table(folder / "groundtruth.txt")
        occluded = read_flags(folder / "full_occlusion.txt")
        out_of_view = read_flags(folder / "out_of_view.txt")
        flags = read_flags(root / "att" / f"{seq_name}.txt")
        if flags.size != len(LASOT_CODES):
            raise FormatError(root / "att" / f"{seq_name}.txt", f"{flags.size} flags", expected="14 LaSOT flags")
        language = (folder / "nlp.txt").read_text(encoding="utf-8").strip()
        sequences.append(
            Sequence(
                seq_name,
                gt,
                visible=~(occluded | out_of_view),
                attributes=frozenset(c for c, f in zip(LASOT_CODES, flags, strict=True) if f),
                frames=FrameSource(folder / "img", "%08d.jpg", 1, len(gt)),
                extra={"language": language, "class": seq_name.rsplit("-", 1)[0]},
            )
        )
    return Dataset(name, "lasot", sequences, dict(LASOT_ATTRIBUTE_NAMES), root=root, layout="synth")
