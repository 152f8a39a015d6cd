/** Public surface of the checkpoint module (see README.md for the UI-facing walkthrough). */
export { CheckpointStore, SimulatedCrash, keptByPolicy, prunedText, retentionOf } from './store';
export { isAutomaticSave } from './reasons';
export { contentIdOf } from './content-id';
export { migrateManifest, migrateRunRecord } from './migrate';
export type { PrunedCheckpoint, RetentionPolicy, SaveOptions, StorageEstimate, StoreOptions, StoreFaults } from './store';
export type { CheckpointContent } from './codec';
export { captureAgent, saveAgent, restoreAgent, envStateIOOf, configDifferences } from './restore';
export type { CaptureOptions, EnvStateIO, RestoreOptions, RestoreResult } from './restore';
export { CheckpointManager, finiteWeights, onPageLifecycle, switchMode } from './manager';
export type { AutosavePolicy, ManagerHooks, SwitchModeOptions } from './manager';
export { exportCheckpoint, exportFileName, importCheckpoint, CONTAINER_VERSION } from './container';
export type { ContainerHeader, ExportHandle, ExportOptions, ImportOptions, ImportSource } from './container';
export { toSafetensors, fromSafetensors, parseSafetensors, exportOnlineSafetensors, importSafetensorsInto, cleanrlPlan } from './safetensors';
export type { NetLayout } from './safetensors';
export { planRelayout } from './relayout';
export { CheckpointError, CheckpointQuotaError, CheckpointCorruptError, CheckpointFormatError, isQuotaError } from './errors';
export type { CheckpointErrorCode } from './errors';
export type { Counters, Manifest, RunConfig, RunMode, RunRecord, RunSummary, SaveReason, CheckpointMeta } from './types';
