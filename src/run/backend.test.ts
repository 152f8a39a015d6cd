/** The learner's backend acceptance check (checkTraining) on tfjs's cpu backend in Node. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkTraining } from './backend';

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
