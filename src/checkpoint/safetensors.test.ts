import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DQNAgent } from '../agent/agent';
import { makeConfig, NETWORK_PRESETS, type NetworkSpec } from '../agent/config';
import { CueEnv } from '../agent/toyenv';
import { CheckpointError } from './errors';
import { Rng } from '../agent/rng';
import { cleanrlPlan, exportOnlineSafetensors, fromSafetensors, importSafetensorsInto, parseSafetensors, toSafetensors } from './safetensors';

// Agents train on the tfjs cpu backend here: give slow, shared machines room (default 30 s).
vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/**
 * PyTorch-semantics forward pass of CleanRL's QNetwork written from scratch on the safetensors
 * tensors: NCHW input, OIHW kernels, flatten in C,H,W order, Linear = x W^T + b, ReLU between.
 * Float64 accumulation; compared with tfjs float32 at a relative tolerance.
 */
function torchForward(st: Uint8Array, spec: NetworkSpec, xNchw: Float32Array, c0: number, h0: number, w0: number): Float64Array {
  const { tensors } = parseSafetensors(st);
  const T = (name: string) => {
    const t = tensors.get(name)!;
    return { shape: t.shape, data: new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4) };
  };
  let x: Float64Array = Float64Array.from(xNchw, (v) => v / 255);
  let C = c0, H = h0, W = w0;
  spec.conv.forEach((l, i) => {
    const k = T(`network.${2 * i}.weight`);
    const b = T(`network.${2 * i}.bias`);
    const [O, I, KH, KW] = k.shape;
    expect([I, KH, KW]).toEqual([C, l.kernel, l.kernel]);
    const OH = Math.floor((H - KH) / l.stride) + 1;
    const OW = Math.floor((W - KW) / l.stride) + 1;
    const y = new Float64Array(O * OH * OW);
    for (let o = 0; o < O; o++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
      let s = b.data[o];
      for (let c = 0; c < I; c++) for (let ky = 0; ky < KH; ky++) for (let kx = 0; kx < KW; kx++) {
        s += k.data[((o * I + c) * KH + ky) * KW + kx] * x[(c * H + oy * l.stride + ky) * W + ox * l.stride + kx];
      }
      y[(o * OH + oy) * OW + ox] = Math.max(0, s);
    }
    x = y; C = O; H = OH; W = OW;
  });
  const widths = [...spec.hidden];
  let idx = 2 * spec.conv.length + 1;
  for (let j = 0; j <= widths.length; j++, idx += 2) {
    const w = T(`network.${idx}.weight`);
    const b = T(`network.${idx}.bias`);
    const [O, I] = w.shape;
    expect(I).toBe(x.length);
    const y = new Float64Array(O);
    for (let o = 0; o < O; o++) {
      let s = b.data[o];
      for (let i = 0; i < I; i++) s += w.data[o * I + i] * x[i];
      y[o] = j < widths.length ? Math.max(0, s) : s;
    }
    x = y;
  }
  return x;
}

function agentFor(spec: NetworkSpec | 'nature', h: number, w: number, actions: number, seed = 3): DQNAgent {
  const cfg = makeConfig({ num_envs: 1, network: spec, seed, learning_starts: 10 });
  return new DQNAgent(cfg, new CueEnv({ numEnvs: 1, numActions: actions, frameHeight: h, frameWidth: w }), { capacity: 64 });
}

/** Random NHWC input [1, H, W, S] and the same in NCHW [1, S, H, W]. */
function inputs(h: number, w: number, s: number, seed: number): { nhwc: Float32Array; nchw: Float32Array } {
  const rng = new Rng(seed);
  const nhwc = new Float32Array(h * w * s);
  const nchw = new Float32Array(h * w * s);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < s; c++) {
    const v = rng.nextInt(256);
    nhwc[(y * w + x) * s + c] = v;
    nchw[(c * h + y) * w + x] = v;
  }
  return { nhwc, nchw };
}

describe('safetensors (CleanRL QNetwork layout)', () => {
  it('Nature net: CleanRL names, PyTorch shapes, and the same Q-values as a PyTorch-semantics forward pass', async () => {
    const A = agentFor('nature', 84, 84, 6);
    const st = await exportOnlineSafetensors(A.learner, { game: 'test' });
    const { tensors, metadata } = parseSafetensors(st);
    expect(metadata).toMatchObject({ format: 'pt', game: 'test' });
    const shapes = Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]));
    expect(shapes).toEqual({
      'network.0.weight': [32, 4, 8, 8], 'network.0.bias': [32],
      'network.2.weight': [64, 32, 4, 4], 'network.2.bias': [64],
      'network.4.weight': [64, 64, 3, 3], 'network.4.bias': [64],
      'network.7.weight': [512, 3136], 'network.7.bias': [512],
      'network.9.weight': [6, 512], 'network.9.bias': [6],
    });
    for (const t of tensors.values()) expect(t.dtype).toBe('F32');
    // Header length field + JSON padded so the data is 8-byte aligned.
    const n = new DataView(st.buffer).getUint32(0, true);
    expect((8 + n) % 8).toBe(0);
    const { nhwc, nchw } = inputs(84, 84, 4, 11);
    const q = await A.learner.qValues(nhwc, 1);
    const ref = torchForward(st, NETWORK_PRESETS.nature, nchw, 4, 84, 84);
    for (let a = 0; a < 6; a++) expect(Math.abs(q[a] - ref[a])).toBeLessThan(1e-4 * (1 + Math.abs(ref[a])));
    A.dispose();
  });

  it('non-square input, 2 convs, 2 hidden layers: forward pass matches; the permutation matters', async () => {
    const spec: NetworkSpec = { conv: [{ filters: 5, kernel: 3, stride: 2 }, { filters: 3, kernel: 2, stride: 1 }], hidden: [7, 6] };
    const A = agentFor(spec, 13, 9, 4, 5);
    const st = await exportOnlineSafetensors(A.learner);
    const { nhwc, nchw } = inputs(13, 9, 4, 2);
    const q = await A.learner.qValues(nhwc, 1);
    const ref = torchForward(st, spec, nchw, 4, 13, 9);
    for (let a = 0; a < 4; a++) expect(Math.abs(q[a] - ref[a])).toBeLessThan(1e-5 * (1 + Math.abs(ref[a])));
    // Without the flatten permutation (plain transpose of the first dense), the Q-values differ.
    const names = A.learner.online.localNames;
    const w = await A.learner.online.getWeights();
    const plans = cleanrlPlan({ spec, input: { height: 13, width: 9, channels: 4 }, numActions: 4, dueling: false });
    const d0 = plans.findIndex((p) => p.pt === 'network.5.weight');
    expect(names[d0]).toBe('q/dense0/kernel');
    const [nin, nout] = plans[d0].tfShape;
    const naive = new Float32Array(nin * nout);
    for (let o = 0; o < nout; o++) for (let i = 0; i < nin; i++) naive[o * nin + i] = w[d0][i * nout + o];
    const { tensors } = parseSafetensors(st);
    const good = tensors.get('network.5.weight')!;
    expect(Buffer.from(good.data).equals(Buffer.from(naive.buffer))).toBe(false);
    A.dispose();
  });

  it('round trip: export -> import into a new run gives bit-identical weights (online and target) and Q-values', async () => {
    const spec: NetworkSpec = { conv: [{ filters: 4, kernel: 4, stride: 2 }], hidden: [8] };
    const A = agentFor(spec, 12, 10, 5, 1);
    const B = agentFor(spec, 12, 10, 5, 2); // different init
    const st = await exportOnlineSafetensors(A.learner);
    importSafetensorsInto(B.learner, st);
    const bits = async (ws: Promise<Float32Array[]>) => (await ws).map((x) => Buffer.from(x.buffer).toString('base64'));
    expect(await bits(B.learner.online.getWeights())).toEqual(await bits(A.learner.online.getWeights()));
    expect(await bits(B.learner.target.getWeights())).toEqual(await bits(A.learner.online.getWeights()));
    const { nhwc } = inputs(12, 10, 4, 9);
    expect(Array.from(await B.learner.qValues(nhwc, 1))).toEqual(Array.from(await A.learner.qValues(nhwc, 1)));
    // And the bytes themselves round-trip.
    const again = toSafetensors(B.learner.online.localNames, await B.learner.online.getWeights(), { spec, input: { height: 12, width: 10, channels: 4 }, numActions: 5, dueling: false }, { format: 'pt', source: 'arcade-lab' });
    expect(Buffer.from(again).equals(Buffer.from(st))).toBe(true);
    A.dispose();
    B.dispose();
  });

  it('import refuses wrong shapes, missing or extra tensors, bad offsets, non-F32, dueling nets', async () => {
    const spec: NetworkSpec = { conv: [{ filters: 4, kernel: 4, stride: 2 }], hidden: [8] };
    const A = agentFor(spec, 12, 10, 5);
    const st = await exportOnlineSafetensors(A.learner);
    const layout = { spec, input: { height: 12, width: 10, channels: 4 }, numActions: 6, dueling: false };
    expect(() => fromSafetensors(st, layout)).toThrow(/network.5.weight has shape \[5,8\], this network needs \[6,8\]/);
    expect(() => fromSafetensors(st.slice(0, 20), { ...layout, numActions: 5 })).toThrow(CheckpointError);
    expect(() => fromSafetensors(st.slice(0, st.length - 4), { ...layout, numActions: 5 })).toThrow(/offsets/);
    expect(() => fromSafetensors(st, { ...layout, numActions: 5, spec: { ...spec, hidden: [8, 8] } })).toThrow(/unexpected tensor|lacks|shape/);
    expect(() => cleanrlPlan({ ...layout, dueling: true })).toThrow(/dueling/);
    // A file whose tensor is F16.
    const n = new DataView(st.buffer).getUint32(0, true);
    const h = JSON.parse(new TextDecoder().decode(st.subarray(8, 8 + n))) as Record<string, { dtype: string }>;
    h['network.0.bias'].dtype = 'F16';
    let js = JSON.stringify(h);
    while ((8 + js.length) % 8) js += ' ';
    const hb = new TextEncoder().encode(js);
    const f16 = new Uint8Array(8 + hb.length + st.length - 8 - n);
    new DataView(f16.buffer).setUint32(0, hb.length, true);
    f16.set(hb, 8);
    f16.set(st.subarray(8 + n), 8 + hb.length);
    expect(() => fromSafetensors(f16, { ...layout, numActions: 5 })).toThrow(/F16, expected F32/);
    A.dispose();
  });
});
