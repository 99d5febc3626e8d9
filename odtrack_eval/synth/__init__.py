"""Procedural tracking benchmark in the LaSOT layout (fast, seeded, with exact ground truth)."""

from odtrack_eval.synth.generator import SynthOptions, generate, sequence_names
from odtrack_eval.synth.loader import load_synth

__all__ = ["SynthOptions", "generate", "load_synth", "sequence_names"]
