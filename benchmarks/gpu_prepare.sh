#!/usr/bin/env bash
# Prepare .gpu/ for running the GPU benchmarks on the workplace's device machine (see benchmarks/GPU.md):
# the Python packages the device image lacks (as cp312 wheels) and the oracle pack without its 6 MB of
# intermediate tensors, so that repository + .gpu stay under the 64 MiB a device call may carry.
# Run from the repository root on a machine that reaches the package registry.
set -euo pipefail
oracle="${ODTRACK_ORACLE:-../shared/data/odtrack_oracle}"
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu/whl .gpu/oracle/packA
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 -d .gpu/whl \
  "opencv-python-headless==4.10.0.84" "tqdm>=4.60"
cp "$oracle"/make_weights.py "$oracle"/keys_b384.json .gpu/oracle/
cp -r "$oracle"/packA/frames "$oracle"/packA/init_box.txt "$oracle"/packA/expected_boxes.txt .gpu/oracle/packA/
du -sh .gpu
