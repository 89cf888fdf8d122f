/// <reference types="@webgpu/types" />
/**
 * An output kept on the device: what `WebGpuModel.forward(inputs, { keepOnDevice: ['past_key_values'] })` returns
 * for the outputs it names, and what a later forward of the same model accepts as an input in place of host data —
 * a decoder's KV cache stays on the device from one decoding step to the next. Its buffer is its own (not the model's
 * memory pool), so later forwards never overwrite it; `dispose()` frees it, and the model frees those it made when
 * it is disposed.
 *
 * @example
 * let past = emptyCache; // a HostTensor [L, 2, B, heads, 0, head_size] for the first step
 * for (const ids of steps) {
 *   const out = await decoder.forward({ past_key_values: past, input_ids: ids, attention_mask }, { keepOnDevice: ['past_key_values'] });
 *   if (past instanceof DeviceTensor) past.dispose();
 *   past = out.past_key_values as DeviceTensor;
 * }
 */
import type { DType } from '../../compiler/ir/ops.ts';
import { UserError } from '../../dsl/errors.ts';
import { destroyBuffer } from './stats.ts';

export class DeviceTensor {
  #buffer: GPUBuffer | undefined;

  constructor(
    /** The model that made it: only that model accepts it back. */
    readonly owner: object,
    /** The output it was, e.g. `past_key_values`. */
    readonly name: string,
    readonly dtype: DType,
    readonly shape: readonly number[],
    buffer: GPUBuffer,
    /** Bytes of data (the buffer may be rounded up). */
    readonly bytes: number,
  ) {
    this.#buffer = buffer;
  }

  get disposed(): boolean {
    return this.#buffer === undefined;
  }

  /** The device buffer, for `model` reading it as input `input`; a UserError after dispose() or for another model. */
  bufferFor(model: object, input: string): GPUBuffer {
    if (!this.#buffer) throw new UserError(`input "${input}": this device tensor (the "${this.name}" output of an earlier forward) was disposed`);
    if (model !== this.owner) {
      throw new UserError(`input "${input}": this device tensor (the "${this.name}" output of an earlier forward) belongs to another model; only the model that made it can read it`);
    }
    return this.#buffer;
  }

  /** Frees the device memory; later use is an error. A second call does nothing. */
  dispose(): void {
    if (this.#buffer) destroyBuffer(this.#buffer);
    this.#buffer = undefined;
  }
}
