#!/usr/bin/env bash
# Brings onto this machine what the build, the demo and the tests need, before anything is
# built. `make demo`, `make test` and `.ci/run` all run it; when everything is present it
# costs one `dpkg -s` (well under a second) and changes nothing.
#
#   scripts/bootstrap.sh            the Debian packages (build, demo, jobs)
#   scripts/bootstrap.sh --venv     the packages, then the Python test dependencies in .venv/
#
# Debian packages are checked with `dpkg -s` and installed with apt-get when running as root,
# through `sudo -n` when sudo works without a password; otherwise it stops at once with exit
# 69 and the exact command to run as root. The Python dependencies of the tests and benchmarks
# (Tests/python/requirements.txt) go into the project's own virtual environment, .venv/,
# created once and reused; it is refreshed only when requirements.txt changes.
set -euo pipefail
cd "$(dirname "$0")/.."

EX_UNAVAILABLE=69
say() { echo "bootstrap: $*" >&2; }

want_venv=false
case "${1-}" in
  "") ;;
  --venv) want_venv=true ;;
  *) say "unknown argument '$1' (usage: scripts/bootstrap.sh [--venv])"; exit 64 ;;
esac

if ! command -v swift >/dev/null 2>&1; then
  say "no 'swift' on PATH: install Swift 6.2 or later (https://www.swift.org/install/linux/), then run make again"
  exit $EX_UNAVAILABLE
fi

# libzstd-dev, libpq-dev: the system-library targets (headers and pkg-config files);
# postgresql: the throwaway server of the demo and the tests (scripts/with-postgres.sh);
# zstd: the benchmark floor; pkg-config: finds the two libraries; graphviz: the map's SVG;
# protobuf-compiler: the independent Python reader's descriptors.
# ceph-mon, ceph-osd, radosgw, ceph-common: the S3 tests' throwaway RADOS Gateway
# (scripts/with-rgw.sh). valgrind, binutils: the fold's instruction-count guard
# (scripts/instruction-guard.py: callgrind, objcopy).
packages=(libzstd-dev libpq-dev postgresql zstd pkg-config graphviz protobuf-compiler
  ceph-mon ceph-osd radosgw ceph-common valgrind binutils)

debian_missing() {
  local package
  for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || echo "$package"
  done
  # URLSession (FoundationNetworking) links libcurl.so.4; Swift's own dependencies usually bring it.
  # The cache is read whole before grep looks at it: `ldconfig -p | grep -q` under pipefail
  # failed whenever grep found the line and exited before ldconfig had written everything
  # (SIGPIPE, status 141), so libcurl was called missing about one run in six.
  local cache
  cache=$(/sbin/ldconfig -p 2>/dev/null || true)
  if ! grep -q 'libcurl\.so\.4 ' <<<"$cache"; then echo libcurl4-openssl-dev; fi
  # The tests generate their certificates with openssl.
  command -v openssl >/dev/null 2>&1 || echo openssl
  if $want_venv && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then echo python3-venv; fi
}

if ! command -v dpkg >/dev/null 2>&1; then
  # Not Debian: check what the build needs directly and say what to install.
  problems=()
  pkg-config --exists libzstd 2>/dev/null || problems+=("libzstd with headers (zstd.h, libzstd.pc)")
  pkg-config --exists libpq 2>/dev/null || problems+=("libpq with headers (libpq-fe.h, libpq.pc)")
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    || problems+=("a PostgreSQL server (initdb and pg_ctl on PATH)")
  if [ ${#problems[@]} -gt 0 ]; then
    say "this is not a Debian machine, so nothing is installed automatically. Missing:"
    for problem in "${problems[@]}"; do say "  - $problem"; done
    say "Fedora: dnf install libzstd-devel libpq-devel postgresql-server zstd pkgconf graphviz protobuf-compiler"
    say "macOS:  brew install zstd libpq postgresql@16 pkgconf graphviz protobuf"
    exit $EX_UNAVAILABLE
  fi
else
  mapfile -t missing < <(debian_missing)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      as_root=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      as_root=(sudo -n)
    else
      say "these Debian packages are missing: ${missing[*]}"
      say "this user is not root and cannot use sudo without a password, so run as root:"
      echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
      say "then run make again."
      exit $EX_UNAVAILABLE
    fi
    say "installing ${missing[*]} (apt-get${as_root:+ through sudo})"
    export DEBIAN_FRONTEND=noninteractive
    if ! "${as_root[@]}" apt-get update -q >&2 \
      || ! "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
      say "apt-get could not install ${missing[*]} (its error is above); run as root:"
      echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit $EX_UNAVAILABLE
    fi
  fi
fi

$want_venv || exit 0

# The Python test dependencies, in .venv/ (git-ignored), never in the system interpreter.
requirements=Tests/python/requirements.txt
stamp=.venv/requirements.sha256
wanted=$(sha256sum "$requirements" | cut -d ' ' -f 1)
if [ -x .venv/bin/python ] && .venv/bin/python -c '' 2>/dev/null && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  exit 0
fi
if ! { [ -x .venv/bin/python ] && .venv/bin/python -c '' 2>/dev/null; }; then
  say "creating the Python virtual environment .venv/ ($(python3 --version 2>&1))"
  rm -rf .venv
  python3 -m venv .venv || { say "python3 -m venv .venv failed (its error is above)"; exit $EX_UNAVAILABLE; }
fi
say "installing the test dependencies of $requirements into .venv/"
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements" >&2; then
  say "pip could not install $requirements into .venv/ (its error is above):"
  say "check access to PyPI (or PIP_INDEX_URL), then run make again."
  exit $EX_UNAVAILABLE
fi
echo "$wanted" > "$stamp"
