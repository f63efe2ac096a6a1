#!/usr/bin/env bash
# Install what tinhso needs on a Debian machine with Python 3.11.
#   scripts/bootstrap.sh demo   -> .venv with the runtime packages
#   scripts/bootstrap.sh test   -> plus test tools, chromium and the PostgreSQL server binaries
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-demo}
PYTHON=${PYTHON:-python3}
UV_VERSION=0.13.9

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "Need root to run: $*" >&2; exit 1; fi
}

apt_updated=no
apt_install() {
    if [ $apt_updated = no ]; then
        as_root apt-get update -qq
        apt_updated=yes
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt_install python3-venv
        "$PYTHON" -m venv .venv
    fi
fi

lock_files=(-r requirements.lock)
[ "$mode" = test ] && lock_files+=(-r requirements-dev.lock)
stamp=".venv/.installed-$mode-$(cat requirements.lock requirements-dev.lock | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    # uv (the tool that writes the locks) installs them: the same pinned packages, fetched in
    # parallel (a fresh clone's install: ~25 s and 3 s of CPU here instead of pip's ~4 min and 26 s).
    [ -x .venv/bin/uv ] && [ "$(.venv/bin/uv --version)" = "uv $UV_VERSION" ] \
        || .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    # --compile-bytecode as pip does: without it every process compiles the packages it imports.
    .venv/bin/uv pip install --quiet --compile-bytecode --python .venv/bin/python "${lock_files[@]}"
    touch "$stamp"
fi

# PDFs (WeasyPrint) need Pango and fonts with every Vietnamese glyph.
missing=()
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# Official forms are set in Times New Roman (Decree 30/2020/NĐ-CP, Appendix I); Liberation Serif has
# its metrics.
[ -e /usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf ] || missing+=(fonts-liberation)
# Liberation 2 has the Vietnamese letters (ư, ơ, ệ…) that Liberation 1 lacks (blank declarations).
[ -e /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || missing+=(fonts-liberation2)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    apt_install "${missing[@]}"
fi

if [ "$mode" = test ]; then
    missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium fonts-noto-core)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    command -v msgfmt >/dev/null || missing+=(gettext)
    command -v wrk >/dev/null || missing+=(wrk)  # the benchmark's smoke test
    # Two application servers behind a load balancer (tests/test_two_servers.py).
    [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing Debian packages: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
fi
