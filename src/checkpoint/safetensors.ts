import { resolveNetwork, type NetworkSpec } from '../agent/config';
import { CheckpointError } from './errors';
import type { CheckpointMeta } from './types';

/**
 * The online Q-network as .safetensors with the parameter names and layouts of CleanRL's
 * PyTorch QNetwork (dqn_atari.py):
 *
 *   nn.Sequential(Conv2d(4,32,8,s4), ReLU, Conv2d(32,64,4,s2), ReLU, Conv2d(64,64,3,s1), ReLU,
 *                 Flatten, Linear(3136,512), ReLU, Linear(512,|A|))
 *   -> network.0.*, network.2.*, network.4.* (conv), network.7.*, network.9.* (linear)
 *
 * In general conv layer i is module 2i, the Flatten is module 2C, dense layer j is 2C+1+2j.
 * Layout conversions (tfjs -> PyTorch):
 *   conv kernel  HWIO [kh, kw, in, out]  ->  OIHW [out, in, kh, kw]
 *   dense kernel [in, out]               ->  [out, in]
 *   first dense: tfjs flattens the last conv output (H, W, C) in H,W,C order, PyTorch in C,H,W
 *   order, so its input columns are permuted: pt[o][c*H*W + y*W + x] = tf[(y*W + x)*C + c][o].
 * Input channels need no change: our NHWC stack has channel S-1 = newest, like FrameStack's
 * NCHW channel order (oldest first), and both nets scale by 1/255 inside.
 *
 * PQN nets (LayerNorm after every conv and hidden dense, NetLayout.layerNorm) use the parameter
 * names of the reference PQN network, purejaxql's pqn_atari.py QNetwork (Flax), flattened with
 * "/" as flax.traverse_util.flatten_dict(params, sep="/") writes them:
 *   conv i          conv{i}/kernel, conv{i}/bias          -> CNN_0/Conv_{i}/kernel, CNN_0/Conv_{i}/bias
 *   its LayerNorm   conv{i}/ln/scale, conv{i}/ln/bias     -> CNN_0/LayerNorm_{i}/scale, .../bias
 *   hidden dense j  q/dense{j}/kernel, q/dense{j}/bias    -> CNN_0/Dense_{j}/kernel, .../bias
 *   its LayerNorm   q/dense{j}/ln/scale, q/dense{j}/ln/bias -> CNN_0/LayerNorm_{C+j}/scale, .../bias
 *   output          q/out/kernel, q/out/bias              -> Dense_0/kernel, Dense_0/bias
 * with no layout change: Flax convs are HWIO on NHWC inputs, Dense kernels [in, out], and its
 * reshape flattens (H, W, C) as tfjs does. The reference's input BatchNorm_0 is a dummy (unused
 * unless NORM_INPUT) and is not written: init it fresh. CleanRL's pqn_atari_envpool.py cannot take
 * these weights as they are: its conv LayerNorms normalise over (C, H, W) with per-element affine
 * parameters, where the paper's network (and ours) normalises over channels per position.
 */

export interface NetLayout {
  spec: NetworkSpec;
  input: { height: number; width: number; channels: number };
  numActions: number;
  dueling: boolean;
  /** PQN's LayerNorm variant: purejaxql names (see the header); absent/false: CleanRL dqn_atari names. */
  layerNorm?: boolean;
}

/**
 * The network layout a checkpoint's weights have, from its meta alone (no agent needed): spec
 * from the stored config, input = frame size x frame stack, action count = size of the output
 * bias (the last parameter of a plain net; the advantage stream's when dueling). Exported
 * files carry it in their header (`network`) so readers outside this code (tools/python) need
 * not know our presets.
 */
export function layoutFromMeta(meta: Pick<CheckpointMeta, 'run' | 'learner' | 'replayGeometry'>): NetLayout {
  const g = meta.replayGeometry;
  // PQN configs have no dueling head.
  const dueling = 'dueling' in meta.run.agent && meta.run.agent.dueling;
  const out = meta.learner.names.indexOf(dueling ? 'advantage/out/bias' : 'q/out/bias');
  if (out < 0) throw new CheckpointError('incompatible', `checkpoint network has no ${dueling ? 'advantage/out/bias' : 'q/out/bias'} parameter (names: ${meta.learner.names.join(', ')})`);
  return {
    spec: resolveNetwork(meta.run.agent.network),
    input: { height: g.frameHeight, width: g.frameWidth, channels: g.stackSize },
    numActions: meta.learner.sizes[out],
    dueling,
    layerNorm: meta.run.algorithm === 'pqn',
  };
}

interface ParamPlan {
  /** Name in our variable order (QNetwork.localNames). */
  ours: string;
  pt: string;
  ptShape: number[];
  tfShape: number[];
  /** tf -> pt layout. */
  toPt(tf: Float32Array): Float32Array;
  toTf(pt: Float32Array): Float32Array;
}

function convDims(l: NetLayout): { h: number; w: number; c: number } {
  let h = l.input.height;
  let w = l.input.width;
  let c = l.input.channels;
  for (const k of l.spec.conv) {
    h = Math.floor((h - k.kernel) / k.stride) + 1;
    w = Math.floor((w - k.kernel) / k.stride) + 1;
    c = k.filters;
  }
  if (h < 1 || w < 1) throw new CheckpointError('incompatible', 'network does not fit its input');
  return { h, w, c };
}

const identity = (a: Float32Array): Float32Array => a.slice();

function hwioToOihw(k: number, cin: number, cout: number) {
  return {
    toPt(tf: Float32Array): Float32Array {
      const out = new Float32Array(tf.length);
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
        out[((o * cin + i) * k + y) * k + x] = tf[((y * k + x) * cin + i) * cout + o];
      }
      return out;
    },
    toTf(pt: Float32Array): Float32Array {
      const out = new Float32Array(pt.length);
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
        out[((y * k + x) * cin + i) * cout + o] = pt[((o * cin + i) * k + y) * k + x];
      }
      return out;
    },
  };
}

/** Dense [in, out] <-> [out, in]; `perm[ptCol] = tfRow` permutes the input columns (first dense). */
function denseTranspose(nin: number, nout: number, perm: Int32Array | null) {
  return {
    toPt(tf: Float32Array): Float32Array {
      const out = new Float32Array(tf.length);
      for (let o = 0; o < nout; o++) for (let j = 0; j < nin; j++) out[o * nin + j] = tf[(perm ? perm[j] : j) * nout + o];
      return out;
    },
    toTf(pt: Float32Array): Float32Array {
      const out = new Float32Array(pt.length);
      for (let o = 0; o < nout; o++) for (let j = 0; j < nin; j++) out[(perm ? perm[j] : j) * nout + o] = pt[o * nin + j];
      return out;
    },
  };
}

/** The parameter mapping of a net, in our variable order: purejaxql names for PQN's LayerNorm net, else CleanRL's. */
export function modelPlan(l: NetLayout): ParamPlan[] {
  return l.layerNorm ? purejaxqlPlan(l) : cleanrlPlan(l);
}

/** PQN's LayerNorm net with purejaxql's Flax names; layouts as ours (see the header). */
function purejaxqlPlan(l: NetLayout): ParamPlan[] {
  if (l.dueling) throw new CheckpointError('incompatible', 'PQN model export: dueling heads have no purejaxql counterpart');
  const plans: ParamPlan[] = [];
  const same = (ours: string, ref: string, shape: number[]) => plans.push({ ours, pt: ref, ptShape: shape, tfShape: shape, toPt: identity, toTf: identity });
  let cin = l.input.channels;
  l.spec.conv.forEach((k, i) => {
    same(`conv${i}/kernel`, `CNN_0/Conv_${i}/kernel`, [k.kernel, k.kernel, cin, k.filters]);
    same(`conv${i}/bias`, `CNN_0/Conv_${i}/bias`, [k.filters]);
    same(`conv${i}/ln/scale`, `CNN_0/LayerNorm_${i}/scale`, [k.filters]);
    same(`conv${i}/ln/bias`, `CNN_0/LayerNorm_${i}/bias`, [k.filters]);
    cin = k.filters;
  });
  const { h, w, c } = convDims(l);
  const C = l.spec.conv.length;
  let nin = h * w * c;
  l.spec.hidden.forEach((nout, j) => {
    same(`q/dense${j}/kernel`, `CNN_0/Dense_${j}/kernel`, [nin, nout]);
    same(`q/dense${j}/bias`, `CNN_0/Dense_${j}/bias`, [nout]);
    same(`q/dense${j}/ln/scale`, `CNN_0/LayerNorm_${C + j}/scale`, [nout]);
    same(`q/dense${j}/ln/bias`, `CNN_0/LayerNorm_${C + j}/bias`, [nout]);
    nin = nout;
  });
  same('q/out/kernel', 'Dense_0/kernel', [nin, l.numActions]);
  same('q/out/bias', 'Dense_0/bias', [l.numActions]);
  return plans;
}

/** CleanRL dqn_atari QNetwork names and PyTorch layouts for a (non-dueling) net, in our variable order. */
export function cleanrlPlan(l: NetLayout): ParamPlan[] {
  if (l.dueling) throw new CheckpointError('incompatible', 'CleanRL QNetwork export: dueling heads have no CleanRL counterpart');
  const plans: ParamPlan[] = [];
  let cin = l.input.channels;
  l.spec.conv.forEach((k, i) => {
    const t = hwioToOihw(k.kernel, cin, k.filters);
    plans.push({ ours: `conv${i}/kernel`, pt: `network.${2 * i}.weight`, ptShape: [k.filters, cin, k.kernel, k.kernel], tfShape: [k.kernel, k.kernel, cin, k.filters], ...t });
    plans.push({ ours: `conv${i}/bias`, pt: `network.${2 * i}.bias`, ptShape: [k.filters], tfShape: [k.filters], toPt: identity, toTf: identity });
    cin = k.filters;
  });
  const { h, w, c } = convDims(l);
  const flat = h * w * c;
  // perm[ptIndex] = tfIndex for the flattened conv output.
  const perm = new Int32Array(flat);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) perm[ch * h * w + y * w + x] = (y * w + x) * c + ch;
  const C = l.spec.conv.length;
  const widths = [...l.spec.hidden, l.numActions];
  let nin = flat;
  widths.forEach((nout, j) => {
    const ours = j < l.spec.hidden.length ? `q/dense${j}` : 'q/out';
    const idx = 2 * C + 1 + 2 * j;
    const t = denseTranspose(nin, nout, j === 0 ? perm : null);
    plans.push({ ours: `${ours}/kernel`, pt: `network.${idx}.weight`, ptShape: [nout, nin], tfShape: [nin, nout], ...t });
    plans.push({ ours: `${ours}/bias`, pt: `network.${idx}.bias`, ptShape: [nout], tfShape: [nout], toPt: identity, toTf: identity });
    nin = nout;
  });
  return plans;
}

/**
 * Serialises weights (our variable order, names = QNetwork.localNames) as a .safetensors file
 * with CleanRL names and layouts. `metadata` goes into __metadata__ (string values).
 */
export function toSafetensors(names: readonly string[], weights: readonly Float32Array[], l: NetLayout, metadata: Record<string, string> = {}): Uint8Array {
  const plans = modelPlan(l);
  if (names.length !== plans.length || names.some((n, i) => n !== plans[i].ours)) {
    throw new CheckpointError('incompatible', `network parameters [${names.join(', ')}] do not match the ${l.layerNorm ? 'purejaxql PQN' : 'CleanRL'} layout [${plans.map((p) => p.ours).join(', ')}]`);
  }
  const header: Record<string, unknown> = { __metadata__: { format: l.layerNorm ? 'flax' : 'pt', source: 'arcade-lab', ...metadata } };
  const datas: Float32Array[] = [];
  let off = 0;
  plans.forEach((p, i) => {
    const n = p.ptShape.reduce((a, b) => a * b, 1);
    if (weights[i].length !== n) throw new CheckpointError('incompatible', `${p.ours} has ${weights[i].length} values, expected ${n}`);
    const d = p.toPt(weights[i]);
    datas.push(d);
    header[p.pt] = { dtype: 'F32', shape: p.ptShape, data_offsets: [off, off + d.byteLength] };
    off += d.byteLength;
  });
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (the reference implementation does the same).
  const enc = new TextEncoder();
  while ((8 + enc.encode(json).length) % 8 !== 0) json += ' ';
  const hb = enc.encode(json);
  const out = new Uint8Array(8 + hb.length + off);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, hb.length, true);
  dv.setUint32(4, 0, true);
  out.set(hb, 8);
  let o = 8 + hb.length;
  for (const d of datas) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), o);
    o += d.byteLength;
  }
  return out;
}

export interface SafetensorsTensor {
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** Parses any .safetensors file (validating offsets); tensors keep their raw little-endian bytes. */
export function parseSafetensors(bytes: Uint8Array): { tensors: Map<string, SafetensorsTensor>; metadata: Record<string, string> } {
  const bad = (m: string): never => { throw new CheckpointError('format', `not a valid .safetensors file: ${m}`); };
  if (bytes.length < 8) bad('shorter than its 8-byte header length');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (n < 2 || 8 + n > bytes.length) bad(`header length ${n} does not fit the file (${bytes.length} bytes)`);
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch {
    return bad('header is not JSON');
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) bad('header is not an object');
  const dataLen = bytes.length - 8 - n;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k === '__metadata__') { metadata = v as Record<string, string>; continue; }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t.dtype !== 'string' || !Array.isArray(t.shape) || !Array.isArray(t.data_offsets) || t.data_offsets.length !== 2) bad(`tensor ${k} entry malformed`);
    const [b, e] = t.data_offsets as number[];
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < b || e > dataLen) bad(`tensor ${k} offsets [${b}, ${e}] outside the data (${dataLen} bytes)`);
    tensors.set(k, { dtype: t.dtype as string, shape: (t.shape as number[]).slice(), data: bytes.slice(8 + n + b, 8 + n + e) });
  }
  return { tensors, metadata };
}

/** Weights in our variable order from a CleanRL-layout (DQN) or purejaxql-named (PQN) .safetensors file (shapes checked). */
export function fromSafetensors(bytes: Uint8Array, l: NetLayout): Float32Array[] {
  const { tensors } = parseSafetensors(bytes);
  const plans = modelPlan(l);
  const want = new Set(plans.map((p) => p.pt));
  for (const k of tensors.keys()) if (!want.has(k)) throw new CheckpointError('incompatible', `safetensors has an unexpected tensor ${k} (expected ${[...want].join(', ')})`);
  return plans.map((p) => {
    const t = tensors.get(p.pt);
    if (!t) throw new CheckpointError('incompatible', `safetensors lacks ${p.pt}`);
    if (t.dtype !== 'F32') throw new CheckpointError('incompatible', `${p.pt} is ${t.dtype}, expected F32`);
    if (t.shape.length !== p.ptShape.length || t.shape.some((d, i) => d !== p.ptShape[i])) {
      throw new CheckpointError('incompatible', `${p.pt} has shape [${t.shape}], this network needs [${p.ptShape}]`);
    }
    return p.toTf(new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4));
  });
}

/** Minimal view of DQNLearner/QNetwork used here (keeps this file free of tfjs imports). */
interface OnlineNet {
  spec: NetworkSpec;
  input: { height: number; width: number; channels: number };
  numActions: number;
  dueling: boolean;
  hasLayerNorm: boolean;
  localNames: string[];
  getWeights(): Promise<Float32Array[]>;
  setWeights(v: ArrayLike<number>[]): void;
}

export function layoutOf(net: OnlineNet): NetLayout {
  return { spec: net.spec, input: net.input, numActions: net.numActions, dueling: net.dueling, layerNorm: net.hasLayerNorm };
}

/** The online network of a learner as CleanRL-compatible .safetensors bytes. */
export async function exportOnlineSafetensors(learner: { online: OnlineNet }, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const net = learner.online;
  return toSafetensors(net.localNames, await net.getWeights(), layoutOf(net), metadata);
}

/** Loads CleanRL-layout weights into a (new run's) learner: online and target both get them. */
export function importSafetensorsInto(learner: { online: OnlineNet; target: OnlineNet }, bytes: Uint8Array): void {
  const w = fromSafetensors(bytes, layoutOf(learner.online));
  learner.online.setWeights(w);
  learner.target.setWeights(w);
}
