#!/bin/sh
# What `make run` and `make test` need from the machine before they build .venv, checked in
# one place. `prerequisites.sh stack PYTHON` checks Python (3.11 or later, able to make a virtual
# environment); `prerequisites.sh suite PYTHON` also checks what the browser tests drive: Debian's
# Chromium and the Noto CJK fonts that every page and the agreement name first; and nginx, the TLS
# proxy of tests/deploy/test_production_topology.py.
#
# What is missing is installed with apt-get when we run as root and apt-get is there (one line
# says so); otherwise we stop with one message naming the exact command to run, before anything
# is built or tested.
set -u
purpose="${1:-stack}"
python="${2:-python3}"
missing=""   # Debian packages to install
why=""       # one reason per package, for the message

need() { missing="$missing $1"; why="$why
  $1: $2"; }

if ! command -v "$python" >/dev/null 2>&1; then
  need python3 "there is no $python to build .venv with"
elif ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "axflow: $python is $("$python" -c 'import platform; print(platform.python_version())') but axflow needs Python 3.11 or later; run with PYTHON=python3.11 (or newer)" >&2
  exit 1
elif ! "$python" -c 'import ensurepip, venv; ensurepip.version()' >/dev/null 2>&1; then
  need python3-venv "$python cannot make a virtual environment with pip in it"
fi

if [ "$purpose" = suite ]; then
  command -v chromium >/dev/null 2>&1 || need chromium "the browser tests drive Debian's Chromium (/usr/bin/chromium)"
  command -v nginx >/dev/null 2>&1 || \
    need nginx "the production topology test puts Debian's nginx (TLS) in front of two API replicas"
  if ! fc-list :lang=ko family 2>/dev/null | grep -q "Noto"; then
    need fonts-noto-cjk "pages and the generated agreement render Korean with Noto CJK"
  fi
fi

[ -z "$missing" ] && exit 0
packages="${missing# }"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "axflow: installing $packages with apt-get (needed by make $( [ "$purpose" = suite ] && echo test || echo run ))"
  if apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends $packages >/dev/null; then
    exit 0
  fi
  echo "axflow: apt-get could not install $packages; see the lines above" >&2
  exit 1
fi
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo "
echo "axflow: missing$why
Install with: ${sudo}apt-get install -y $packages" >&2
exit 1
