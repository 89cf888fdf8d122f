/**
 * Per-launch times of a CUDA model in the shape `dslc bench` formats (runtime/profile.ts): CUDA events between the
 * launches of one forward (CudaModel.profile), repeated `reps` times after `warmup` forwards, medians kept; the
 * forward's time by events around back-to-back forwards (CudaModel.time).
 */
import type { HostTensor } from '../../backends/tensor.ts';
import { launchMedians, median, type Profile, type ProfileOptions } from '../profile.ts';
import type { CudaModel } from './model.ts';

export async function profileCuda(model: CudaModel, inputs: Readonly<Record<string, HostTensor>>, opts: ProfileOptions = {}): Promise<Profile> {
  const reps = Math.max(1, opts.reps ?? 5);
  for (let i = 0; i < (opts.warmup ?? 1); i++) await model.forward(inputs);
  const runs: Awaited<ReturnType<CudaModel['profile']>>[] = [];
  for (let r = 0; r < reps; r++) runs.push(await model.profile(inputs));
  const launches = runs[0]!.map((l) => l.launch);
  const samples = launches.map((_, j) => runs.map((run) => run[j]!.ms));
  const forwards: number[] = [];
  for (let r = 0; r < reps; r++) forwards.push(await model.time(inputs, 1, 0));
  return { timer: 'cuda-events', reps, launches: launchMedians(launches, samples), forwardMs: median(forwards) };
}
