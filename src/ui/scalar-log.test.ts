import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../run/types';
import { ScalarLog } from './scalar-log';

const snap = (step: number, loss: number | null, meanQ: number | null, time: number): MetricsSnapshot => ({
  epsilon: 0.5, loss, meanQ, time, counters: { agentSteps: step, vectorSteps: step, frames: step * 4, episodes: 0, gradientUpdates: 0 },
} as unknown as MetricsSnapshot);

describe('ScalarLog (Download metrics)', () => {
  it('one row per episode and per tick, CleanRL tag names, CSV with empty cells and JSON lines without them', () => {
    const log = new ScalarLog();
    log.tick(snap(100, null, null, 1_700_000_000_000), 50);
    log.episode({ agentStep: 120, env: 0, rawReturn: -3, length: 41, time: 1_700_000_000_500 });
    log.tick(snap(200, 0.25, 1.5, 1_700_000_001_000), 62.5);
    expect(log.toCSV()).toBe([
      'wall_time,step,kind,charts/episodic_return,charts/episodic_length,charts/SPS,losses/td_loss,losses/q_values,charts/epsilon',
      '1700000000,100,tick,,,50,,,0.5',
      '1700000000.5,120,episode,-3,41,,,,',
      '1700000001,200,tick,,,62.5,0.25,1.5,0.5',
      '',
    ].join('\n'));
    const lines = log.toJSONL().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { wall_time: 1700000000, step: 100, kind: 'tick', 'charts/SPS': 50, 'charts/epsilon': 0.5 },
      { wall_time: 1700000000.5, step: 120, kind: 'episode', 'charts/episodic_return': -3, 'charts/episodic_length': 41 },
      { wall_time: 1700000001, step: 200, kind: 'tick', 'charts/SPS': 62.5, 'losses/td_loss': 0.25, 'losses/q_values': 1.5, 'charts/epsilon': 0.5 },
    ]);
  });

  it('a resumed run\'s earlier curves come in as "history" rows without wall time, merged by step', () => {
    const log = new ScalarLog();
    log.history({ episodes: [{ x: 10, mean: 2, min: 1, max: 3, n: 2 }], loss: [{ x: 10, mean: 0.5 }, { x: 20, mean: 0.4 }], meanQ: [], stepsPerSec: [], evals: [] });
    expect(log.toCSV().split('\n').slice(1, 3)).toEqual([',10,history,2,,,0.5,,', ',20,history,,,,0.4,,']);
    expect(JSON.parse(log.toJSONL().split('\n')[0]!)).toEqual({ wall_time: null, step: 10, kind: 'history', 'charts/episodic_return': 2, 'losses/td_loss': 0.5 });
  });

  it('keeps at most maxRows, dropping the oldest and counting them', () => {
    const log = new ScalarLog(3);
    for (let i = 0; i < 5; i++) log.tick(snap(i, null, null, 0), 1);
    expect(log.rows.map((r) => r.step)).toEqual([2, 3, 4]);
    expect(log.dropped).toBe(2);
    expect(new ScalarLog().toJSONL()).toBe('');
  });
});
