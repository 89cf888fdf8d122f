#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what is missing, type-checks, runs every test file.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

echo "== typecheck"
npx tsc --noEmit -p . || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }

echo "== tests"
log=$(mktemp)
node --import tsx node_modules/uvu/bin.js tests '.*\.test\.ts$' 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
sed -i 's/\x1b\[[0-9;]*m//g' "$log"   # uvu colours its counts
total=$(sed -n 's/.*Total: *\([0-9]*\).*/\1/p' "$log" | tail -1)
passed=$(sed -n 's/.*Passed: *\([0-9]*\).*/\1/p' "$log" | tail -1)
skipped=$(sed -n 's/.*Skipped: *\([0-9]*\).*/\1/p' "$log" | tail -1)
rm -f "$log"
total=${total:-0}; passed=${passed:-0}; skipped=${skipped:-0}
failed=$((total - passed))   # uvu counts skipped tests outside Total
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
