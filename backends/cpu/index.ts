/** The CPU reference backend: runs graph IR on host tensors; the oracle for every other backend. */
export { runGraph, type RunOptions } from './executor.ts';
export { type Accumulate, roundBf16, roundF16 } from './precision.ts';
export { erf } from './math.ts';
