"""What every protocol is: a named, frozen, cited rule set of one kind (one-pass or multistart)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class RuleSet:
    """The part every protocol shares: its name, what it reproduces and where (``reference``), and its
    :attr:`kind`, which says which pipeline scores it and which benchmarks it applies to."""

    name: str
    description: str
    reference: str
    #: "one-pass" (AUC, precision...; one run from the first frame) or "multistart" (VOT: EAO, A, R).
    kind: ClassVar[str] = ""
    #: ``module:function`` that scores a results folder under protocols of this kind (see
    #: :func:`odtrack_eval.pipelines.evaluate`): data, so no caller branches on the protocol's type.
    pipeline: ClassVar[str] = ""

    def for_benchmark(self, tag: str) -> RuleSet:
        """This protocol with the rules of benchmark ``tag`` applied (no per-benchmark quirks by default)."""
        return self
