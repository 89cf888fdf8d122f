/**
 * Lowering one graph node to its launches: a table from op family to the file that writes its kernels. Leaves and
 * reshapes have no launch; the schedule gives them buffers (or, for a reshape, its source's buffer).
 */
import type { Dim } from '../ir/dim.ts';
import type { Node } from '../ir/graph.ts';
import { ELEMENTWISE_OPS, Op, REDUCE_OPS } from '../ir/ops.ts';
import type { Launch, Storage } from './launch.ts';
import { lowerAddNorm } from './lower-add-norm.ts';
import { lowerAttention } from './lower-attention.ts';
import { lowerElementwise, lowerFill } from './lower-elementwise.ts';
import { lowerMatMul } from './lower-matmul.ts';
import { lowerMatMulNorm } from './lower-matmul-norm.ts';
import { lowerMatMulWmma } from './lower-matmul-wmma.ts';
import { lowerGather, lowerMovement } from './lower-movement.ts';
import { lowerReduce } from './lower-reduce.ts';
import type { Tuning } from './tuning.ts';
import { lowerCrossEntropy, lowerLayerNorm, lowerSoftmax } from './lower-rows.ts';

/** What a lowering may ask of the schedule. */
export interface LowerContext {
  /** The buffer holding a node's value (the node being lowered included). */
  buffer(node: Node): number;
  /** A scratch buffer used only by this node's launches. */
  temp(storage: Storage, size: Dim): number;
  /**
   * For a transpose of the last two axes that is not materialised (all its consumers are matmuls, which read the
   * source with swapped strides instead): its source. Undefined for every other node.
   */
  transposedFrom(node: Node): Node | undefined;
  /** For a gather of table rows that is not materialised (only AddNorm kernels read it): its [table, ids]. */
  gatheredFrom(node: Node): readonly [Node, Node] | undefined;
  /** Tile sizes of the GEMM and attention kernels; their defaults when absent. */
  readonly tuning?: Tuning;
  /** For an int8 weight (storage `i8`): the buffer of its per-row f32 scales. Undefined for every other node. */
  scaleOf(node: Node): number | undefined;
  /** The target runs warps of WARP threads with shuffles (CUDA), so reductions may use `shuffleXor` (warp.ts). */
  readonly warpShuffles: boolean;
  /** The target gains from 16-byte loads of contiguous aligned runs (CUDA), so matmuls fill their tiles by f32x4. */
  readonly vectorLoads: boolean;
  /** The target has tensor cores (CUDA): f16/bf16 GEMMs may use its intrinsics (lower-matmul-wmma.ts). */
  readonly tensorCores?: boolean;
}

export function lowerNode(node: Node, cx: LowerContext): Launch[] {
  if (ELEMENTWISE_OPS.has(node.op)) return [lowerElementwise(node, cx)];
  if (REDUCE_OPS.has(node.op)) return [lowerReduce(node, cx)];
  switch (node.op) {
    case Op.Arange:
    case Op.Const:
      return [lowerFill(node, cx)];
    case Op.Softmax:
      return [lowerSoftmax(node, cx)];
    case Op.LayerNorm:
      return [lowerLayerNorm(node, cx)];
    case Op.MatMul:
    case Op.MatMulEpilogue:
      return [lowerMatMulWmma(node, cx) ?? lowerMatMul(node, cx)];
    case Op.Gather:
      return [lowerGather(node, cx)];
    case Op.Reshape: // only when it changes storage (schedule.ts)
    case Op.Permute:
    case Op.Expand:
    case Op.Slice:
    case Op.Concat:
      return lowerMovement(node, cx);
    case Op.CrossEntropy:
      return lowerCrossEntropy(node, cx);
    case Op.Attention:
      return [lowerAttention(node, cx)];
    case Op.MatMulNorm:
      return [lowerMatMulNorm(node, cx)];
    case Op.AddNorm:
      return [lowerAddNorm(node, cx)];
    default:
      throw new Error(`kernel lowering: no kernel for ${node.op} (node %${node.id})`);
  }
}
