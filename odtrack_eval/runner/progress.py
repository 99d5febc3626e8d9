"""Two tqdm bars: sequences finished, and frames tracked with the tracker's current speed.

The fps shown is frames per second of *tracker* time (what the time files record), smoothed
over the last few updates, so it stays comparable to the speed a paper would report.
"""

from __future__ import annotations

from tqdm.auto import tqdm


class RunProgress:
    def __init__(self, sequences: int, frames: int, enabled: bool = True, label: str = ""):
        disable = None if enabled else True  # None: tqdm decides (off when not a terminal)
        self._seq = tqdm(total=sequences, desc=f"{label} sequences".strip(), unit="seq", position=0, disable=disable)
        self._frames = tqdm(
            total=frames, desc="frames", unit="fr", position=1, leave=False, disable=disable, smoothing=0.1
        )
        self._fps = 0.0

    def frames(self, count: int, tracker_seconds: float) -> None:
        if tracker_seconds > 0:
            fps = count / tracker_seconds
            self._fps = fps if self._fps == 0 else 0.7 * self._fps + 0.3 * fps
            self._frames.set_postfix_str(f"tracker {self._fps:.1f} fps", refresh=False)
        self._frames.update(count)

    def sequence_done(self, name: str, ok: bool, frames_not_reported: int = 0) -> None:
        if frames_not_reported:
            self._frames.update(frames_not_reported)
        self._seq.set_postfix_str(f"{'done' if ok else 'FAILED'} {name}", refresh=False)
        self._seq.update(1)

    def write(self, message: str) -> None:
        tqdm.write(message)

    def close(self) -> None:
        self._frames.close()
        self._seq.close()
