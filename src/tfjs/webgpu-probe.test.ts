import { describe, expect, it } from 'vitest';
import { describeAdapter, probeWebGPU } from './webgpu-probe';

describe('WebGPU probe (Node)', () => {
  it('reports WebGPU as unavailable with a reason where navigator.gpu is missing', async () => {
    const p = await probeWebGPU();
    if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return; // a Node with WebGPU: nothing to check
    expect(p.available).toBe(false);
    expect(p.reason).toMatch(/navigator\.gpu/);
  });

  it('describes adapters in one line', () => {
    expect(describeAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader Device', isFallbackAdapter: true }))
      .toBe('google swiftshader (SwiftShader Device, software fallback adapter)');
    expect(describeAdapter({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false })).toBe('unnamed adapter');
  });
});
