#!/usr/bin/env bash
# Installs dockerlab on Debian 12 / Ubuntu 24.04: system packages with apt-get,
# Python packages with pip into a virtualenv (the system Python refuses pip),
# and a `dockerlab` command in /usr/local/bin. Run as root (sudo).
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "dockerlab: l'installation demande root (sudo) / installing needs root (sudo)" >&2
  exit 1
fi
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${DOCKERLAB_VENV:-/opt/dockerlab/venv}
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-dev busybox-static iproute2 libseccomp2 \
  iptables zstd mmdebstrap debian-archive-keyring gpgv curl ca-certificates tini >/dev/null
case "${DOCKERLAB_EXTRAS:-}" in
  *test*) apt-get install -y -qq bubblewrap socat docker-registry >/dev/null
          apt-get install -y -qq --no-install-recommends chromium >/dev/null ;;  # exam report screenshot test
esac
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip >/dev/null
"$venv/bin/pip" install -q -e "$here${DOCKERLAB_EXTRAS:-}"
# bytecode now, so every `dockerlab` call starts fast even where writing it is disabled
"$venv/bin/python" -m compileall -q "$here/engine" "$here/cli" "$here/tutor" "$here/dockerlab" >/dev/null || true
ln -sf "$venv/bin/dockerlab" /usr/local/bin/dockerlab
getent group dockerlab >/dev/null || groupadd --system dockerlab   # who may use `dockerlab daemon`'s socket
echo "dockerlab installed: $(command -v dockerlab)"
