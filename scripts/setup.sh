#!/usr/bin/env bash
# Installs what dslc needs on a fresh Debian machine: npm packages, and the Debian packages the tests use.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# A worktree whose node_modules links to another checkout's shares that install: npm ci here would empty the
# shared folder under everyone using it, so a linked node_modules is left alone.
if [ -L node_modules ]; then
  echo "setup: node_modules is a link to a shared install; not reinstalling it"
elif [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: installing npm packages"
  # .npmrc sets onnxruntime-node-install=skip: its postinstall would fetch CUDA binaries from outside the npm registry
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi

# Debian packages, installed only when missing (one apt-get update for all of them):
# - python3-numpy: the float64 reference of the tests is written in Python with numpy;
# - chromium, libvulkan1: chromium ships SwiftShader, the software Vulkan driver Dawn accepts, so WGSL kernels run
#   on a GPU-less machine (Debian 12's own lavapipe is too old for Dawn); chromium does not pull in the loader.
missing=()
python3 -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
# - chromium is also the browser of the WebGPU demo's test (tests/demo/browser.test.ts, /usr/bin/chromium).
{ [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] && [ -x /usr/bin/chromium ]; } || missing+=(chromium)
{ ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; } || dpkg -s libvulkan1 >/dev/null 2>&1 || missing+=(libvulkan1)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The pre-bundled CLI (bin/cli-bundle.js): bin/dslc.js would build it on first use anyway; building it here keeps
# that out of the first command's time. Never fatal: without it dslc runs the sources through tsx.
node --input-type=module -e "const { buildCliBundle } = await import('./bin/cli-bundle.js'); await buildCliBundle();" || echo "setup: could not pre-bundle the CLI; dslc will run it through tsx"
