"""``python -m odtrack_eval`` = the ``odtrack-eval`` command."""

from odtrack_eval.cli import main

main()
