/**
 * Model export from a live run and "Import model" as a new run (the learner worker calls these;
 * the file format and its checks are src/checkpoint/model.ts). Kept out of controller.ts: both
 * only need the controller's public agent and config.
 */
import { modelFileName, modelMetadata, planModelImport } from '../checkpoint/model';
import { layoutOf, toSafetensors } from '../checkpoint/safetensors';
import { RunConfigError, validateRunConfig, type RunConfig } from './config';
import { RunControllerImpl, type RunDeps } from './controller';

/** What the game's env looks like (from a probe env built with the run's env options). */
export interface GameProbe {
  name: string;
  md5: string;
  actionSet: readonly number[];
  frameHeight: number;
  frameWidth: number;
}

/**
 * The online net of a running run as a model file. The variables are cloned in one synchronous
 * pass, so the copy is one consistent set of weights even when a gradient step lands while the
 * data is read back (a clone keeps the old data when the variable is assigned anew); training
 * need not pause.
 */
export async function exportLiveModel(c: RunControllerImpl, game: GameProbe): Promise<{ bytes: Uint8Array; fileName: string }> {
  // DQN: CleanRL dqn_atari names; PQN (LayerNorm net): purejaxql names (safetensors.ts).
  const net = c.agent.learner.online;
  const snap = net.variables.map((v) => v.clone());
  let weights: Float32Array[];
  try {
    weights = (await Promise.all(snap.map((t) => t.data()))) as Float32Array[];
  } finally {
    for (const t of snap) t.dispose();
  }
  const layout = layoutOf(net);
  const steps = c.agent.globalStep;
  const bytes = toSafetensors(net.localNames, weights, layout, modelMetadata(layout, {
    game: game.name, gameMd5: game.md5, actionSet: game.actionSet, agentSteps: steps, algorithm: c.config.algorithm, agent: c.agent.cfg,
  }));
  return { bytes, fileName: modelFileName(game.name, steps) };
}

/**
 * A new run whose online (and, for DQN, target) net starts from a model file. The file is checked against
 * the game (action count, frame size) and its own network before anything is built or stored
 * (planModelImport), so a refused file leaves no run behind. The run takes the file's network
 * and frame stack when it names them; everything else is `config` (the page's settings).
 */
export async function createRunFromModel(bytes: Uint8Array, config: RunConfig, game: GameProbe, deps: RunDeps): Promise<RunControllerImpl> {
  const plan = planModelImport(bytes, {
    game: game.name, numActions: game.actionSet.length, frameHeight: game.frameHeight, frameWidth: game.frameWidth,
    network: config.agent.network, frameStack: config.agent.frame_stack, algorithm: config.algorithm,
  });
  const cfg: RunConfig = { ...config, agent: { ...config.agent, network: plan.network, frame_stack: plan.frameStack } };
  const problems = validateRunConfig(cfg);
  if (problems.length) throw new RunConfigError(problems);
  const c = await RunControllerImpl.create(cfg, deps);
  try {
    const learner = c.agent.learner;
    learner.online.setWeights(plan.weights);
    if ('target' in learner) learner.target.setWeights(plan.weights); // DQN; PQN has no target net
  } catch (e) {
    await c.close().catch(() => undefined);
    await deps.store.deleteRun(c.runId).catch(() => undefined);
    throw e;
  }
  return c;
}
