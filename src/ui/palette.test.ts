import { describe, expect, it } from 'vitest';
import { NTSC_GRAY, NTSC_RGB, buildRgbaLut, ntscRgb } from './palette';

describe('NTSC palette', () => {
  it('has 128 colours and 128 grays', () => {
    expect(NTSC_RGB).toHaveLength(128);
    expect(NTSC_GRAY).toHaveLength(128);
  });

  // The gray column was transcribed independently of the colours; ALE derives it from them
  // with round(0.2989 R + 0.5870 G + 0.1140 B), so any typo in either table shows up here.
  it('gray column matches the luminance of every colour', () => {
    const bad: string[] = [];
    NTSC_RGB.forEach((rgb, i) => {
      const r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
      const y = Math.round(0.2989 * r + 0.587 * g + 0.114 * b);
      if (y !== NTSC_GRAY[i]) bad.push(`0x${(i * 2).toString(16)}: ${y} vs ${NTSC_GRAY[i]}`);
    });
    expect(bad).toEqual([]);
  });

  it('ignores bit 0 and rejects indices outside 0..255', () => {
    expect(ntscRgb(0x0e)).toBe(0xececec);
    expect(ntscRgb(0x0f)).toBe(0xececec);
    expect(ntscRgb(0x42)).toBe(0xa71a1a);
    expect(() => ntscRgb(256)).toThrow(RangeError);
    expect(() => ntscRgb(-1)).toThrow(RangeError);
    expect(() => ntscRgb(1.5)).toThrow(RangeError);
  });

  it('packs RGBA for either byte order', () => {
    const le = new Uint8Array(buildRgbaLut(true).buffer);
    expect([...le.subarray(0x42 * 4, 0x42 * 4 + 4)]).toEqual([0xa7, 0x1a, 0x1a, 0xff]);
    const be = buildRgbaLut(false);
    expect(be[0x42]).toBe(0xa71a1aff);
  });
});
