import { resolveNetwork, type DQNConfig, type NetworkSpec } from '../agent/config';
import type { Algorithm } from '../agent/algorithms';
import type { PQNConfig } from '../agent/pqn-config';
import { CheckpointError } from './errors';
import { splitF32 } from './codec';
import { fromSafetensors, layoutFromMeta, parseSafetensors, toSafetensors, type NetLayout } from './safetensors';
import type { CheckpointStore } from './store';

/**
 * "Export model (PyTorch)" / "Import model": the online Q-network alone as a .safetensors file
 * with CleanRL dqn_atari.py QNetwork names and layouts (safetensors.ts), plus metadata saying
 * what it is for, so an import can check it against the game and the network before anything
 * is created. Metadata values are strings (the safetensors format); JSON where structured:
 *
 *   format "pt", source "arcade-lab"        (safetensors.ts)
 *   arcadelab_model   "1"                   version of this metadata
 *   game, game_md5                          the game's name and ROM md5
 *   action_set        JSON [ALE action ids] what each output means (the game's minimal set, or all 18)
 *   num_actions       "4"
 *   network           JSON {conv: [{filters, kernel, stride}], hidden: [..]} (resolved, no preset names)
 *   input             JSON {height, width, channels} (channels = frame stack, oldest first)
 *   dueling           "false"
 *   algorithm         "dqn" (double_q "true"/"false"); the agent config rides along as agent_config JSON
 *   agent_steps       steps trained
 *   cleanrl           "dqn_atari.QNetwork"  the PyTorch module the names and layouts follow
 *
 * A file from elsewhere (e.g. CleanRL's own torch.save -> safetensors) may lack all of it: then
 * the network is the one the page is set to and only the tensors' names and shapes decide.
 */

export const MODEL_METADATA_VERSION = '1';

export interface ModelInfo {
  game: string;
  gameMd5: string;
  /** Null when not known here (a ROM the library worker does not have): the key is left out. */
  actionSet: readonly number[] | null;
  agentSteps: number;
  algorithm: Algorithm;
  agent: DQNConfig | PQNConfig;
}

/** The metadata block of an exported model. */
export function modelMetadata(layout: NetLayout, info: ModelInfo): Record<string, string> {
  return {
    arcadelab_model: MODEL_METADATA_VERSION,
    game: info.game,
    game_md5: info.gameMd5,
    ...(info.actionSet ? { action_set: JSON.stringify(info.actionSet) } : {}),
    num_actions: String(layout.numActions),
    network: JSON.stringify(layout.spec),
    input: JSON.stringify(layout.input),
    dueling: String(layout.dueling),
    algorithm: info.algorithm,
    ...('double_q' in info.agent ? { double_q: String(info.agent.double_q) } : {}),
    agent_config: JSON.stringify(info.agent),
    agent_steps: String(info.agentSteps),
    // Whose parameter names and layouts the tensors have (safetensors.ts).
    ...(layout.layerNorm ? { reference: 'purejaxql pqn_atari.QNetwork params (Flax, flatten_dict sep "/")' } : { cleanrl: 'dqn_atari.QNetwork' }),
  };
}

export function modelFileName(game: string, agentSteps: number): string {
  return `${game.replace(/[^A-Za-z0-9_-]+/g, '_') || 'model'}-${agentSteps}steps.safetensors`;
}

/** The online net of a stored checkpoint as a model file (no agent, no tfjs: the library worker). */
export async function exportCheckpointModel(store: CheckpointStore, id: string, actionSet: readonly number[] | null): Promise<{ bytes: Uint8Array; fileName: string }> {
  const m = await store.getManifest(id);
  const layout = layoutFromMeta(m.meta);
  const weights = splitF32(await store.readArray(m, 'net/online'), m.meta.learner.sizes, 'net/online');
  const run = m.meta.run;
  const game = run.gameName ?? run.gameMd5.slice(0, 8);
  const bytes = toSafetensors(m.meta.learner.names, weights, layout, modelMetadata(layout, {
    game, gameMd5: run.gameMd5, actionSet, agentSteps: m.counters.agentSteps, algorithm: run.algorithm, agent: run.agent,
  }));
  return { bytes, fileName: modelFileName(game, m.counters.agentSteps) };
}

export const networkText = (s: NetworkSpec): string => `conv ${s.conv.map((c) => `${c.filters}×${c.kernel}/${c.stride}`).join(', ') || 'none'}, hidden [${s.hidden.join(', ')}]`;

export interface ModelTarget {
  /** The game the model is imported for (its name and the action count of its action set). */
  game: string;
  numActions: number;
  /** Frame size the env gives (84x84). */
  frameHeight: number;
  frameWidth: number;
  /** The network the page is set to (used when the file does not say). */
  network: DQNConfig['network'];
  frameStack: number;
  /** The new run's algorithm: a PQN run needs a PQN (LayerNorm, purejaxql-named) file, a DQN run a CleanRL one. */
  algorithm: Algorithm;
}

export interface ModelPlan {
  /** Network and frame stack the new run must have for these weights (the file's own when it names them). */
  network: NetworkSpec;
  frameStack: number;
  /** Weights in our variable order and layouts (QNetwork.localNames), checked. */
  weights: Float32Array[];
  metadata: Record<string, string>;
}

function parseJsonMeta<T>(metadata: Record<string, string>, key: string, ok: (v: unknown) => boolean): T | undefined {
  const raw = metadata[key];
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new CheckpointError('format', `model metadata "${key}" is not JSON (${raw.slice(0, 80)})`);
  }
  if (!ok(v)) throw new CheckpointError('format', `model metadata "${key}" is malformed (${raw.slice(0, 80)})`);
  return v as T;
}

/**
 * Checks a model file against the game it is imported for and returns what the new run needs.
 * Refused with a CheckpointError (nothing created): not safetensors / truncated header (format),
 * action count or network differing from the game's / the file's own (incompatible, naming
 * both), unknown or missing tensor names, wrong dtype or shape (incompatible, from
 * fromSafetensors).
 */
export function planModelImport(bytes: Uint8Array, t: ModelTarget): ModelPlan {
  const { metadata } = parseSafetensors(bytes);
  const fromGame = metadata.game ? ` (trained on ${metadata.game})` : '';
  if (metadata.num_actions !== undefined && Number(metadata.num_actions) !== t.numActions) {
    throw new CheckpointError('incompatible', `the model has ${metadata.num_actions} actions${fromGame}, ${t.game} has ${t.numActions}: it cannot play this game`);
  }
  const fileNet = parseJsonMeta<NetworkSpec>(metadata, 'network', (v) => {
    try { resolveNetwork(v as NetworkSpec); return typeof v === 'object'; } catch { return false; }
  });
  const input = parseJsonMeta<{ height: number; width: number; channels: number }>(metadata, 'input',
    (v) => !!v && typeof v === 'object' && [(v as { height: unknown }).height, (v as { width: unknown }).width, (v as { channels: unknown }).channels].every((x) => Number.isInteger(x) && (x as number) > 0));
  if (input && (input.height !== t.frameHeight || input.width !== t.frameWidth)) {
    throw new CheckpointError('incompatible', `the model takes ${input.height}×${input.width} frames${fromGame}, ${t.game}'s env gives ${t.frameHeight}×${t.frameWidth}`);
  }
  if (metadata.dueling === 'true') throw new CheckpointError('incompatible', 'the model has a dueling head: CleanRL QNetwork files have none and this importer reads only those');
  // Files without the key are CleanRL's (DQN); ours always say.
  const fileAlgorithm = metadata.algorithm ?? 'dqn';
  if (fileAlgorithm !== t.algorithm) {
    throw new CheckpointError('incompatible', `the model is a ${fileAlgorithm.toUpperCase()} network${fileAlgorithm === 'pqn' ? ' (LayerNorm after each layer)' : ''}${fromGame}; this run is ${t.algorithm.toUpperCase()}: choose Algorithm ${fileAlgorithm.toUpperCase()} in the new-run form to import it`);
  }
  const network = fileNet ?? resolveNetwork(t.network);
  const frameStack = input?.channels ?? t.frameStack;
  const layout: NetLayout = { spec: network, input: { height: t.frameHeight, width: t.frameWidth, channels: frameStack }, numActions: t.numActions, dueling: false, layerNorm: t.algorithm === 'pqn' };
  let weights: Float32Array[];
  try {
    weights = fromSafetensors(bytes, layout);
  } catch (e) {
    if (!(e instanceof CheckpointError) || fileNet) throw e;
    // No network in the file: say which one it was checked against.
    throw new CheckpointError(e.code, `${e.message} (the file does not name its network; it was checked against the page's network: ${networkText(network)}, ${t.numActions} actions for ${t.game})`);
  }
  return { network, frameStack, weights, metadata };
}
