/**
 * Run by alloc.test.ts in a child `node --trace-gc` process: drives the agent's pure-JS hot path
 * (replay writes for N = 8 interleaved envs with episode ends, acting frame stacks,
 * batch sampling with n = 3, priority updates) for a few thousand vector steps between two
 * markers. Zero young-generation GCs (Scavenge) between the markers means the loop allocated
 * nothing on the JS heap. Not imported by the app.
 */
import { ReplayBuffer } from './replay';
import { Rng } from './rng';

const H = 21; // small frames keep the run short; the allocation behaviour does not depend on frame size
const W = 21;
const S = 4;
const N = 8;
const prioritized = process.argv.includes('--per');
const WARM = Number(process.env.WARM ?? 3000);
const STEPS = Number(process.env.STEPS ?? 1000);
const buf = new ReplayBuffer({
  numEnvs: N, capacity: 8_000, frameHeight: H, frameWidth: W, stackSize: S, nStep: 3, gamma: 0.99, batchSize: 32,
  rng: new Rng(1), prioritized: prioritized ? { alpha: 0.5, eps: 1e-6 } : undefined,
});
const input = new Float32Array(N * H * W * S);
const obs = new Uint8Array(N * H * W);
for (let i = 0; i < obs.length; i++) obs[i] = i & 255;
const actions = new Int32Array(N);
const rewards = new Float32Array(N);
const terminated = new Uint8Array(N);
const truncated = new Uint8Array(N);
const td = new Float32Array(32).fill(0.5);

function vectorStep(k: number): void {
  terminated[k % N] = k % 97 === 0 ? 1 : 0;
  truncated[(k + 3) % N] = k % 89 === 0 ? 1 : 0;
  actions[k % N] = k % 6;
  rewards[k % N] = (k % 3) - 1;
  buf.addVectorStep(actions, rewards, terminated, truncated, obs, obs);
  buf.writeLatestStacks(input); // the acting input, stacked from replay
  terminated.fill(0);
  truncated.fill(0);
  if (buf.validCount() > 0) {
    const b = buf.sample(0.5);
    buf.updatePriorities(b.rows, td);
  }
}

buf.startEpisodes(obs);
for (let k = 0; k < WARM; k++) vectorStep(k); // warm up: JIT, rings wrap
console.log('--- hot loop start');
for (let k = 0; k < STEPS; k++) vectorStep(k);
console.log('--- hot loop end');
