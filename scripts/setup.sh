#!/usr/bin/env bash
# Set up this course on a fresh machine: system packages (headless Chromium for
# PDF reports, poppler for checking them), then the project itself.
#   bash scripts/setup.sh        # what instructors need (python -m grading ...): the [grading] extra
#   bash scripts/setup.sh dev    # plus the test tools and PyTorch for cross-checks
# Students need neither: `pip install -e .` (no cluster or database clients).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pdfinfo >/dev/null 2>&1 || need_apt+=(poppler-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${need_apt[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "setup: please install ${need_apt[*]} (PDF reports need chromium); continuing without" >&2
    fi
fi

python3 -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if [ "${1:-}" = dev ]; then
    # torch==2.13.0 is a local CPU build on these machines; it only serves cross-checks.
    python3 -m pip install -q -e '.[grading,dev,torch]'
else
    python3 -m pip install -q -e '.[grading]'
fi
echo "setup: done ($(python3 --version))"
