// Registers our WebAssembly training kernels (conv forward and gradients, GEMM) for tfjs's 'wasm'
// backend.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (so no conv net can train on it) and its
// Conv2DBackpropInput is a scalar loop (~90 ms for one Nature-DQN layer). Both are replaced by
// kernels from public/train_kernels.wasm. So are BatchMatMul's transposed products (the dense
// layers' gradients), which tfjs-wasm computes in a scalar triple loop (~90-120 ms per product
// for the 3136x512 layer), and plain products with weights XNNPACK has not packed yet (see
// RegisterOptions.replaceMatMul). Conv2D (forward) is ours too: XNNPACK runs it on one core
// (tfjs's threaded build is not used, see backend.ts), ours on every core (kernels-module.ts).
//
// Data path: tfjs-wasm keeps every tensor in its Emscripten heap; our module has its own memory.
// Per call we copy each input once (Float32Array view on tfjs's heap -> .set into ours, a plain
// memcpy with no intermediate array), compute, then copy the result once into a tensor
// allocated by the backend (makeOutput) through a view on its heap. readSync() would add a
// second copy (it slices), see tools/bench-train-wasm.ts for the measured difference.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TrainKernels, type ConvGeometry, type LoadOptions } from './kernels-module';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;
type NamedAttrMap = tf.NamedAttrMap;

export interface RegisterOptions extends LoadOptions {
  /** Also replace the wasm backend's own (slow) Conv2DBackpropInput. Default true. */
  replaceBackpropInput?: boolean;
  /** Also replace the wasm backend's Conv2D (forward; XNNPACK, one core). Default true. */
  replaceConv2D?: boolean;
  /** Run tf.AdamOptimizer's update as one kernel of ours on 'wasm' (installFusedAdam). Default true. */
  fusedAdam?: boolean;
  /**
   * BatchMatMul. tfjs-wasm runs transposed products (every dense-layer gradient) in a scalar
   * loop, so ours serves those in every mode but 'none'. Plain products go to XNNPACK there,
   * which caches an operator per weight tensor: fast when the same B is reused (~10 ms for
   * 32x3136x512, 0.4 ms at batch 1), slow for a new one (~50 ms of weight packing; our GEMM
   * ~17 ms). Inside a training step B is always new (Adam replaced the weights; inference goes
   * through _FusedMatMul, which we leave alone). 'auto' (default): ours for plain products unless
   * this B tensor has already been the operand of two plain products, then XNNPACK;
   * 'transposed': plain products always XNNPACK; 'all': always ours; 'none': BatchMatMul untouched.
   */
  replaceMatMul?: 'auto' | 'transposed' | 'all' | 'none';
  /**
   * How inputs leave tfjs's heap: 'heap-view' (default; one copy) or 'readSync' (extra copy;
   * kept only so the benchmark can measure the difference).
   */
  copyMode?: 'heap-view' | 'readSync';
}

export interface RegisteredKernels {
  kernels: TrainKernels;
  /** Kernel names now served by our module on the 'wasm' backend. */
  kernelNames: string[];
}

const BACKEND = 'wasm';
let pending: Promise<RegisteredKernels> | null = null;
let copyMode: 'heap-view' | 'readSync' = 'heap-view';
let matMulMode: 'auto' | 'transposed' | 'all' = 'auto';
/** Conv2D forward through ours (false: tfjs-wasm's XNNPACK; only the benchmark turns it off). */
let conv2dOurs = true;
/** How often each B tensor (by dataId) was the operand of a plain product ('auto' mode). */
let plainUses = new WeakMap<object, number>();

/** Kernel functions we installed, so re-registration can tell ours from someone else's. */
const ours = new Map<string, KernelFunc>();

function fail(kernel: string, msg: string): never {
  throw new Error(`${kernel} (wasm training kernels): ${msg}`);
}

function checkAttrs(kernel: string, attrs: NamedAttrMap): void {
  const fmt = attrs.dataFormat as string | undefined;
  if (fmt !== undefined && fmt !== 'NHWC' && fmt !== 'channelsLast') {
    fail(kernel, `only NHWC data format is supported, got ${fmt}`);
  }
  const dil = attrs.dilations as number | number[] | undefined;
  if (dil !== undefined) {
    const ds = Array.isArray(dil) ? dil : [dil, dil];
    if (ds.some((d) => d !== 1)) fail(kernel, `only dilation 1 is supported, got ${JSON.stringify(dil)}`);
  }
}

function geometry(
  kernel: string,
  xShape: number[],
  filterShape: number[],
  dyShape: number[] | null, // null for the forward pass (no dy to check)
  attrs: NamedAttrMap,
): ConvGeometry {
  if (xShape.length !== 4 || filterShape.length !== 4 || (dyShape && dyShape.length !== 4)) {
    fail(kernel, `expected rank-4 x/filter/dy, got ${JSON.stringify([xShape, filterShape, dyShape])}`);
  }
  if (filterShape[2] !== xShape[3]) {
    fail(kernel, `filter in-channels ${filterShape[2]} != input channels ${xShape[3]}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  const g: ConvGeometry = {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
  const want = [g.batch, g.outH, g.outW, g.outC];
  if (dyShape && want.some((v, i) => v !== dyShape[i])) {
    fail(kernel, `dy shape ${JSON.stringify(dyShape)} does not match the convolution output ${JSON.stringify(want)}`);
  }
  if (g.padTop < 0 || g.padLeft < 0) fail(kernel, 'negative padding is not supported');
  return g;
}

function floatsOf(backend: BackendWasm, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`wasm training kernels: expected float32 tensors, got ${t.dtype}`);
  if (copyMode === 'readSync') return backend.readSync(t.dataId) as Float32Array;
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Copies a tfjs-wasm tensor into our memory; returns the pointer. */
function copyIn(k: TrainKernels, backend: BackendWasm, t: TensorInfo): number {
  const n = tf.util.sizeFromShape(t.shape);
  const p = k.allocF32(n);
  k.f32(p, n).set(floatsOf(backend, t));
  return p;
}

/** Makes the output tensor in tfjs's heap and copies our result into it. */
function copyOut(k: TrainKernels, backend: BackendWasm, shape: number[], ptr: number): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const n = tf.util.sizeFromShape(shape);
  (backend.typedArrayFromHeap(out) as Float32Array).set(k.f32(ptr, n));
  return out;
}

function zerosOut(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  return out;
}

function makeBackpropFilter(k: TrainKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const name = 'Conv2DBackpropFilter';
    const b = backend as BackendWasm;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = (attrs ?? {}) as NamedAttrMap;
    checkAttrs(name, a);
    const filterShape = [...(a.filterShape as number[])];
    const g = geometry(name, x.shape, filterShape, dy.shape, a);
    if (tf.util.sizeFromShape(x.shape) === 0 || tf.util.sizeFromShape(dy.shape) === 0) {
      return zerosOut(b, filterShape);
    }
    return k.withFallback(() => {
      k.reset();
      const px = copyIn(k, b, x);
      const pdy = copyIn(k, b, dy);
      const pdw = k.allocF32(tf.util.sizeFromShape(filterShape));
      k.conv2dBackpropFilter(px, pdy, pdw, g);
      return copyOut(k, b, filterShape, pdw);
    });
  };
}

function makeBackpropInput(k: TrainKernels, original: KernelFunc | undefined): KernelFunc {
  return (args) => {
    const name = 'Conv2DBackpropInput';
    const { inputs, backend, attrs } = args;
    const b = backend as BackendWasm;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = (attrs ?? {}) as NamedAttrMap;
    const fmt = a.dataFormat as string | undefined;
    if (original && fmt !== undefined && fmt !== 'NHWC') return original(args); // NCHW: theirs handles it
    checkAttrs(name, a);
    const inputShape = [...(a.inputShape as number[])];
    const g = geometry(name, inputShape, filter.shape, dy.shape, a);
    if (tf.util.sizeFromShape(inputShape) === 0 || tf.util.sizeFromShape(dy.shape) === 0) {
      return zerosOut(b, inputShape);
    }
    return k.withFallback(() => {
      k.reset();
      const pdy = copyIn(k, b, dy);
      const pw = copyIn(k, b, filter);
      const pdx = k.allocF32(tf.util.sizeFromShape(inputShape));
      k.conv2dBackpropInput(pdy, pw, pdx, g);
      return copyOut(k, b, inputShape, pdx);
    });
  };
}

function makeConv2D(k: TrainKernels, original: KernelFunc | undefined): KernelFunc {
  return (args) => {
    const name = 'Conv2D';
    const { inputs, backend, attrs } = args;
    const b = backend as BackendWasm;
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const a = (attrs ?? {}) as NamedAttrMap;
    const fmt = a.dataFormat as string | undefined;
    if (original && (!conv2dOurs || (fmt !== undefined && fmt !== 'NHWC' && fmt !== 'channelsLast'))) return original(args);
    const dil = a.dilations as number | number[] | undefined;
    if (original && dil !== undefined && (Array.isArray(dil) ? dil : [dil]).some((d) => d !== 1)) return original(args);
    checkAttrs(name, a);
    const g = geometry(name, x.shape, filter.shape, null, a);
    const outShape = [g.batch, g.outH, g.outW, g.outC];
    if (tf.util.sizeFromShape(x.shape) === 0 || tf.util.sizeFromShape(outShape) === 0) return zerosOut(b, outShape);
    return k.withFallback(() => {
      k.reset();
      const px = copyIn(k, b, x);
      const pw = copyIn(k, b, filter);
      const py = k.allocF32(tf.util.sizeFromShape(outShape));
      k.conv2d(px, pw, py, g);
      return copyOut(k, b, outShape, py);
    });
  };
}


function makeBatchMatMul(k: TrainKernels, original: KernelFunc | undefined): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const b = backend as BackendWasm;
    const { a: A, b: B } = inputs as { a: TensorInfo; b: TensorInfo };
    const ta = !!(attrs as NamedAttrMap | undefined)?.transposeA;
    const tb = !!(attrs as NamedAttrMap | undefined)?.transposeB;
    const delegate = (why: string): TensorInfo | TensorInfo[] => {
      if (!original) throw new Error(`BatchMatMul (wasm training kernels): ${why}`);
      return original(args) as TensorInfo | TensorInfo[];
    };
    if (!ta && !tb && original && matMulMode !== 'all') {
      if (matMulMode === 'transposed') return original(args) as TensorInfo;
      const uses = (plainUses.get(B.dataId) ?? 0) + 1;
      plainUses.set(B.dataId, uses);
      if (uses > 2) return original(args) as TensorInfo; // reused weights: XNNPACK's cache wins
    }
    if (A.dtype !== 'float32' || B.dtype !== 'float32') return delegate(`float32 only, got ${A.dtype}/${B.dtype}`);
    const ra = A.shape.length, rb = B.shape.length;
    if (ra < 2 || rb < 2) return delegate('operands must have rank >= 2');
    const m = ta ? A.shape[ra - 1] : A.shape[ra - 2];
    const kA = ta ? A.shape[ra - 2] : A.shape[ra - 1];
    const kB = tb ? B.shape[rb - 1] : B.shape[rb - 2];
    const n = tb ? B.shape[rb - 2] : B.shape[rb - 1];
    if (kA !== kB) {
      throw new Error(`BatchMatMul (wasm training kernels): inner dimensions ${kA} and ${kB} of shapes ` +
        `${JSON.stringify(A.shape)} and ${JSON.stringify(B.shape)} (transposeA=${ta}, transposeB=${tb}) must match`);
    }
    const batchShapeA = A.shape.slice(0, -2), batchShapeB = B.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(batchShapeA), batchB = tf.util.sizeFromShape(batchShapeB);
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(batchShapeA, batchShapeB);
    const sameBatch = batchShapeA.length === batchShapeB.length && batchShapeA.every((d, i) => d === batchShapeB[i]);
    if (!sameBatch && batchA !== 1 && batchB !== 1) return delegate('only equal or size-1 batch shapes are supported');
    const outShape = [...outBatch, m, n];
    if (tf.util.sizeFromShape(outShape) === 0) return zerosOut(b, outShape);
    return k.withFallback(() => {
      k.reset();
      const pa = copyIn(k, b, A);
      const pb = copyIn(k, b, B);
      const pc = k.allocF32(tf.util.sizeFromShape(outShape));
      k.batchMatMul(pa, pb, pc, batchA, batchB, m, kA, n, ta, tb);
      return copyOut(k, b, outShape, pc);
    });
  };
}

/** Our own kernel name (not a tfjs op): one Adam update of a variable, see installFusedAdam. */
export const ADAM_KERNEL = 'ArcadeLabAdamStep';

function makeAdam(k: TrainKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as BackendWasm;
    const { value, m, v, g, c1, c2 } = inputs as Record<string, TensorInfo>;
    const a = attrs as { beta1: number; beta2: number; epsilon: number; learningRate: number };
    const n = tf.util.sizeFromShape(value.shape);
    const f = Math.fround;
    // The scalars as tfjs's ops would see them: JS numbers become float32 tensors, c1/c2 are
    // float32 tensors already (1 - beta^t, computed by tfjs).
    const consts = {
      b1: f(a.beta1), oneMinusB1: f(1 - a.beta1), b2: f(a.beta2), oneMinusB2: f(1 - a.beta2),
      c1: floatsOf(b, c1)[0], c2: floatsOf(b, c2)[0], eps: f(a.epsilon), negLr: f(-a.learningRate),
    };
    return k.withFallback(() => {
      k.reset();
      const p = {
        value: copyIn(k, b, value), m: copyIn(k, b, m), v: copyIn(k, b, v), g: copyIn(k, b, g),
        outValue: k.allocF32(n), outM: k.allocF32(n), outV: k.allocF32(n),
      };
      k.adam(p, n, consts);
      return [copyOut(k, b, value.shape, p.outValue), copyOut(k, b, value.shape, p.outM), copyOut(k, b, value.shape, p.outV)];
    });
  };
}

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/**
 * tfjs's AdamOptimizer.applyGradients runs ~15 elementwise tfjs-wasm ops per variable, each a
 * pass over memory on one core: after our kernels were threaded it was the largest serial part
 * of a Nature step. On the 'wasm' backend (only), this runs the same update as one kernel of
 * ours per variable (one pass, on every core, the same float32 operations in the same order,
 * so the same bits), keeping the optimizer's own state (moments, accBeta*, iterations) exactly
 * as tfjs keeps it, so checkpoints and other backends see no difference. This is the one place
 * we reach into a tfjs class; the fields are pinned by the exact tfjs version in package.json,
 * and a missing field falls back to tfjs's own code.
 */
let fusedAdam = true;
function installFusedAdam(): void {
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients(vg: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void; __arcadeOriginal?: unknown };
  if (proto.__arcadeOriginal) return;
  const original = proto.applyGradients;
  proto.__arcadeOriginal = original;
  proto.applyGradients = function (this: AdamInternals, vg: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    if (!fusedAdam || tf.getBackend() !== BACKEND || !tf.getKernel(ADAM_KERNEL, BACKEND) || !this.accBeta1 || !Array.isArray(this.accumulatedFirstMoment)) {
      return original.call(this, vg);
    }
    const names = Array.isArray(vg) ? vg.map((v) => v.name) : Object.keys(vg);
    tf.tidy(() => {
      const c1 = tf.sub(1, this.accBeta1), c2 = tf.sub(1, this.accBeta2);
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (this.accumulatedFirstMoment[i] == null) {
          this.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        if (this.accumulatedSecondMoment[i] == null) {
          this.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        const g = Array.isArray(vg) ? vg[i].tensor : vg[name];
        if (g == null) return;
        const m = this.accumulatedFirstMoment[i]!.variable, v = this.accumulatedSecondMoment[i]!.variable;
        const [nv, nm, nvv] = tf.engine().runKernel(ADAM_KERNEL, { value, m, v, g, c1, c2 },
          { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, learningRate: this.learningRate }) as tf.Tensor[];
        m.assign(nm);
        v.assign(nvv);
        value.assign(nv);
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    this.incrementIterations();
  };
}

/** setup/dispose hooks of the kernels we replaced: the originals we delegate to need them. */
const inherited = new Map<string, Pick<tf.KernelConfig, 'setupFunc' | 'disposeFunc'>>();

function install(kernelName: string, fn: KernelFunc): void {
  const existing = tf.getKernel(kernelName, BACKEND);
  if (existing?.kernelFunc === fn) return;
  if (existing && !inherited.has(kernelName)) {
    inherited.set(kernelName, { setupFunc: existing.setupFunc, disposeFunc: existing.disposeFunc });
  }
  if (existing) tf.unregisterKernel(kernelName, BACKEND); // avoids tfjs's "already registered" warning
  // The wasm backend runs setupFunc when it initialises (binding the C++ entry point the original
  // kernel calls); keep it on our registration or a later-initialised backend breaks delegation.
  tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: fn, ...inherited.get(kernelName) });
}

/**
 * Loads train_kernels.wasm (with its thread pool: opts.threads, default every core) and registers
 * Conv2DBackpropFilter and, unless disabled, Conv2D, Conv2DBackpropInput and BatchMatMul (see
 * replaceMatMul) for the 'wasm' backend. Call it after
 * '@tensorflow/tfjs-backend-wasm' is imported (its registrations run at import and would replace
 * ours), before or after tf.setBackend('wasm'). Idempotent: later calls return the first call's
 * result (their options are ignored, except that kernels removed by someone else are put back).
 *
 * Node: reads public/train_kernels.wasm next to this checkout unless wasmUrl/wasmBytes is given.
 * Browser: pass wasmUrl (e.g. `${import.meta.env.BASE_URL}train_kernels.wasm`); the default is
 * 'train_kernels.wasm' relative to the page.
 */
export function registerWasmTrainingKernels(opts: RegisterOptions = {}): Promise<RegisteredKernels> {
  if (pending) {
    return pending.then((r) => {
      for (const n of r.kernelNames) install(n, ours.get(n)!);
      return r;
    });
  }
  copyMode = opts.copyMode ?? 'heap-view';
  pending = (async () => {
    const kernels = await TrainKernels.load(opts);
    ours.set('Conv2DBackpropFilter', makeBackpropFilter(kernels));
    if (opts.replaceConv2D ?? true) {
      ours.set('Conv2D', makeConv2D(kernels, tf.getKernel('Conv2D', BACKEND)?.kernelFunc));
    }
    if (opts.replaceBackpropInput ?? true) {
      const orig = tf.getKernel('Conv2DBackpropInput', BACKEND)?.kernelFunc;
      ours.set('Conv2DBackpropInput', makeBackpropInput(kernels, orig));
    }
    const mm = opts.replaceMatMul ?? 'auto';
    if (mm !== 'none') {
      const orig = tf.getKernel('BatchMatMul', BACKEND)?.kernelFunc;
      matMulMode = mm;
      ours.set('BatchMatMul', makeBatchMatMul(kernels, orig));
    }
    if (opts.fusedAdam ?? true) {
      ours.set(ADAM_KERNEL, makeAdam(kernels));
      installFusedAdam();
    }
    for (const [n, f] of ours) install(n, f);
    return { kernels, kernelNames: [...ours.keys()] };
  })();
  pending.catch(() => {
    pending = null; // allow a retry after e.g. a failed fetch
  });
  return pending;
}

/**
 * For the benchmark and tests only: change, after registration, how inputs are read from
 * tfjs's heap and which BatchMatMul products our module serves.
 */
export function setKernelModesForBenchmark(m: { copyMode?: 'heap-view' | 'readSync'; matMul?: 'auto' | 'transposed' | 'all'; conv2d?: 'ours' | 'xnnpack'; adam?: 'fused' | 'tfjs' }): void {
  if (m.copyMode) copyMode = m.copyMode;
  if (m.adam) fusedAdam = m.adam === 'fused';
  if (m.conv2d) conv2dOurs = m.conv2d === 'ours';
  if (m.matMul) {
    matMulMode = m.matMul;
    plainUses = new WeakMap();
  }
}
