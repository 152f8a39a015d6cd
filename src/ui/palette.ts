/* The NTSC palette of the Atari 2600 as ALE uses it (ALE_FACTS.md section 10).
 * Index = TIA colour byte: high nibble = hue row, bits 1..3 = luminance column. The TIA
 * ignores bit 0, so an odd index shows the colour of the even index below it. */

/** 0xRRGGBB for each even index 0x00, 0x02 … 0xFE (128 entries, one row per hue). */
export const NTSC_RGB: readonly number[] = [
  0x000000, 0x4a4a4a, 0x6f6f6f, 0x8e8e8e, 0xaaaaaa, 0xc0c0c0, 0xd6d6d6, 0xececec, // 0x00
  0x484800, 0x69690f, 0x86861d, 0xa2a22a, 0xbbbb35, 0xd2d240, 0xe8e84a, 0xfcfc54, // 0x10
  0x7c2c00, 0x904811, 0xa26221, 0xb47a30, 0xc3903d, 0xd2a44a, 0xdfb755, 0xecc860, // 0x20
  0x901c00, 0xa33915, 0xb55328, 0xc66c3a, 0xd5824a, 0xe39759, 0xf0aa67, 0xfcbc74, // 0x30
  0x940000, 0xa71a1a, 0xb83232, 0xc84848, 0xd65c5c, 0xe46f6f, 0xf08080, 0xfc9090, // 0x40
  0x840064, 0x97197a, 0xa8308f, 0xb846a2, 0xc659b3, 0xd46cc3, 0xe07cd2, 0xec8ce0, // 0x50
  0x500084, 0x68199a, 0x7d30ad, 0x9246c0, 0xa459d0, 0xb56ce0, 0xc57cee, 0xd48cfc, // 0x60
  0x140090, 0x331aa3, 0x4e32b5, 0x6848c6, 0x7f5cd5, 0x956fe3, 0xa980f0, 0xbc90fc, // 0x70
  0x000094, 0x181aa7, 0x2d32b8, 0x4248c8, 0x545cd6, 0x656fe4, 0x7580f0, 0x8490fc, // 0x80
  0x001c88, 0x183b9d, 0x2d57b0, 0x4272c2, 0x548ad2, 0x65a0e1, 0x75b5ef, 0x84c8fc, // 0x90
  0x003064, 0x185080, 0x2d6d98, 0x4288b0, 0x54a0c5, 0x65b7d9, 0x75cceb, 0x84e0fc, // 0xA0
  0x004030, 0x18624e, 0x2d8169, 0x429e82, 0x54b899, 0x65d1ae, 0x75e7c2, 0x84fcd4, // 0xB0
  0x004400, 0x1a661a, 0x328432, 0x48a048, 0x5cba5c, 0x6fd26f, 0x80e880, 0x90fc90, // 0xC0
  0x143c00, 0x355f18, 0x527e2d, 0x6e9c42, 0x87b754, 0x9ed065, 0xb4e775, 0xc8fc84, // 0xD0
  0x303800, 0x505916, 0x6d762b, 0x88923e, 0xa0ab4f, 0xb7c25f, 0xccd86e, 0xe0ec7c, // 0xE0
  0x482c00, 0x694d14, 0x866a26, 0xa28638, 0xbb9f47, 0xd2b656, 0xe8cc63, 0xfce070, // 0xF0
];

/** ALE grayscale of each even index (the byte ALE keeps at index + 1), copied from the same table. */
export const NTSC_GRAY: readonly number[] = [
    0,  74, 111, 142, 170, 192, 214, 236, // 0x00
   64,  95, 122, 148, 172, 193, 214, 233, // 0x10
   63,  87, 110, 131, 150, 167, 184, 199, // 0x20
   59,  85, 107, 129, 148, 167, 183, 199, // 0x30
   44,  68,  90, 110, 128, 146, 161, 176, // 0x40
   51,  74,  95, 115, 132, 149, 164, 178, // 0x50
   39,  63,  85, 107, 125, 143, 159, 174, // 0x60
   22,  49,  73,  96, 116, 136, 153, 169, // 0x70
   17,  41,  64,  85, 104, 121, 137, 153, // 0x80
   32,  60,  85, 109, 130, 150, 168, 186, // 0x90
   40,  69,  95, 120, 141, 162, 182, 200, // 0xA0
   43,  74, 101, 127, 151, 173, 193, 212, // 0xB0
   40,  71,  98, 124, 147, 169, 189, 207, // 0xC0
   41,  74, 104, 132, 157, 181, 203, 223, // 0xD0
   47,  79, 107, 133, 157, 179, 200, 220, // 0xE0
   47,  79, 107, 133, 157, 179, 200, 220, // 0xF0
];

/** 0xRRGGBB of any palette index 0..255 (bit 0 ignored, as the TIA does). */
export function ntscRgb(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index > 255) {
    throw new RangeError(`palette index must be an integer 0..255, got ${index}`);
  }
  return NTSC_RGB[index >> 1]!;
}

/**
 * A 256-entry lookup table of canvas pixels: each entry is the RGBA colour of that palette
 * index packed for a Uint32Array view of ImageData, whose byte order follows the platform.
 */
export function buildRgbaLut(littleEndian = isLittleEndian()): Uint32Array {
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const rgb = ntscRgb(i);
    const r = (rgb >>> 16) & 0xff, g = (rgb >>> 8) & 0xff, b = rgb & 0xff;
    lut[i] = littleEndian
      ? ((0xff << 24) | (b << 16) | (g << 8) | r) >>> 0
      : ((r << 24) | (g << 16) | (b << 8) | 0xff) >>> 0;
  }
  return lut;
}

export function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
