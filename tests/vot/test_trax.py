"""The TraX wrapper answers vot-trax's own client: initialise with a mask or a rectangle, then frames."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests._shared import REPO

trax = pytest.importorskip("trax", reason="vot-trax (TraX client) not installed")
from trax import TraxStatus  # noqa: E402,F401
from trax.client import Client  # noqa: E402
from trax.image import FileImage  # noqa: E402
from trax.region import Mask as TMask  # noqa: E402
from trax.region import Rectangle as TRectangle  # noqa: E402

TRACKER = '''
import sys

class Noisy:
    """Prints to stdout on purpose: the wrapper must keep the TraX channel clean."""

    def initialize(self, image, info):
        print("hello from initialize", info["init_bbox"])
        sys.stdout.write("more noise\\n")
        self.box = list(info["init_bbox"])
        self.shape = image.shape

    def track(self, image, info=None):
        print("frame", info)
        self.box[0] += 1
        return {"target_bbox": list(self.box)}
'''


@pytest.fixture()
def server_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "noisy_tracker.py").write_text(TRACKER)
    (tmp_path / "noisy.toml").write_text('name = "noisy"\nimplementation = "noisy_tracker:Noisy"\n')
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i:08d}.jpg"), np.full((48, 64, 3), 40 * i, np.uint8))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(REPO)])
    env["ODTRACK_EVAL_TRACKER"] = str(tmp_path / "noisy.toml")
    env["TRAX"] = "1"
    return env


def _session(env: dict[str, str], tmp_path: Path, init) -> tuple[list, list]:
    proc = subprocess.Popen([sys.executable, "-m", "odtrack_eval.vot.trax_wrapper"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)  # fmt: skip
    try:
        client = Client(stream=(proc.stdin.fileno(), proc.stdout.fileno()), timeout=30, log=lambda message: None)
        assert "mask" in client.region_formats and "path" in client.image_formats
        img = {"color": FileImage.create(str(tmp_path / "00000000.jpg"))}
        objects, _ = client.initialize(img, [(init, {})], {})
        replies = [objects[0][0]]
        for i in (1, 2):
            objects, _ = client.frame({"color": FileImage.create(str(tmp_path / f"{i:08d}.jpg"))}, {}, [])
            replies.append(objects[0][0])
        # a second initialisation in the same process (the next anchor)
        objects, _ = client.initialize(img, [(init, {})], {})
        objects, _ = client.frame({"color": FileImage.create(str(tmp_path / "00000001.jpg"))}, {}, [])
        again = [objects[0][0]]
        client.quit()
        proc.wait(timeout=20)
        return replies, again
    finally:
        if proc.poll() is None:
            proc.kill()
        err = proc.stderr.read().decode() if proc.stderr else ""
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
        assert "Traceback" not in err, err


def test_rectangle_initialisation(server_env, tmp_path: Path) -> None:
    replies, again = _session(server_env, tmp_path, TRectangle.create(10, 12, 20, 15))
    assert replies[1].type == "rectangle"
    assert replies[1].bounds() == pytest.approx((11, 12, 20, 15))
    assert replies[2].bounds() == pytest.approx((12, 12, 20, 15))
    assert again[0].bounds() == pytest.approx((11, 12, 20, 15))  # re-initialised, not continued


def test_mask_initialisation(server_env, tmp_path: Path) -> None:
    m = np.zeros((10, 12), np.uint8)
    m[2:7, 3:11] = 1  # tight box inside the patch: x 3..10, y 2..6
    replies, _ = _session(server_env, tmp_path, TMask.create(m, 5, 4))
    assert replies[1].type == "rectangle"
    assert replies[1].bounds() == pytest.approx((5 + 3 + 1, 4 + 2, 8, 5))
