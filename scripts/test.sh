#!/usr/bin/env bash
# Installs everything (with the test extras) and runs the whole suite as root.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
DOCKERLAB_EXTRAS="[test]" bash "$here/scripts/install.sh"
venv=${DOCKERLAB_VENV:-/opt/dockerlab/venv}
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
