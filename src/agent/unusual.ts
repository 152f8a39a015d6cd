/**
 * Settings that are legal (inside the hard bounds of config.ts / pqn-config.ts, so a run can
 * start with them) but far from anything published: the form shows each as a warning on its
 * field without blocking Train, and the page logs them in Activity when the run starts.
 * One table for both algorithms: a rule applies where the algorithm has the fields it reads.
 * The typical values quoted are CleanRL's dqn_atari.py and pqn_atari_envpool.py / pqn_atari.yaml.
 *
 * Also the memory notes of the two sizes people raise most (batch_size, buffer_size): what one
 * gradient step's inputs and the requested replay would take, and what the replay is capped to.
 */
import { batchInputBytes, bytesPerTransition, replayCapacity, type DQNConfig } from './config';
import type { AgentConfig } from './algorithms';

export interface SettingNote {
  /** The config field the note belongs to (the form puts it under that input). */
  field: string;
  message: string;
}

type Cfg = Partial<Record<string, unknown>>;
const num = (c: Cfg, k: string): number | undefined => (typeof c[k] === 'number' ? (c[k] as number) : undefined);

interface Rule {
  field: string;
  /** A message when the value is unusual, else null. Reads only fields present in c. */
  check(c: Cfg): string | null;
}

const RULES: Rule[] = [
  { field: 'learning_rate', check: (c) => { const v = num(c, 'learning_rate'); return v !== undefined && v > 0.01 ? `learning_rate ${v} is unusually large (DQN 1e-4, PQN 2.5e-4): training is likely to diverge` : null; } },
  { field: 'learning_rate', check: (c) => { const v = num(c, 'learning_rate'); return v !== undefined && v < 1e-7 ? `learning_rate ${v} is so small that the network will hardly change` : null; } },
  { field: 'gamma', check: (c) => { const v = num(c, 'gamma'); return v !== undefined && v < 0.9 ? `gamma ${v} looks only a few steps ahead (Atari uses 0.99)` : null; } },
  { field: 'adam_eps', check: (c) => { const v = num(c, 'adam_eps'); return v !== undefined && v > 0.01 ? `adam_eps ${v} is unusually large (1e-8 in CleanRL): it damps every Adam step` : null; } },
  { field: 'end_e', check: (c) => { const s = num(c, 'start_e'), e = num(c, 'end_e'); return s !== undefined && e !== undefined && e > s ? `end_e ${e} is above start_e ${s}: exploration will grow over the run` : null; } },
  { field: 'batch_size', check: (c) => { const v = num(c, 'batch_size'); return v !== undefined && v > 256 ? `batch_size ${v} is unusually large (32 in CleanRL): each gradient step needs ${mb(batchInputBytes(v, num(c, 'frame_stack') ?? 4))} of inputs and will be slow` : null; } },
  { field: 'learning_starts', check: (c) => { const l = num(c, 'learning_starts'), t = num(c, 'total_timesteps'); return l !== undefined && t !== undefined && l >= t ? `learning_starts ${l} is not below total_timesteps ${t}: the run will end before it learns` : null; } },
  { field: 'train_frequency', check: (c) => { const v = num(c, 'train_frequency'); return v !== undefined && v > 64 ? `train_frequency ${v}: one gradient step per ${v} agent steps is very little learning (4 in CleanRL)` : null; } },
  { field: 'q_lambda', check: (c) => { const v = num(c, 'q_lambda'); return v !== undefined && 'num_steps' in c && v === 1 ? 'q_lambda 1 uses Monte-Carlo returns over each rollout: high variance (0.65 in pqn_atari)' : null; } },
];

const mb = (bytes: number): string => (bytes >= 1e9 ? `${(bytes / 1e9).toPrecision(3)} GB` : `${(bytes / 1e6).toPrecision(3)} MB`);

/** Warnings for a valid agent config: legal values that are unusual. */
export function unusualSettings(c: AgentConfig): SettingNote[] {
  const out: SettingNote[] = [];
  for (const r of RULES) {
    if (!(r.field in c)) continue;
    const m = r.check(c as unknown as Cfg);
    if (m) out.push({ field: r.field, message: m });
  }
  return out;
}

/**
 * The memory buffer_size asks for and what the replay will really hold on this device
 * (replayCapacity(): 84x84 frames). Informative, shown under the field; DQN only.
 */
export function replayMemoryNote(c: Pick<DQNConfig, 'buffer_size' | 'replay_max_bytes' | 'replay_memory_fraction'>, deviceMemoryBytes?: number): SettingNote {
  const per = bytesPerTransition(84, 84);
  const cap = replayCapacity(c, 84, 84, deviceMemoryBytes);
  const asked = `${c.buffer_size.toLocaleString('en-US')} rows need ${mb(c.buffer_size * per)}`;
  const message = cap.limitedBy === 'buffer_size'
    ? `${asked} of memory`
    : `${asked}; the replay is capped at ${cap.capacity.toLocaleString('en-US')} rows (${mb(cap.bytes)}) by ${cap.limitedBy === 'replay_max_bytes' ? 'replay_max_bytes' : `replay_memory_fraction (${c.replay_memory_fraction} of this device's memory)`}`;
  return { field: 'buffer_size', message };
}
