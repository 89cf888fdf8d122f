/**
 * What a per-launch profile of one forward is, whichever runtime measured it (runtime/webgpu/profile.ts,
 * runtime/cuda/profile.ts), so `dslc bench` formats them alike.
 */

/** GPU timestamps around each launch, each launch submitted alone and waited for, or CUDA events between launches. */
export type TimerKind = 'timestamp' | 'submit' | 'cuda-events';

export interface ProfileOptions {
  /** Untimed forwards first (pipelines warm, buffers touched); default 1. */
  readonly warmup?: number;
  /** Timed repetitions per launch; default 5. */
  readonly reps?: number;
}

export interface LaunchTiming {
  /** Index in the program's launch list. */
  readonly launch: number;
  /** Median milliseconds. */
  readonly ms: number;
  readonly samples: readonly number[];
}

export interface Profile {
  readonly timer: TimerKind;
  readonly reps: number;
  /** Launches with work (a launch with an empty grid is left out). */
  readonly launches: readonly LaunchTiming[];
  /** Median milliseconds of a whole forward (every launch back to back). */
  readonly forwardMs: number;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Per-launch samples of `reps` repetitions → the medians, in launch order. */
export function launchMedians(launches: readonly number[], samples: readonly (readonly number[])[]): LaunchTiming[] {
  return launches.map((launch, j) => ({ launch, ms: median(samples[j]!), samples: samples[j]! }));
}
