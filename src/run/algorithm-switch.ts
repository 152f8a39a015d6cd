/**
 * The weight hand-over of an algorithm switch (DQN -> PQN, RunControllerImpl.switchAlgorithm):
 * every parameter of the new online net whose local name (QNetwork.localNames: conv0/kernel,
 * q/dense0/bias, q/out/kernel, ...) and element count match one of the old online net is copied;
 * the rest keep the new net's init (PQN's LayerNorm scale/bias, or layers whose shape changed,
 * e.g. another network preset). Target net, replay and optimizer moments are not carried over.
 */
import type { LearnerState } from '../agent/learner';

export function transferWeights(from: Pick<LearnerState, 'names' | 'online'>, to: Pick<LearnerState, 'names' | 'online'>): { online: Float32Array[]; kept: string[]; fresh: string[] } {
  const kept: string[] = [];
  const fresh: string[] = [];
  const online = to.names.map((name, i) => {
    const j = from.names.indexOf(name);
    if (j >= 0 && from.online[j].length === to.online[i].length) {
      kept.push(name);
      return Float32Array.from(from.online[j]);
    }
    fresh.push(name);
    return to.online[i];
  });
  return { online, kept, fresh };
}
