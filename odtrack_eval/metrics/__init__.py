"""Metric engines. ``ope``: one-pass evaluation (success/precision/normalized precision/AO)."""
