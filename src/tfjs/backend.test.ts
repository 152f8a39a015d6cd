/** The learner's backend choice (chooseBackend) and its acceptance check (checkTraining) on tfjs's cpu backend in Node. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkTraining, chooseBackend } from './backend';
import { DEFAULT_BACKENDS } from './backend-names';

describe('checkTraining', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('accepts a working backend every time (fixed seeds: no dead-ReLU start can refuse it)', async () => {
    // Before the seeds, about 1 start in 300 drew filters whose ReLUs were all dead and the check
    // refused a working backend; with fixed seeds the outcome is the same on every start.
    for (let i = 0; i < 5; i++) await expect(checkTraining()).resolves.toBeUndefined();
  });

  it('refuses a backend whose gradient step does not train', async () => {
    // A broken kernel stands in for a backend that initialises but cannot train: variable
    // updates that are silently dropped leave the loss where it was.
    const assign = tf.Variable.prototype.assign;
    tf.Variable.prototype.assign = function () {};
    try {
      await expect(checkTraining()).rejects.toThrow(/did not lower the loss/);
    } finally {
      tf.Variable.prototype.assign = assign;
    }
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await checkTraining();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('chooseBackend (Node: no WebGPU, no WebGL, no wasm assets)', () => {
  it('falls through to cpu and says why each backend before it was skipped', async () => {
    const info = await chooseBackend(DEFAULT_BACKENDS, null);
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.fallbackReasons.map((r) => r.split(':')[0])).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(info.fallbackReasons[2]).toMatch(/assets were not provided/);
  });

  it('throws a clear error when no listed backend can train', async () => {
    await expect(chooseBackend(['webgl'], null)).rejects.toThrow(/no TensorFlow.js backend can train here: webgl: /);
    await tf.setBackend('cpu');
  });
});
