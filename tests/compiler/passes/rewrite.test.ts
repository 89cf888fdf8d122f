/** The rewrite engine: matching with captures, rebuilding through a fresh factory, fixpoint, consumer counts. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dimSym } from '../../../compiler/ir/dim.ts';
import { type Graph, graphNodes, NodeFactory } from '../../../compiler/ir/graph.ts';
import { Op } from '../../../compiler/ir/ops.ts';
import { any, graphRewrite, match, pat, type Rule } from '../../../compiler/passes/rewrite.ts';

function graph(): { g: Graph; f: NodeFactory } {
  const f = new NodeFactory();
  const n = [dimSym('N')];
  const x = f.make(Op.Input, 'f32', n, [], { name: 'x' });
  const y = f.make(Op.Neg, 'f32', n, [f.make(Op.Neg, 'f32', n, [f.make(Op.Neg, 'f32', n, [f.make(Op.Neg, 'f32', n, [x])])])]);
  const z = f.make(Op.Add, 'f32', n, [y, y]);
  return { g: { entry: 't', config: {}, symbols: ['N'], inputs: [x], outputs: [{ name: 'z', node: z }], constraints: [] }, f };
}

const dropDoubleNeg: Rule = [pat(Op.Neg, [pat(Op.Neg, [any('x')])]), (m, cx) => cx.get(m['x']!)];

test('a name captured twice must bind one node', () => {
  const { g } = graph();
  const z = g.outputs[0]!.node;
  assert.ok(match(pat(Op.Add, [any('a'), any('a')]), z));
  assert.not.ok(match(pat(Op.Add, [any('a'), pat(Op.Input)]), z));
});

test('rules run to a fixpoint and the result is rebuilt, interned', () => {
  const { g } = graph();
  const stats = { fired: [] as number[] };
  const out = graphRewrite(g, [dropDoubleNeg], stats);
  const ops = graphNodes(out).map((n) => n.op);
  assert.equal(ops, [Op.Input, Op.Add]);
  assert.is(out.outputs[0]!.node.src[0], out.inputs[0]);
  assert.ok(stats.fired[0]! >= 1);
});

test('nothing to do: the same graph object comes back', () => {
  const { g } = graph();
  assert.is(graphRewrite(g, [[pat(Op.Sqrt), () => undefined]]), g);
});

test('consumer counts see graph outputs', () => {
  const { g } = graph();
  const seen: number[] = [];
  graphRewrite(g, [[pat(Op.Neg), (_m, cx, n) => (seen.push(cx.uses(n)), undefined)]]);
  assert.equal(seen, [1, 1, 1, 2]); // the outer neg feeds both sides of the add
});

test.run();
