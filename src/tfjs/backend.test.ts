import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createAdam, describeAdapter, probeWebGPU, selectBackend } from './backend';
import { trainingSmoke } from './smoke';

describe('tfjs backend selection (Node)', () => {
  it('reports WebGPU as unavailable with a reason where navigator.gpu is missing', async () => {
    const p = await probeWebGPU();
    if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return; // a Node with WebGPU: nothing to check
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/navigator\.gpu/);
  });

  it('falls through WebGPU and WebGL to CPU, recording why each failed', async () => {
    const sel = await selectBackend();
    expect(sel.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(sel.attempts.map((a) => a.name)).toEqual(['webgpu', 'webgl', 'cpu']);
    expect(sel.attempts.slice(0, 2).every((a) => !a.ok && a.error)).toBe(true);
  });

  it('throws a clear error when no listed backend works', async () => {
    await expect(selectBackend(['webgl'])).rejects.toThrow(/no TensorFlow.js backend works here: webgl/);
  });

  it('passes Adam epsilon through', () => {
    const opt = createAdam(1e-4, { epsilon: 1e-8 });
    expect(opt.getConfig()).toMatchObject({ learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    opt.dispose();
  });

  it('training smoke lowers the loss on CPU', async () => {
    await selectBackend(['cpu']);
    const r = await trainingSmoke(6);
    expect(r.losses).toHaveLength(6);
    expect(r.losses[5]!).toBeLessThan(r.losses[0]!);
    await expect(trainingSmoke(1)).rejects.toThrow(RangeError);
  });

  it('describes adapters in one line', () => {
    expect(describeAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader Device', isFallbackAdapter: true }))
      .toBe('google swiftshader (SwiftShader Device, software fallback adapter)');
    expect(describeAdapter({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false })).toBe('unnamed adapter');
  });
});
