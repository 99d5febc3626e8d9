"""Evaluation protocols as data, in one registry: the one-pass rule sets (:mod:`.one_pass`) and VOT's
multistart ones (:mod:`.multistart`), all :class:`~odtrack_eval.protocols.base.RuleSet` values.

Metric code reads fields, never benchmark names; a benchmark's own quirks are data of the protocol
(``benchmark_overrides``), resolved once by ``for_benchmark``. A benchmark's kind is that of its
leaderboard protocol (:func:`default_protocol`); :func:`mismatch` says when a protocol cannot score it.
"""

from __future__ import annotations

from odtrack_eval.errors import UnknownNameError
from odtrack_eval.protocols.base import RuleSet
from odtrack_eval.protocols.multistart import VOT_PROTOCOLS, VotProtocol
from odtrack_eval.protocols.one_pass import (
    FAIL_ALL,
    MATLAB_INVALID,
    ONE_PASS_PROTOCOLS,
    PYT_INVALID,
    SCORE,
    SUCCESS_GRID_TORCH,
    FrameRule,
    Protocol,
    matlab_colon,
)

__all__ = ["FAIL_ALL", "MATLAB_INVALID", "PYT_INVALID", "SCORE", "SUCCESS_GRID_TORCH", "DEFAULT_PROTOCOL",
           "DEFAULT_PROTOCOL_BY_TAG", "PROTOCOLS", "FrameRule", "Protocol", "RuleSet", "VotProtocol",
           "default_protocol", "get_protocol", "matlab_colon", "mismatch", "register_protocol"]  # fmt: skip

#: Every protocol by name, one-pass and multistart alike.
PROTOCOLS: dict[str, RuleSet] = {p.name: p for p in (*ONE_PASS_PROTOCOLS, *VOT_PROTOCOLS)}
DEFAULT_PROTOCOL = "odtrack"

#: The protocol a benchmark is scored with when none is named: its leaderboard's own rules.
DEFAULT_PROTOCOL_BY_TAG = {"got10k": "got10k-val", "trackingnet": "trackingnet", "vot2020": "vot2020"}


def default_protocol(tag: str) -> str:
    """The leaderboard protocol of benchmark ``tag`` (``odtrack`` for the OPE benchmarks of the paper)."""
    return DEFAULT_PROTOCOL_BY_TAG.get(tag, DEFAULT_PROTOCOL)


def mismatch(protocol: RuleSet, tag: str, dataset_name: str) -> str | None:
    """Why ``protocol`` cannot score benchmark ``tag`` (None: it can): a benchmark is scored by the
    protocols of the kind of its leaderboard protocol."""
    wanted = get_protocol(default_protocol(tag)).kind
    if protocol.kind == wanted:
        return None
    same_kind = [n for n, p in PROTOCOLS.items() if p.kind == wanted]
    label = {"one-pass": "one-pass", "multistart": "multistart (VOT)"}.get(wanted, wanted)
    return (f"protocol {protocol.name} does not apply to {dataset_name}: it is scored with the {label} protocols "
            f"({', '.join(same_kind)})")  # fmt: skip


def register_protocol(protocol: RuleSet) -> None:
    """Add a protocol (used by modules defining benchmark-specific protocols)."""
    PROTOCOLS[protocol.name] = protocol


def get_protocol(name: str) -> RuleSet:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise UnknownNameError("protocol", name, list(PROTOCOLS)) from None
