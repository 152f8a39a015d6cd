/* The TypeScript twin of wasm/src/demo_pattern.c: predicts every pixel of the test pattern
 * so unit and e2e tests can check the wasm output and the canvas pixel by pixel. */

export const SCREEN_W = 160;
export const SCREEN_H = 210;
export const SCREEN_BYTES = SCREEN_W * SCREEN_H;

const BOX = 8;

function bounce(t: number, span: number): number {
  const p = t % (2 * span);
  return p <= span ? p : 2 * span - p;
}

/** Palette index the demo pattern puts at (x, y) in frame `frame` (a uint32). */
export function demoPatternIndex(x: number, y: number, frame: number): number {
  const f = frame >>> 0;
  const bx = bounce(f, SCREEN_W - BOX);
  const by = bounce((f * 2) >>> 0, SCREEN_H - BOX);
  if (x >= bx && x < bx + BOX && y >= by && y < by + BOX) return 0x0e;
  if (y < 160) {
    const hue = Math.floor(((x + f) >>> 0) / 10) & 15; // uint32 wrap, as in C
    const lum = Math.floor(y / 20);
    return (hue << 4) | (lum << 1);
  }
  const lum = Math.floor((x + 640 - (f % 160)) / 20) & 7;
  return lum << 1;
}
