/** Public surface of the environment layer. */
export { AtariEnv, DEFAULT_ENV_OPTIONS, newStepOutcome, observationShape, resolveEnvOptions } from './atari-env';
export type { AtariEnvOptions, ResetResult, StepInfo, StepOutcome, StepResult } from './atari-env';
export type { Emulator, EmulatorHost, EmulatorSettings, EmulatorSpec, FakeGameParams } from './emulator';
export { FakeEmulator, FakeHost } from './fake-emulator';
export { AreaResizer, maxPool, ReferenceObserver } from './preprocess';
export { VecEnv, VecEnvError } from './vec-env';
export type { EnvStats, EpisodeRecord, VecBatch, VecEnvEvent, VecEnvOptions, VecStepResult } from './vec-env';
export { browserWorkerFactory } from './worker-handle';
export type { WorkerFactory, WorkerHandle } from './worker-handle';
export type { Transport } from './worker-core';
