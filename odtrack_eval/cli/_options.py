"""The options most commands share, declared once: the same flag, the same help, everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DatasetOption = Annotated[
    str, typer.Option("--dataset", "-d", help="Benchmark name, e.g. lasot, lasot_ext, otb100, tnl2k, got10k-test.")
]
ResultsOption = Annotated[
    Path, typer.Option("--results", "-r", help="Folder with one sub-folder of results per tracker.")
]
