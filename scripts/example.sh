#!/usr/bin/env bash
# `npm run example`: the main job end to end. Makes a small random BERT checkpoint (HF layout), builds the
# BertForMaskedLM package with `dslc build`, and runs a plain-JS app that imports it and checks itself against `dslc run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

ckpt=.cache/example-bert
echo "== 1. a random small BERT checkpoint in $ckpt (stands in for downloaded weights)"
node --import tsx scripts/example-checkpoint.ts "$ckpt"

echo
echo "== 2. \$ dslc build specs/bert.dsl --entry BertForMaskedLM --config $ckpt/config.json --out generated/bert"
node bin/dslc.js build specs/bert.dsl --entry BertForMaskedLM --config "$ckpt/config.json" --out generated/bert
(cd generated/bert && ls -p | tr '\n' ' ' && echo)

echo
echo "== 3. \$ node scripts/example-app.mjs   (imports generated/bert/index.js; no tsx, no compiler)"
node scripts/example-app.mjs "$ckpt"
