/**
 * `dslc build --target cuda` leaves LayerNorm out of the matmuls by default (CUDA_FUSE): the register-blocked
 * matmul+LayerNorm kernel that wins on CPU-like WebGPU adapters starves a GPU (docs/bench/cuda-h200.md).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { graphNodes } from '../../compiler/ir/graph.ts';
import { Op } from '../../compiler/ir/ops.ts';
import { buildGraph } from '../../cli/commands.ts';

const SMALL = ['num_hidden_layers=2', 'hidden_size=32', 'num_attention_heads=2', 'intermediate_size=48'];
const count = (target: string | undefined, fuse?: string) => {
  const { graph } = buildGraph('specs/bert.dsl', { entry: 'BertModel', set: SMALL, ...(target ? { target } : {}), ...(fuse ? { fuse } : {}) });
  const nodes = graphNodes(graph);
  return { norms: nodes.filter((n) => n.op === Op.MatMulNorm).length, attention: nodes.filter((n) => n.op === Op.Attention).length };
};

test('cuda builds keep LayerNorm out of the matmul by default; the other targets fuse it; --fuse decides when given', () => {
  assert.equal(count('cuda'), { norms: 0, attention: 2 });
  assert.equal(count('webgpu'), { norms: 4, attention: 2 });
  assert.equal(count(undefined), { norms: 4, attention: 2 });
  assert.equal(count('cuda', 'all'), { norms: 4, attention: 2 });
});

test.run();
