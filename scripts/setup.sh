#!/usr/bin/env bash
# Installs what dslc needs on a fresh Debian machine: npm packages, and the Debian packages the tests use.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi

# The float64 reference of the tests is written in Python with numpy.
if ! python3 -c 'import numpy' 2>/dev/null; then
  echo "setup: installing python3-numpy"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-numpy >/dev/null; else sudo apt-get update -qq && sudo apt-get install -y -qq python3-numpy >/dev/null; fi
fi
