/**
 * Index checks the CPU reference makes while it runs and a kernel cannot report: gather ids and cross-entropy labels
 * outside their table. Where those come from an input through reshapes and slices (`labels[:, 1:]` for a shifted
 * loss) they are checked on the host before anything is dispatched, on exactly the values the op sees and with the
 * reference's messages. Computed indices (arange arithmetic) are in range by construction, and kernels clamp them
 * anyway so nothing reads outside a buffer.
 */
import { type Dim, dimEval, dimParse } from '../../compiler/ir/dim.ts';
import { type Graph, graphNodes, type Node } from '../../compiler/ir/graph.ts';
import { Op } from '../../compiler/ir/ops.ts';
import { UserError } from '../../dsl/errors.ts';
import { slice } from '../../backends/cpu/movement.ts';
import { type HostTensor, unravelIndex } from '../../backends/tensor.ts';

type Env = Readonly<Record<string, number>>;
type Values = ReadonlyMap<number, HostTensor>;

function argDim(node: Node, key: string, env: Env): number {
  const v = node.arg[key];
  if (typeof v === 'number') return v;
  return dimEval(typeof v === 'string' ? dimParse(v) : (v as Dim), env);
}

/** How to compute `node`'s value on the host from the inputs, when it is an input seen through reshapes and slices. */
function hostView(node: Node): ((values: Values, env: Env) => HostTensor) | undefined {
  if (node.op === Op.Input) return (values) => values.get(node.id)!;
  const inner = node.op === Op.Reshape || node.op === Op.Slice ? hostView(node.src[0]!) : undefined;
  if (!inner) return undefined;
  if (node.op === Op.Reshape) return (values, env) => ({ ...inner(values, env), shape: node.shape.map((d) => dimEval(d, env)) });
  return (values, env) => {
    const axis = node.arg['axis'] as number;
    const r = slice(node.dtype, inner(values, env), axis, argDim(node, 'start', env), argDim(node, 'end', env));
    return { dtype: node.dtype, shape: r.shape, data: r.data };
  };
}

export interface IndexCheck {
  /** Throws a UserError for the first bad index among the bound inputs. */
  readonly check: (values: Values, env: Env) => void;
}

/** The checks a graph needs, found once at load. */
export function indexChecks(graph: Graph): IndexCheck[] {
  const checks: IndexCheck[] = [];
  for (const node of graphNodes(graph)) {
    if (node.op === Op.Gather) {
      const [table, ids] = node.src as [Node, Node];
      const view = hostView(ids);
      if (!view) continue;
      const what = typeof node.arg['what'] === 'string' ? (node.arg['what'] as string) : 'gather';
      checks.push({
        check: (values, env) => {
          const { data, shape } = view(values, env);
          const v = dimEval(table.shape[0]!, env);
          for (let t = 0; t < data.length; t++) {
            const id = data[t]!;
            if (!(id >= 0 && id < v)) throw new UserError(`${what}: index ${id} at [${unravelIndex(t, shape).join(', ')}] is outside [0, ${v})`);
          }
        },
      });
    }
    if (node.op === Op.CrossEntropy) {
      const [logits, labels] = node.src as [Node, Node];
      const view = hostView(labels);
      if (!view) continue;
      const ignore = typeof node.arg['ignoreIndex'] === 'number' ? (node.arg['ignoreIndex'] as number) : -100;
      checks.push({
        check: (values, env) => {
          const { data } = view(values, env);
          const c = dimEval(logits.shape[1]!, env);
          for (let row = 0; row < data.length; row++) {
            const label = data[row]!;
            if (label !== ignore && !(label >= 0 && label < c)) {
              throw new UserError(`cross_entropy: label ${label} at [${row}] is outside [0, ${c}) (ignore index ${ignore})`);
            }
          }
        },
      });
    }
  }
  return checks;
}
