/**
 * An output kept on the device: what a device model's `forward(inputs, { keepOnDevice: ['past_key_values'] })`
 * returns for the outputs it names (WebGPU and CUDA), and what a later forward of the same model accepts as an input
 * in place of host data — a decoder's KV cache stays on the device from one decoding step to the next. Its memory is
 * its own (not the model's pool), so later forwards never overwrite it; `dispose()` frees it, and the model frees
 * those it made when it is disposed. `H` is the backend's handle (a GPUBuffer, a CUDA device pointer).
 *
 * @example
 * let past = emptyCache; // a HostTensor [L, 2, B, heads, 0, head_size] for the first step
 * for (const ids of steps) {
 *   const out = await decoder.forward({ past_key_values: past, input_ids: ids, attention_mask }, { keepOnDevice: ['past_key_values'] });
 *   if (past instanceof DeviceTensor) past.dispose();
 *   past = out.past_key_values as DeviceTensor;
 * }
 */
import type { HostTensor } from '../backends/tensor.ts';
import type { DType } from '../compiler/ir/ops.ts';
import { UserError } from '../dsl/errors.ts';

export class DeviceTensor<H = unknown> {
  #handle: H | undefined;
  // typed loosely so that a DeviceTensor<GPUBuffer> is a DeviceTensor (H only comes out of it)
  readonly #free: (handle: never) => void;

  constructor(
    /** The model that made it: only that model accepts it back. */
    readonly owner: object,
    /** The output it was, e.g. `past_key_values`. */
    readonly name: string,
    readonly dtype: DType,
    readonly shape: readonly number[],
    handle: H,
    /** Bytes of data (the allocation may be rounded up). */
    readonly bytes: number,
    free: (handle: H) => void,
  ) {
    this.#handle = handle;
    this.#free = free;
  }

  get disposed(): boolean {
    return this.#handle === undefined;
  }

  /** The device memory, for `model` reading it as input `input`; a UserError after dispose() or for another model. */
  handleFor(model: object, input: string): H {
    if (this.#handle === undefined) throw new UserError(`input "${input}": this device tensor (the "${this.name}" output of an earlier forward) was disposed`);
    if (model !== this.owner) {
      throw new UserError(`input "${input}": this device tensor (the "${this.name}" output of an earlier forward) belongs to another model; only the model that made it can read it`);
    }
    return this.#handle;
  }

  /** Frees the device memory; later use is an error. A second call does nothing. */
  dispose(): void {
    if (this.#handle !== undefined) (this.#free as (handle: H) => void)(this.#handle);
    this.#handle = undefined;
  }
}

/**
 * A device model's forward inputs, split: host tensors, and the DeviceTensors `model` made (a UserError for one that
 * was disposed or is another model's); and the outputs named in `keep` checked against the graph's.
 */
export function splitDeviceInputs(
  model: object,
  inputs: Readonly<Record<string, HostTensor | DeviceTensor>>,
  outputs: readonly string[],
  keep: ReadonlySet<string>,
): { host: Record<string, HostTensor>; resident: Record<string, DeviceTensor> } {
  const host: Record<string, HostTensor> = {};
  const resident: Record<string, DeviceTensor> = {};
  for (const [name, v] of Object.entries(inputs)) {
    if (!(v instanceof DeviceTensor)) host[name] = v;
    else {
      v.handleFor(model, name);
      resident[name] = v;
    }
  }
  for (const k of keep) if (!outputs.includes(k)) throw new UserError(`keepOnDevice: no output "${k}" (outputs are: ${outputs.join(', ')})`);
  return { host, resident };
}
