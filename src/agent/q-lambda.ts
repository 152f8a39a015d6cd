/**
 * Q(lambda) targets over one PQN rollout (Gallici et al. 2025; ../shared/PQN_FACTS.md), computed
 * once per rollout, backwards in time, in plain JS over the arrays the acting loop filled (no
 * tensor, no allocation). Layout of every array: time-major [T, N] (index t * N + e).
 *
 *   G_{T-1} = r + gamma * (1 - d) * lastQ_e                                (lastQ = max_a Q(s_T, a))
 *   G_t     = r_t + gamma * (1 - d_t) * [ lambda * G_{t+1} + (1 - lambda) * qMax_{t+1} ]
 *   terminated at t:  G_t = r_t
 *   truncated at t:   G_t = r_t + gamma * qFinal_t   (max_a Q of the episode's true final frame)
 *
 * qMax_t = max_a Q(s_t, a) is what the acting forward pass computed at step t (no second pass).
 * For t = T-1 the general line with G_T = qMax_T = lastQ is the first line, so one loop does it.
 * Where d_t = 1 the next row belongs to a new episode, so neither G_{t+1} nor qMax_{t+1} enters.
 * Truncation differs from the reference (see pqn-config.ts): a time limit is not a terminal state,
 * so the target bootstraps from the frame the episode ended on (AgentEnv.finalObs), which the
 * agent evaluates once when the truncation happens.
 */
export interface QLambdaInput {
  numSteps: number;
  numEnvs: number;
  gamma: number;
  lambda: number;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** max_a Q(s_t, a) of the observation acted on at step t, [T, N]. */
  qMax: Float32Array;
  /** max_a Q(final frame) where the episode was truncated at t (read only there), [T, N]. */
  qFinal: Float32Array;
  /** max_a Q(s_T, a) of each env's observation after the rollout, [N]. */
  lastQ: Float32Array;
}

/** Writes the targets G_t, [T, N], into `out` (may be preallocated and reused). */
export function qLambdaReturns(i: QLambdaInput, out: Float32Array): Float32Array {
  const { numSteps: T, numEnvs: N, gamma, lambda } = i;
  if (out.length < T * N) throw new Error(`qLambdaReturns: out holds ${out.length}, need ${T * N}`);
  for (let e = 0; e < N; e++) {
    // G_{t+1} and qMax_{t+1}, starting past the rollout's end with the bootstrap lastQ for both.
    let gNext = i.lastQ[e];
    let qNext = i.lastQ[e];
    for (let t = T - 1; t >= 0; t--) {
      const k = t * N + e;
      const r = i.rewards[k];
      let g: number;
      if (i.terminated[k]) g = r;
      else if (i.truncated[k]) g = r + gamma * i.qFinal[k];
      else g = r + gamma * (lambda * gNext + (1 - lambda) * qNext);
      out[k] = g;
      gNext = g;
      qNext = i.qMax[k];
    }
  }
  return out;
}
