#!/usr/bin/env bash
# One-command install of mmpose-mdn and its OpenMMLab stack into a virtual environment at the repo root.
#
#   bash tools/install.sh            # creates .venv, installs everything, idempotent
#
# Environment:
#   MDN_VENV=path        where the venv goes (default: <repo>/.venv)
#   MDN_SYSTEM_TORCH=1   keep an already installed torch/torchvision (e.g. your CUDA build): the venv sees the
#                        system site-packages and torch is not reinstalled (mmcv is then built against it)
#   MDN_WHEEL_CACHE=dir  where the built mmcv wheel is kept (default: ~/.cache/mmpose-mdn/wheels)
#   PYTHON=python3.11    interpreter used to create the venv
#
# mmcv 2.1.0 (the only mmcv both mmdet 3.3.0 and mmpose 1.3.2 accept) has no wheel for current torch: it is
# built from its sdist with ops, with the C++ standard chosen from the installed torch (torch >= 2.10 headers
# need C++20, mmcv's setup.py hard-codes C++17). The build takes ~20 min on 2 cores the first time; the wheel
# is cached by torch and Python version so every later install is instant.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MDN_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
CACHE_ROOT=${MDN_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmpose-mdn/wheels}
TORCH_SPEC=("torch==2.14.1" "torchvision==0.29.1")
say() { printf '[install] %s\n' "$*" >&2; }

stamp_of() {
  cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$ROOT/tools/install.sh" | sha256sum | cut -c1-16
  echo "system_torch=${MDN_SYSTEM_TORCH:-0}"
}
STAMP_FILE=$VENV/.mmpose-mdn-installed
VPY=$VENV/bin/python
check() { "$VPY" -c "import mmcv.ops, mmpose, mmdet, mmpose_mdn, xtcocotools" >/dev/null 2>&1; }

if [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$(stamp_of)" ] && check; then
  say "up to date: $VENV"; exit 0
fi

if [ ! -x "$VPY" ]; then
  say "creating venv $VENV"
  if [ "${MDN_SYSTEM_TORCH:-0}" = 1 ]; then "$PY" -m venv --system-site-packages "$VENV"; else "$PY" -m venv "$VENV"; fi
fi
PIP=("$VPY" -m pip --disable-pip-version-check)
export PIP_NO_WARN_SCRIPT_LOCATION=1
"${PIP[@]}" install -q --upgrade pip "setuptools<81" wheel ninja

if [ "${MDN_SYSTEM_TORCH:-0}" = 1 ] && "$VPY" -c "import torch, torchvision" 2>/dev/null; then
  say "keeping installed torch $("$VPY" -c 'import torch; print(torch.__version__)')"
else
  say "installing ${TORCH_SPEC[*]}"
  "${PIP[@]}" install -q "${TORCH_SPEC[@]}"
fi

say "installing runtime requirements and OpenMMLab packages (mmpose/mmdet without chumpy)"
"${PIP[@]}" install -q -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" "mmengine==0.10.7"
"${PIP[@]}" install -q --no-deps "mmpose==1.3.2" "mmdet==3.3.0"

# ---- mmcv 2.1.0 with ops, built once per (torch, python) and cached ----
read -r TORCH_VER PY_TAG CXX_STD < <("$VPY" - <<'PYEOF'
import inspect, sys, torch
from torch.utils import cpp_extension
# the standard torch's own extension builder compiles its headers with (C++20 from torch 2.10 on)
std = '20' if '-std=c++20' in inspect.getsource(cpp_extension) else '17'
print(torch.__version__.replace('+', '_'), f'cp{sys.version_info.major}{sys.version_info.minor}', std)
PYEOF
)
CACHE=$CACHE_ROOT/torch-$TORCH_VER-$PY_TAG
if "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '2.1.0'" 2>/dev/null; then
  say "mmcv 2.1.0 with ops already installed"
else
  whl=$(ls "$CACHE"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$whl" ]; then
    say "building mmcv 2.1.0 with ops against torch $TORCH_VER, -std=c++$CXX_STD (~20 min on 2 cores, once)"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    "${PIP[@]}" download -q --no-deps --no-build-isolation --no-binary :all: "mmcv==2.1.0" -d "$work"
    tar -xzf "$work"/mmcv-2.1.0.tar.gz -C "$work"
    sed -i "s/-std=c++17/-std=c++$CXX_STD/g" "$work/mmcv-2.1.0/setup.py"
    grep -q -- "-std=c++$CXX_STD" "$work/mmcv-2.1.0/setup.py" || { say "could not set the C++ standard in mmcv's setup.py"; exit 1; }
    mkdir -p "$CACHE"
    log=$CACHE/build.log
    say "build log: $log"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" wheel --no-deps --no-build-isolation \
      "$work/mmcv-2.1.0" -w "$work/dist" >"$log" 2>&1 || { tail -n 40 "$log" >&2; say "mmcv build failed"; exit 1; }
    cp "$work"/dist/mmcv-2.1.0-*.whl "$CACHE"/
    whl=$(ls "$CACHE"/mmcv-2.1.0-*.whl | head -n1)
  else
    say "using cached $whl"
  fi
  "${PIP[@]}" install -q "$whl"
fi

say "installing mmpose-mdn (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT"
check || { say "import check failed: $VPY -c 'import mmcv.ops, mmpose, mmdet, mmpose_mdn'"; exit 1; }
stamp_of > "$STAMP_FILE"
say "done: $VENV"
