/* TIA (video/input chip) matching the reference emulator's model pixel for pixel.
 *
 * The reference does not run the TIA clock by clock. It keeps the picture "drawn up to" some
 * colour clock and, on every TIA access, first draws the frame up to the access's clock (plus a
 * per-register delay for writes), then applies the register change. Objects are drawn from
 * per-line shapes that change only when a register changes, and several of its
 * approximations are visible in the output, so they are reproduced here on purpose:
 *  - a RESPx strobe hides the player's first copy until the end of the line being drawn, and
 *    the "end of line" bookkeeping only happens when the drawing reaches past the line end;
 *  - HMOVE adds a fixed per-cycle motion amount at once (motion_amount()) instead of clocking;
 *  - a handful of RESM/RESBL-shortly-after-HMOVE special positions and the Cosmic Ark missile;
 *  - the HMOVE blank also blacks out not-yet-drawn pixels beyond pixel 7 when an update stops
 *    inside the horizontal blank (they are redrawn later unless the frame ends first);
 *  - the reference's drawing loops write 4 pixels at a time in some object combinations and
 *    may write up to 3 pixels past the end of an update (emulate_overrun());
 *  - no collisions are latched while VBLANK blanks the picture;
 *  - with only the playfield enabled, score mode colours it even when priority is set.
 *
 * Pixel values are the colour registers with bit 0 cleared (bit 0 set by PAL colour loss). */
#include "console.h"
#include "util.h"
#ifdef ARCADE_WASM
#include <wasm_simd128.h>
#endif

enum {
  OBJ_P0 = 0x01, OBJ_M0 = 0x02, OBJ_P1 = 0x04, OBJ_M1 = 0x08, OBJ_BL = 0x10, OBJ_PF = 0x20,
  SCORE_BIT = 0x40, PRIORITY_BIT = 0x80
};
enum { IDX_P0 = 0, IDX_P1 = 1, IDX_M0 = 2, IDX_M1 = 3, IDX_BL = 4 };
enum { CLOCKS_PER_LINE = 228, HBLANK_CLOCKS = 68 };
enum { BUFFER_SIZE = TIA_WIDTH * TIA_MAX_HEIGHT };

/* Collision latch bits (reference order): the read registers pick pairs of them. */
enum {
  CX_M0P1 = 0x0001, CX_M0P0 = 0x0002, CX_M1P0 = 0x0004, CX_M1P1 = 0x0008,
  CX_P0PF = 0x0010, CX_P0BL = 0x0020, CX_P1PF = 0x0040, CX_P1BL = 0x0080,
  CX_M0PF = 0x0100, CX_M0BL = 0x0200, CX_M1PF = 0x0400, CX_M1BL = 0x0800,
  CX_BLPF = 0x1000, CX_P0P1 = 0x2000, CX_M0M1 = 0x4000
};

/* Fills n (0..164) pixels. Runs within a line are short, and in wasm a memset becomes
 * memory.fill, which V8 executes as a call out of the generated code: far slower than a few
 * vector stores for runs this short. */
static inline void fill_pixels(uint8_t *p, uint8_t v, int n) {
#ifdef ARCADE_WASM
  v128_t v16 = wasm_i8x16_splat((int8_t)v);
  for (; n >= 16; n -= 16, p += 16) wasm_v128_store(p, v16);
  if (n >= 8) { wasm_v128_store64_lane(p, v16, 0); p += 8; n -= 8; }
  if (n >= 4) { wasm_v128_store32_lane(p, v16, 0); p += 4; n -= 4; }
  for (; n > 0; n--) *p++ = v;
#else
  mem_set(p, v, (size_t)n);
#endif
}

/* ------------------------------------------------------------------------------------------
 * 160-bit line helpers
 * ---------------------------------------------------------------------------------------- */

static inline void line_clear(TiaLine *l) { l->w[0] = l->w[1] = l->w[2] = 0; }

static inline int line_bit(const TiaLine *l, int x) { return (int)((l->w[x >> 6] >> (x & 63)) & 1u); }

/* ORs `chunk` (bits 0..39 used) into the line starting at pixel `start`, wrapping past pixel
 * 159 back to pixel 0 (objects wrap around the screen). */
static void line_or_wrapped(TiaLine *l, uint64_t chunk, int start) {
  int word = start >> 6, sh = start & 63;
  l->w[word] |= chunk << sh;
  if (sh && word < 2) l->w[word + 1] |= chunk >> (64 - sh);
  if (start > 120) {                /* bits that went past pixel 159 come back at pixel 0 */
    int over = 160 - start;
    l->w[0] |= chunk >> over;
  }
  l->w[2] &= 0xFFFFFFFFull;
}

/* Bits of pixels >= x (0 <= x <= 192) within word k. */
static inline uint64_t from_bit(int x, int k) {
  int lo = x - 64 * k;
  if (lo <= 0) return ~0ull;
  if (lo >= 64) return 0;
  return ~0ull << lo;
}

/* Bits [x0, x1) set, 0 <= x0 <= x1 <= 160. */
static inline void line_range(TiaLine *l, int x0, int x1) {
  for (int k = 0; k < 3; k++) l->w[k] = from_bit(x0, k) & ~from_bit(x1, k);
}

static inline int line_any_in(const TiaLine *l, int x, int n) {
  for (int i = 0; i < n; i++) if (line_bit(l, x + i)) return 1;
  return 0;
}

/* ------------------------------------------------------------------------------------------
 * Bit tricks for building shapes
 * ---------------------------------------------------------------------------------------- */

static inline uint8_t reverse8(uint8_t b) {
  b = (uint8_t)((b & 0xF0) >> 4 | (b & 0x0F) << 4);
  b = (uint8_t)((b & 0xCC) >> 2 | (b & 0x33) << 2);
  b = (uint8_t)((b & 0xAA) >> 1 | (b & 0x55) << 1);
  return b;
}

/* Each bit of b becomes 2 (or 4) adjacent bits: the stretched player sizes. */
static inline uint32_t stretch2(uint32_t b) {
  b = (b | (b << 4)) & 0x0F0Fu;
  b = (b | (b << 2)) & 0x3333u;
  b = (b | (b << 1)) & 0x5555u;
  return b * 3u;
}
static inline uint32_t stretch4(uint32_t b) {
  b = (b | (b << 12)) & 0x000F000Fu;
  b = (b | (b << 6)) & 0x03030303u;
  b = (b | (b << 3)) & 0x11111111u;
  return b * 15u;
}

/* Copy offsets (in pixels from the object position) for NUSIZ number bits 0..7. */
static const uint8_t copy_count[8] = {1, 2, 2, 3, 2, 1, 3, 1};
static const uint8_t copy_offset[8][3] = {
  {0, 0, 0}, {0, 16, 0}, {0, 32, 0}, {0, 16, 32}, {0, 64, 0}, {0, 0, 0}, {0, 32, 64}, {0, 0, 0}
};

/* ------------------------------------------------------------------------------------------
 * Object shapes
 * ---------------------------------------------------------------------------------------- */

/* Player pixels for graphics g (leftmost pixel = bit 7). The double and quad sizes start one
 * pixel late in the reference, like on the hardware. */
static void build_player(TiaLine *out, uint8_t g, int mode, int pos, int skipFirst) {
  line_clear(out);
  if (!g) return;
  uint8_t r = reverse8(g);              /* bit i = pixel i of the copy */
  if (mode == 5 || mode == 7) {
    if (skipFirst) return;              /* the only copy is the suppressed one */
    uint64_t chunk = mode == 5 ? ((uint64_t)stretch2(r) << 1) : ((uint64_t)stretch4(r) << 1);
    line_or_wrapped(out, chunk, pos);
    return;
  }
  for (int i = skipFirst ? 1 : 0; i < copy_count[mode]; i++) {
    int start = pos + copy_offset[mode][i];
    if (start >= 160) start -= 160;
    line_or_wrapped(out, r, start);
  }
}

static void refresh_player(Tia *t, int p) {
  int mode = t->nusiz[p] & 7;
  build_player(&t->playerLine[p], t->grpShown[p], mode, t->pos[IDX_P0 + p], t->skipFirstCopy[p]);
  build_player(&t->playerSpan[p], 0xFF, mode, t->pos[IDX_P0 + p], t->skipFirstCopy[p]);
}

static void refresh_player_graphics(Tia *t, int p) {
  build_player(&t->playerLine[p], t->grpShown[p], t->nusiz[p] & 7, t->pos[IDX_P0 + p],
               t->skipFirstCopy[p]);
}

static void build_missile(TiaLine *out, int number, int size, int pos) {
  line_clear(out);
  uint64_t chunk = (1ull << (1 << size)) - 1;
  for (int i = 0; i < copy_count[number]; i++) {
    int start = pos + copy_offset[number][i];
    if (start >= 160) start -= 160;
    line_or_wrapped(out, chunk, start);
  }
}

static void refresh_missile(Tia *t, int m) {
  int number = t->nusiz[m] & 7, size = (t->nusiz[m] >> 4) & 3;
  if (m == 0 && t->m0Shape == 2) { line_clear(&t->missileLine[0]); return; }
  if (m == 0 && t->m0Shape == 1) size |= 1;
  build_missile(&t->missileLine[m], number, size, t->pos[IDX_M0 + m]);
}

/* Missile shape from the current registers (every register write that moves or resizes a
 * missile restores the normal shape, ending a Cosmic Ark widened/hidden line). */
static void set_missile_normal(Tia *t, int m) {
  if (m == 0) t->m0Shape = 0;
  refresh_missile(t, m);
}

static void refresh_ball(Tia *t) {
  int size = (t->ctrlpf >> 4) & 3;
  line_clear(&t->ballLine);
  line_or_wrapped(&t->ballLine, (1ull << (1 << size)) - 1, t->pos[IDX_BL]);
}

/* Playfield: 20 bits, each 4 pixels wide; the right half repeats or mirrors the left. */
static void refresh_playfield(Tia *t) {
  uint32_t pf0 = t->pf & 0xF, pf1 = (t->pf >> 4) & 0xFF, pf2 = (t->pf >> 12) & 0xFF;
  /* left half, pixels 0..79: PF0 D4..D7, PF1 D7..D0, PF2 D0..D7 */
  uint64_t a = stretch4(pf0);                       /* 16 px at 0 */
  uint64_t b = stretch4(reverse8((uint8_t)pf1));    /* 32 px at 16 */
  uint64_t cc = stretch4(pf2);                      /* 32 px at 48 */
  uint64_t left_lo = a | (b << 16) | (cc << 48);    /* pixels 0..63 */
  uint64_t left_hi = cc >> 16;                      /* pixels 64..79 (16 bits) */
  uint64_t right_lo, right_hi;                      /* pixels 80..143, 144..159 */
  if (t->pfReflect) {
    /* mirrored: PF2 D7..D0, PF1 D0..D7, PF0 D7..D4 */
    uint64_t c2 = stretch4(reverse8((uint8_t)pf2));
    uint64_t b2 = stretch4(pf1);
    uint64_t a2 = stretch4(reverse8((uint8_t)(pf0 << 4)));
    right_lo = c2 | (b2 << 32);
    right_hi = a2 & 0xFFFF;
  } else {
    right_lo = left_lo;
    right_hi = left_hi;
  }
  t->pfLine.w[0] = left_lo;
  t->pfLine.w[1] = left_hi | (right_lo << 16);
  t->pfLine.w[2] = (right_lo >> 48) | (right_hi << 16);
}

/* RESPx: is the new position inside an existing copy's 4-clock start delay (-1), inside a
 * copy being displayed (1), or neither (0)?  Compared against the old position. */
static int player_reset_when(int mode, int oldx, int newx) {
  int d = newx - oldx;
  if (d < 0) d += 160;
  int width = mode == 5 ? 16 : (mode == 7 ? 32 : 8);
  for (int i = 0; i < copy_count[mode]; i++) {
    int off = copy_offset[mode][i];
    if (d >= off && d < off + 4) return -1;
    if (d >= off + 4 && d < off + 4 + width) return 1;
  }
  return 0;
}

/* HMOVE motion added to a position for a write at CPU cycle `cyc` of the line (0..75) with
 * motion nibble `v`. Early in the line (HBLANK) a late HMOVE has less time to move objects
 * left; late in the line (from cycle 55) the extra clocks of the next line's blank move
 * objects left. This reproduces the reference's 76x16 motion table. */
static const int8_t hmove_floor[21] = {-8, -8, -8, -8, -6, -5, -5, -4, -3, -2, -2, -1, 0, 1, 1, 2, 3, 4, 4, 5, 6};
static const int8_t hmove_late[20] = {6, 5, 4, 4, 3, 2, 1, 1, 0, -1, -2, -2, -3, -4, -5, -5, -6, -7, -8, -8};

static int motion_amount(int cyc, int v) {
  int m = v < 8 ? -v : 16 - v;
  if (cyc <= 20) return m > hmove_floor[cyc] ? m : hmove_floor[cyc];
  if (cyc == 75) return m;
  if (cyc < 55) return 0;
  int s = m + hmove_late[cyc - 55];
  return s < 0 ? s : 0;
}

/* ------------------------------------------------------------------------------------------
 * Drawing
 * ---------------------------------------------------------------------------------------- */

/* Colour slot (0 BK, 1 PF, 2 P0, 3 P1) of a pixel where objects `code` overlap. */
static inline int colour_slot(int code, int leftHalf, int prio, int score) {
  if (prio) {
    if (code & (OBJ_PF | OBJ_BL)) return 1;
    if (code & (OBJ_P0 | OBJ_M0)) return 2;
    if (code & (OBJ_P1 | OBJ_M1)) return 3;
    return 0;
  }
  if (code & (OBJ_P0 | OBJ_M0)) return 2;
  if (code & (OBJ_P1 | OBJ_M1)) return (score && leftHalf && (code & OBJ_PF)) ? 2 : 3;
  if (code & OBJ_PF) return score ? (leftHalf ? 2 : 3) : 1;
  if (code & OBJ_BL) return 1;
  return 0;
}

/* The reference draws most object combinations 4 pixels at a time where the relevant masks
 * are empty, and its last 4-pixel store may reach past the end of the update (by up to 3
 * pixels, always within the line). Those pixels are normally redrawn by the next update; they
 * stay visible only when the frame ends or is dimmed first. Reproduce that store. */
static void emulate_overrun(Tia *t, uint8_t *p, int x0, int x1) {
  if (!(x1 & 3)) return;
  int a = x1 & ~3;
  if (a < x0) return;   /* the update never reached a 4-aligned pixel */
  int obj = t->objects & 0x3F;
  int score = (t->prioScore & SCORE_BIT) != 0;
  int pfOn = line_bit(&t->pfLine, a);
  uint8_t fill;
  switch (obj) {
    case OBJ_PF:
      fill = pfOn ? t->colour[score ? (a < 80 ? 2 : 3) : 1] : t->colour[0];
      break;
    case OBJ_P0: case OBJ_P1: case OBJ_P0 | OBJ_P1: case OBJ_M0: case OBJ_M1: case OBJ_BL:
    case OBJ_M0 | OBJ_M1: case OBJ_BL | OBJ_M0: case OBJ_BL | OBJ_M1: case OBJ_BL | OBJ_P1: {
      if ((obj & OBJ_P0) && line_any_in(&t->playerSpan[0], a, 4)) return;
      if ((obj & OBJ_P1) && line_any_in(&t->playerSpan[1], a, 4)) return;
      if ((obj & OBJ_M0) && line_any_in(&t->missileLine[0], a, 4)) return;
      if ((obj & OBJ_M1) && line_any_in(&t->missileLine[1], a, 4)) return;
      if ((obj & OBJ_BL) && line_any_in(&t->ballLine, a, 4)) return;
      fill = t->colour[0];
      break;
    }
    case OBJ_PF | OBJ_P0: case OBJ_PF | OBJ_P1: case OBJ_PF | OBJ_BL: {
      if (score) return;    /* score-mode variants use the exact per-pixel loop */
      const TiaLine *m = obj == (OBJ_PF | OBJ_P0) ? &t->playerSpan[0]
                       : obj == (OBJ_PF | OBJ_P1) ? &t->playerSpan[1] : &t->ballLine;
      if (line_any_in(m, a, 4)) return;
      fill = pfOn ? t->colour[1] : t->colour[0];
      break;
    }
    default:
      return;
  }
  for (int x = x1; x < a + 4; x++) p[x] = fill;
}

/* Background and playfield for pixels [x0, x1) of a line (p = pixel 0). The playfield has
 * 4-pixel resolution aligned to multiples of 4, so whole groups are stored at once. */
static void fill_background(uint8_t *p, int x0, int x1, const TiaLine *seg, const TiaLine *pf,
                            uint8_t bk, uint8_t pfL, uint8_t pfR) {
  if (!((pf->w[0] & seg->w[0]) | (pf->w[1] & seg->w[1]) | (pf->w[2] & seg->w[2]))) {
    fill_pixels(p + x0, bk, x1 - x0);
    return;
  }
  int x = x0;
  while (x < x1 && (x & 3)) {
    p[x] = line_bit(pf, x) ? (x < 80 ? pfL : pfR) : bk;
    x++;
  }
  for (; x + 4 <= x1; x += 4) {
    uint8_t v = line_bit(pf, x) ? (x < 80 ? pfL : pfR) : bk;
    uint32_t v4 = v * 0x01010101u;
    mem_copy(p + x, &v4, 4);
  }
  for (; x < x1; x++) p[x] = line_bit(pf, x) ? (x < 80 ? pfL : pfR) : bk;
}

/* Draws pixels [x0, x1) of one line into p (pixel 0 of the line; p[160..163] must exist). */
static void draw_pixels(Tia *t, uint8_t *p, int x0, int x1) {
  if (t->vblank & 0x02) {            /* blanked: black, and no collisions are seen */
    fill_pixels(p + x0, 0, x1 - x0);
    return;
  }

  TiaLine seg;
  line_range(&seg, x0, x1);
  int prio = (t->prioScore & PRIORITY_BIT) != 0;
  int score = (t->prioScore & SCORE_BIT) != 0;

  /* Background and playfield. With only the playfield enabled the reference's dedicated loop
   * uses the score colours whatever the priority bit says. */
  uint8_t pfL, pfR;
  if (score && (!prio || (t->objects & 0x3F) == OBJ_PF)) { pfL = t->colour[2]; pfR = t->colour[3]; }
  else pfL = pfR = t->colour[1];
  fill_background(p, x0, x1, &seg, &t->pfLine, t->colour[0], pfL, pfR);

  if (t->objects & (OBJ_P0 | OBJ_P1 | OBJ_M0 | OBJ_M1 | OBJ_BL)) {
    uint16_t cx = 0;
    for (int k = 0; k < 3; k++) {
      uint64_t s = seg.w[k];
      if (!s) continue;
      uint64_t p0 = t->playerLine[0].w[k] & s;
      uint64_t p1 = t->playerLine[1].w[k] & s;
      uint64_t m0 = (t->objects & OBJ_M0) ? (t->missileLine[0].w[k] & s) : 0;
      uint64_t m1 = (t->objects & OBJ_M1) ? (t->missileLine[1].w[k] & s) : 0;
      uint64_t bl = (t->objects & OBJ_BL) ? (t->ballLine.w[k] & s) : 0;
      uint64_t any = p0 | p1 | m0 | m1 | bl;
      if (!any) continue;
      uint64_t pf = t->pfLine.w[k] & s;
      if (m0 & p1) cx |= CX_M0P1;
      if (m0 & p0) cx |= CX_M0P0;
      if (m1 & p0) cx |= CX_M1P0;
      if (m1 & p1) cx |= CX_M1P1;
      if (p0 & pf) cx |= CX_P0PF;
      if (p0 & bl) cx |= CX_P0BL;
      if (p1 & pf) cx |= CX_P1PF;
      if (p1 & bl) cx |= CX_P1BL;
      if (m0 & pf) cx |= CX_M0PF;
      if (m0 & bl) cx |= CX_M0BL;
      if (m1 & pf) cx |= CX_M1PF;
      if (m1 & bl) cx |= CX_M1BL;
      if (bl & pf) cx |= CX_BLPF;
      if (p0 & p1) cx |= CX_P0P1;
      if (m0 & m1) cx |= CX_M0M1;
      /* colour each object pixel by priority */
      while (any) {
        int b = __builtin_ctzll(any);
        any &= any - 1;
        int code = (int)((p0 >> b) & 1) * OBJ_P0 | (int)((m0 >> b) & 1) * OBJ_M0 |
                   (int)((p1 >> b) & 1) * OBJ_P1 | (int)((m1 >> b) & 1) * OBJ_M1 |
                   (int)((bl >> b) & 1) * OBJ_BL | (int)((pf >> b) & 1) * OBJ_PF;
        int px = 64 * k + b;
        p[px] = t->colour[colour_slot(code, px < 80, prio, score)];
      }
    }
    t->collisions |= cx;
  }

  emulate_overrun(t, p, x0, x1);
}

/* Draws pixels [x, x + n) of the current line at t->drawPos and advances it. Lines that would
 * reach past the buffer (only possible in the first frame after a reset, see
 * frame_geometry_reset) are drawn into a scratch line and clipped. */
static void draw_segment(Tia *t, int x, int n) {
  uint8_t *buf = t->frameBuffers[t->current];
  int32_t lineBase = t->drawPos - x;
  t->drawPos += n;
  if (lineBase >= 0 && lineBase + TIA_WIDTH + 4 <= BUFFER_SIZE) {
    draw_pixels(t, buf + lineBase, x, x + n);
    return;
  }
  uint8_t scratch[TIA_WIDTH + 4];
  for (int i = 0; i < TIA_WIDTH + 4; i++) {
    int32_t j = lineBase + i;
    scratch[i] = (j >= 0 && j < BUFFER_SIZE) ? buf[j] : 0;
  }
  draw_pixels(t, scratch, x, x + n);
  for (int i = 0; i < TIA_WIDTH + 4; i++) {
    int32_t j = lineBase + i;
    if (j >= 0 && j < BUFFER_SIZE) buf[j] = scratch[i];
  }
}

/* End-of-line bookkeeping, done when the drawing passes a line end (as the reference). */
static void finish_line(Tia *t) {
  if (t->pfReflect != (t->ctrlpf & 1)) {
    t->pfReflect = t->ctrlpf & 1;
    refresh_playfield(t);
  }
  for (int p = 0; p < 2; p++) {
    if (t->skipFirstCopy[p]) {
      t->skipFirstCopy[p] = 0;
      refresh_player(t, p);
    }
  }
  if (t->cosmicArk) {
    static const uint8_t step_back[4] = {18, 33, 0, 17};
    t->cosmicArkStep = (uint8_t)((t->cosmicArkStep + 1) & 3);
    int x = t->pos[IDX_M0] - step_back[t->cosmicArkStep];
    if (x >= 160) x -= 160;
    else if (x < 0) x += 160;
    t->pos[IDX_M0] = (int16_t)x;
    t->m0Shape = t->cosmicArkStep == 1 ? 1 : (t->cosmicArkStep == 2 ? 2 : 0);
    refresh_missile(t, 0);
  }
}

/* Brings the picture up to colour clock `clock`. */
static void draw_until(Tia *t, int32_t clock) {
  if (clock < t->clkDisplayStart || t->clkDrawn >= t->clkDisplayStop || t->clkDrawn >= clock)
    return;
  if (clock > t->clkDisplayStop) clock = t->clkDisplayStop;
  do {
    int32_t n;
    int32_t fromLineStart = CLOCKS_PER_LINE - t->clocksToLineEnd;
    if (clock > t->clkDrawn + t->clocksToLineEnd) {
      /* finish this line; the end-of-line work happens below */
      n = t->clocksToLineEnd;
      t->clocksToLineEnd = CLOCKS_PER_LINE;
      t->clkDrawn += n;
    } else {
      /* stops inside the line (or exactly at its end, in which case the end-of-line work
       * waits for the next update, as in the reference) */
      n = clock - t->clkDrawn;
      t->clocksToLineEnd -= n;
      t->clkDrawn = clock;
    }
    if (fromLineStart < HBLANK_CLOCKS) {      /* nothing to draw during the horizontal blank */
      int32_t skip = HBLANK_CLOCKS - fromLineStart;
      if (skip > n) skip = n;
      fromLineStart += skip;
      n -= skip;
    }
    int32_t segStart = t->drawPos;
    if (n) draw_segment(t, fromLineStart - HBLANK_CLOCKS, n);
    if (t->hmoveBlank && fromLineStart < HBLANK_CLOCKS + 8) {
      int32_t blanks = HBLANK_CLOCKS + 8 - fromLineStart;
      int32_t end = segStart + blanks;
      if (end > BUFFER_SIZE) end = BUFFER_SIZE;
      if (segStart < end) fill_pixels(t->frameBuffers[t->current] + segStart, 0, end - segStart);
      if (n + fromLineStart >= HBLANK_CLOCKS + 8) t->hmoveBlank = 0;
    }
    if (t->clocksToLineEnd == CLOCKS_PER_LINE) finish_line(t);
  } while (t->clkDrawn < clock);
}

/* ------------------------------------------------------------------------------------------
 * Frame loop
 * ---------------------------------------------------------------------------------------- */

/* Display geometry and clocks (the reference's frameReset: note the first frame after a reset
 * starts drawing at the frame start, not at ystart, unless a new frame is begun first). */
static void frame_geometry_reset(Console *c) {
  Tia *t = &c->tia;
  mem_set(t->frameBuffers, 0, sizeof t->frameBuffers);
  t->drawPos = 0;
  t->clkFrameStart = (int32_t)(c->cycles * 3u);
  t->clkDisplayStart = t->clkFrameStart + (int32_t)(CLOCKS_PER_LINE * t->config.ystart);
  t->clkDisplayStop = t->clkDisplayStart + (int32_t)(CLOCKS_PER_LINE * t->config.height);
  t->clkDrawn = t->clkFrameStart;
  t->clkPending = t->clkFrameStart;
  t->clocksToLineEnd = CLOCKS_PER_LINE;
  t->clkVsyncEnd = 0x7FFFFFFF;
  t->scanlinesLastFrame = 0;
  t->currentScanline = 0;
}

void tia_reset(Console *c) {
  Tia *t = &c->tia;
  t->vsync = t->vblank = t->ctrlpf = 0;
  for (int i = 0; i < 2; i++) {
    t->nusiz[i] = t->refp[i] = t->grp[i] = t->grpOld[i] = 0;
    t->enam[i] = t->resmp[i] = t->vdelp[i] = 0;
    t->grpShown[i] = 0;
    t->skipFirstCopy[i] = 0;
  }
  t->enabl = t->enablOld = t->vdelbl = 0;
  for (int i = 0; i < 5; i++) { t->hm[i] = 0; t->pos[i] = 0; }
  for (int i = 0; i < 4; i++) t->colour[i] = 0;
  t->pf = 0;
  t->objects = 0;
  t->prioScore = 0;
  t->pfReflect = 0;
  t->m0Shape = 0;
  t->cosmicArk = 0;
  t->cosmicArkStep = 0;
  t->hmoveBlank = 0;
  t->clkLastHmove = 0;
  t->dumpEnabled = 0;
  t->dumpReleasedCycle = 0;
  t->collisions = 0;
  refresh_playfield(t);
  refresh_player(t, 0);
  refresh_player(t, 1);
  refresh_missile(t, 0);
  refresh_missile(t, 1);
  refresh_ball(t);
  frame_geometry_reset(c);
}

/* The system cycle counter is about to go back to 0: keep every stored clock relative to it.
 * (Unsigned arithmetic: the reference's int fields wrap the same way.) */
void tia_cycles_reset(Console *c) {
  Tia *t = &c->tia;
  uint32_t cycles = c->cycles, clocks = cycles * 3u;
  t->dumpReleasedCycle = (int32_t)((uint32_t)t->dumpReleasedCycle - cycles);
  t->clkFrameStart = (int32_t)((uint32_t)t->clkFrameStart - clocks);
  t->clkDisplayStart = (int32_t)((uint32_t)t->clkDisplayStart - clocks);
  t->clkDisplayStop = (int32_t)((uint32_t)t->clkDisplayStop - clocks);
  t->clkDrawn = (int32_t)((uint32_t)t->clkDrawn - clocks);
  t->clkVsyncEnd = (int32_t)((uint32_t)t->clkVsyncEnd - clocks);
  t->clkLastHmove = (int32_t)((uint32_t)t->clkLastHmove - clocks);
  t->clkPending = (int32_t)((uint32_t)t->clkPending - clocks);
}

static void start_frame(Console *c) {
  Tia *t = &c->tia;
  t->current ^= 1;
  /* Keep the position within the scanline: games may position objects during VSYNC and the
   * TIA's counters do not restart at VSYNC. */
  uint32_t phase = (c->cycles * 3u - (uint32_t)t->clkFrameStart) % CLOCKS_PER_LINE;
  console_reset_cycles(c);
  t->clkFrameStart = -(int32_t)phase;
  t->clkDisplayStart = t->clkFrameStart + (int32_t)(CLOCKS_PER_LINE * t->config.ystart);
  t->clkDisplayStop = t->clkDisplayStart + (int32_t)(CLOCKS_PER_LINE * t->config.height);
  t->clkDrawn = t->clkDisplayStart;
  t->clkPending = t->clkFrameStart;
  t->clocksToLineEnd = CLOCKS_PER_LINE;
  t->drawPos = 0;
  if (t->config.pal) {
    /* PAL colour loss: an odd line count in the previous frame shifts the colour phase */
    uint8_t set = (t->scanlinesLastFrame & 1) ? 1 : 0;
    for (int i = 0; i < 4; i++) t->colour[i] = (uint8_t)((t->colour[i] & 0xFE) | set);
  }
  t->frameGreyed = 0;
}

/* After an unfinished frame the not-yet-drawn lines from the current one down are dimmed. */
static void grey_out(Tia *t) {
  uint32_t line = t->currentScanline;
  if (line < t->config.ystart) line = t->config.ystart;
  uint8_t *buf = t->frameBuffers[t->current];
  for (uint32_t s = line; s < t->config.ystart + t->config.height; s++) {
    uint32_t row = s - t->config.ystart;
    if (row >= TIA_MAX_HEIGHT) break;
    uint8_t *p = buf + row * TIA_WIDTH;
    for (int i = 0; i < TIA_WIDTH; i++) p[i] = (uint8_t)((p[i] & 0x0F) >> 1);
  }
}

void tia_update_frame(Console *c) {
  Tia *t = &c->tia;
  if (!t->partialFrame) start_frame(c);
  t->partialFrame = 1;    /* cleared by the write that ends the frame */
  cpu_run(c, 25000);
  draw_until(t, t->clkPending);   /* catch up with the last writes, as the reference has */
  uint32_t total = c->cycles * 3u - (uint32_t)t->clkFrameStart;
  t->currentScanline = total / CLOCKS_PER_LINE;
  if (t->partialFrame) {
    if (!t->frameGreyed) grey_out(t);
    t->frameGreyed = 1;
  } else {
    t->scanlinesLastFrame = t->currentScanline;
    t->frameGreyed = 0;
  }
}

const uint8_t *tia_screen(const Console *c) { return c->tia.frameBuffers[c->tia.current]; }
const uint8_t *tia_previous_screen(const Console *c) { return c->tia.frameBuffers[c->tia.current ^ 1]; }

/* ------------------------------------------------------------------------------------------
 * Reads
 * ---------------------------------------------------------------------------------------- */

/* Paddle pot: the capacitor charges through resistance r once the dump is released; bit 7
 * reads 1 after the charge time (ALE_FACTS 9). Comparisons are unsigned like the reference's
 * (a release stamp far in the past, after a frame rebase, therefore reads as not charged). */
static uint8_t paddle_bit(Console *c, int32_t r) {
  Tia *t = &c->tia;
  if (r == 0) return 0x80;
  if (r == PADDLE_NONE || t->dumpEnabled) return 0;
  double charge = (1.6 * (double)r * 0.01E-6);
  uint32_t needed = (uint32_t)(charge * 1.19E6);
  return c->cycles > (uint32_t)t->dumpReleasedCycle + needed ? 0x80 : 0;
}

uint8_t tia_peek(Console *c, uint16_t addr) {
  Tia *t = &c->tia;
  int32_t clock = (int32_t)(c->cycles * 3u);
  draw_until(t, clock > t->clkPending ? clock : t->clkPending);
  uint8_t noise = c->dataBus & 0x3F;   /* undriven bits keep the last bus value */
  uint16_t cx = t->collisions;
  uint8_t hi = 0;
  switch (addr & 0x0F) {
    case 0x00: hi = (cx & CX_M0P1 ? 0x80 : 0) | (cx & CX_M0P0 ? 0x40 : 0); break; /* CXM0P */
    case 0x01: hi = (cx & CX_M1P0 ? 0x80 : 0) | (cx & CX_M1P1 ? 0x40 : 0); break; /* CXM1P */
    case 0x02: hi = (cx & CX_P0PF ? 0x80 : 0) | (cx & CX_P0BL ? 0x40 : 0); break; /* CXP0FB */
    case 0x03: hi = (cx & CX_P1PF ? 0x80 : 0) | (cx & CX_P1BL ? 0x40 : 0); break; /* CXP1FB */
    case 0x04: hi = (cx & CX_M0PF ? 0x80 : 0) | (cx & CX_M0BL ? 0x40 : 0); break; /* CXM0FB */
    case 0x05: hi = (cx & CX_M1PF ? 0x80 : 0) | (cx & CX_M1BL ? 0x40 : 0); break; /* CXM1FB */
    case 0x06: hi = (cx & CX_BLPF ? 0x80 : 0); break;                              /* CXBLPF */
    case 0x07: hi = (cx & CX_P0P1 ? 0x80 : 0) | (cx & CX_M0M1 ? 0x40 : 0); break; /* CXPPMM */
    case 0x08: case 0x09: case 0x0A: case 0x0B:
      hi = paddle_bit(c, c->resistance[addr & 3]);
      break;
    case 0x0C: hi = c->inpt4 & 0x80; break;  /* no latched mode in the reference */
    case 0x0D: hi = c->inpt5 & 0x80; break;
    default: break;
  }
  return (uint8_t)(hi | noise);
}

/* ------------------------------------------------------------------------------------------
 * Writes
 * ---------------------------------------------------------------------------------------- */

/* Colour clocks by which a write's effect lags the CPU cycle, per register (reference). */
static const uint8_t write_delay[64] = {
  0, 1, 0, 0, 8, 8, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0,   /* PF0-2 (0x0D-0x0F): see pf_write_delay */
  0, 0, 8, 8, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0,
};

/* Registers whose writes do not affect drawing: VSYNC, WSYNC, RSYNC, audio, HMxx, HMCLR and
 * the unused addresses. */
static const uint8_t inert_write[64] = {
  1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
  1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Registers whose handling depends on the colour clock within the line: PF0-2 (delay),
 * CTRLPF (reflection), RESP0..RESBL, HMOVE. */
static const uint8_t needs_hclock[64] = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1,
  1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
};

/* Playfield writes take effect 2..5 clocks later depending on the CPU cycle within the line. */
static int pf_write_delay(int32_t hclock) {
  static const uint8_t d[4] = {4, 5, 2, 3};
  return d[(hclock / 3) & 3];
}

/* Writes that would leave every drawing-relevant register as it is (a kernel rewriting the
 * same colour or playfield every line): their catch-up drawing can be deferred as well. */
static int write_is_noop(const Tia *t, uint16_t addr, uint8_t v) {
  switch (addr) {
    case 0x01: return v == t->vblank;
    case 0x06: case 0x07: case 0x08: case 0x09: {
      static const uint8_t slot[4] = {2, 3, 1, 0};
      uint8_t col = v & 0xFE;
      if (t->config.pal && (t->scanlinesLastFrame & 1)) col |= 1;
      return col == t->colour[slot[addr - 0x06]];
    }
    case 0x0A: return v == t->ctrlpf && t->pfReflect == (v & 1);
    case 0x0B: case 0x0C: return ((v & 0x08) ? 1 : 0) == t->refp[addr - 0x0B];
    case 0x0D: return ((v >> 4) & 0x0Fu) == (t->pf & 0x0Fu);
    case 0x0E: return v == ((t->pf >> 4) & 0xFFu);
    case 0x0F: return v == ((t->pf >> 12) & 0xFFu);
    case 0x1B: return v == t->grp[0] && t->grpOld[1] == t->grp[1];
    case 0x1C: return v == t->grp[1] && t->grpOld[0] == t->grp[0] && t->enablOld == t->enabl;
    case 0x1D: case 0x1E: return ((v & 0x02) ? 1 : 0) == t->enam[addr - 0x1D];
    case 0x1F: return ((v & 0x02) ? 1 : 0) == t->enabl;
    case 0x25: case 0x26: return (v & 0x01) == t->vdelp[addr - 0x25];
    case 0x27: return (v & 0x01) == t->vdelbl;
    case 0x28: case 0x29: return ((v & 0x02) ? 1 : 0) == t->resmp[addr - 0x28];
    default: return 0;
  }
}

static void update_grp_shown(Tia *t, int p) {
  uint8_t g = t->vdelp[p] ? t->grpOld[p] : t->grp[p];
  if (t->refp[p]) g = reverse8(g);
  if (g == t->grpShown[p]) return;
  t->grpShown[p] = g;
  uint8_t bit = p ? OBJ_P1 : OBJ_P0;
  if (g) t->objects |= bit; else t->objects &= (uint8_t)~bit;
  refresh_player_graphics(t, p);
}

static void update_ball_enable(Tia *t) {
  if (t->vdelbl ? t->enablOld : t->enabl) t->objects |= OBJ_BL;
  else t->objects &= (uint8_t)~OBJ_BL;
}

static void update_missile_enable(Tia *t, int m) {
  uint8_t bit = m ? OBJ_M1 : OBJ_M0;
  if (t->enam[m] && !t->resmp[m]) t->objects |= bit;
  else t->objects &= (uint8_t)~bit;
}

static void write_colour(Tia *t, int slot, uint8_t v) {
  uint8_t col = v & 0xFE;
  if (t->config.pal && (t->scanlinesLastFrame & 1)) col |= 1;
  t->colour[slot] = col;
}

static void write_pf(Tia *t, uint32_t pf) {
  t->pf = pf;
  if (pf) t->objects |= OBJ_PF; else t->objects &= (uint8_t)~OBJ_PF;
  refresh_playfield(t);
}

static void wrap_pos(Tia *t, int i) {
  if (t->pos[i] >= 160) t->pos[i] -= 160;
  else if (t->pos[i] < 0) t->pos[i] += 160;
}

void tia_poke(Console *c, uint16_t addr, uint8_t value) {
  Tia *t = &c->tia;
  addr &= 0x3F;
  int32_t clock = (int32_t)(c->cycles * 3u);
  int32_t sinceFrame = clock - t->clkFrameStart;
  /* colour clock within the line; only some registers need it */
  int32_t hclock = (needs_hclock[addr]) ? sinceFrame % CLOCKS_PER_LINE : 0;
  int delay = (addr >= 0x0D && addr <= 0x0F) ? pf_write_delay(hclock) : write_delay[addr];

  /* The reference draws up to this write's clock before every write. For writes that change
   * nothing the picture depends on, that catch-up can wait for the next one that does (or the
   * next read, or the end of the update) without changing a pixel or a collision. */
  if (inert_write[addr]) {
    if (clock > t->clkPending) t->clkPending = clock;    /* these all have no write delay */
  } else if (write_is_noop(t, addr, value)) {
    if (clock + delay > t->clkPending) t->clkPending = clock + delay;
  } else {
    /* an earlier deferred write may have been owed a later clock (its delay was longer) */
    draw_until(t, clock + delay > t->clkPending ? clock + delay : t->clkPending);
  }

  /* No VSYNC in time: the frame ends here anyway. */
  /* (sinceFrame / 228 > maxScanlines, without the division) */
  if (sinceFrame >= (int32_t)(CLOCKS_PER_LINE * (t->config.maxScanlines + 1))) {
    c->stopCpu = 1;
    t->partialFrame = 0;
  }

  switch (addr) {
    case 0x00:   /* VSYNC */
      t->vsync = value;
      if (value & 0x02) {
        /* one line of VSYNC is enough (some games give fewer than the documented three) */
        t->clkVsyncEnd = (int32_t)((uint32_t)clock + CLOCKS_PER_LINE);
      } else if (clock >= t->clkVsyncEnd) {
        t->clkVsyncEnd = 0x7FFFFFFF;
        c->stopCpu = 1;
        t->partialFrame = 0;
      }
      break;

    case 0x01:   /* VBLANK: bit 1 blanks, bit 7 grounds the paddle capacitors */
      if (!(t->vblank & 0x80) && (value & 0x80)) t->dumpEnabled = 1;
      if ((t->vblank & 0x80) && !(value & 0x80)) {
        t->dumpEnabled = 0;
        t->dumpReleasedCycle = (int32_t)c->cycles;
      }
      t->vblank = value;
      break;

    case 0x02: { /* WSYNC: the CPU waits for the end of the line */
      uint32_t lineCycles = c->cycles - (uint32_t)(t->clkFrameStart / 3);
      uint32_t wait = 76u - lineCycles % 76u;
      if (wait < 76u) c->cycles += wait;
      break;
    }

    case 0x03:   /* RSYNC: ignored by the reference */
      break;

    case 0x04: case 0x05: {   /* NUSIZx */
      int p = addr - 0x04;
      t->nusiz[p] = value;
      t->skipFirstCopy[p] = 0;
      refresh_player(t, p);
      set_missile_normal(t, p);
      break;
    }

    case 0x06: write_colour(t, 2, value); break;   /* COLUP0 */
    case 0x07: write_colour(t, 3, value); break;   /* COLUP1 */
    case 0x08: write_colour(t, 1, value); break;   /* COLUPF */
    case 0x09: write_colour(t, 0, value); break;   /* COLUBK */

    case 0x0A:   /* CTRLPF */
      t->ctrlpf = value;
      t->prioScore = (uint8_t)((value & 0x06) << 5);
      /* reflection applies at once only while the left half is still to come */
      if (hclock < HBLANK_CLOCKS + 79 && t->pfReflect != (value & 1)) {
        t->pfReflect = value & 1;
        refresh_playfield(t);
      }
      refresh_ball(t);
      break;

    case 0x0B: case 0x0C: {   /* REFPx */
      int p = addr - 0x0B;
      uint8_t r = (value & 0x08) ? 1 : 0;
      if (r != t->refp[p]) {
        t->refp[p] = r;
        t->grpShown[p] = reverse8(t->grpShown[p]);
        refresh_player_graphics(t, p);
      }
      break;
    }

    case 0x0D: write_pf(t, (t->pf & 0xFFFF0u) | ((value >> 4) & 0x0Fu)); break;
    case 0x0E: write_pf(t, (t->pf & 0xFF00Fu) | ((uint32_t)value << 4)); break;
    case 0x0F: write_pf(t, (t->pf & 0x00FFFu) | ((uint32_t)value << 12)); break;

    case 0x10: case 0x11: {   /* RESPx */
      int p = addr - 0x10;
      int newx = hclock < HBLANK_CLOCKS ? 3 : ((hclock - HBLANK_CLOCKS) + 5) % 160;
      int when = player_reset_when(t->nusiz[p] & 7, t->pos[IDX_P0 + p], newx);
      /* inside a displayed copy: let it finish drawing first */
      if (when == 1) draw_until(t, clock + 11);
      t->pos[IDX_P0 + p] = (int16_t)newx;
      t->skipFirstCopy[p] = when == -1 ? 0 : 1;
      refresh_player(t, p);
      break;
    }

    case 0x12: case 0x13: {   /* RESMx */
      int m = addr - 0x12;
      int x = hclock < HBLANK_CLOCKS ? 2 : ((hclock - HBLANK_CLOCKS) + 4) % 160;
      int32_t sinceHmove = clock - t->clkLastHmove;
      /* the reference's fixed positions for resets just after an HMOVE */
      if (m == 0 && sinceHmove == 20 * 3 && hclock == 69) x = 8;
      if (m == 1 && sinceHmove == 3 * 3 && hclock == 18) x = 3;
      t->pos[IDX_M0 + m] = (int16_t)x;
      set_missile_normal(t, m);
      break;
    }

    case 0x14: {   /* RESBL */
      int x = hclock < HBLANK_CLOCKS ? 2 : ((hclock - HBLANK_CLOCKS) + 4) % 160;
      int32_t sinceHmove = clock - t->clkLastHmove;
      if (sinceHmove == 18 * 3 && (hclock == 60 || hclock == 69)) x = 10;
      else if (sinceHmove == 3 * 3 && hclock == 18) x = 3;
      else if (sinceHmove == 7 * 3 && hclock == 30) x = 6;
      else if (sinceHmove == 6 * 3 && hclock == 27) x = 5;
      t->pos[IDX_BL] = (int16_t)x;
      refresh_ball(t);
      break;
    }

    /* 0x15-0x1A: audio registers, accepted and ignored (no sound output) */

    case 0x1B:   /* GRP0: also latches GRP1 into its delayed copy */
      t->grp[0] = value;
      t->grpOld[1] = t->grp[1];
      update_grp_shown(t, 0);
      update_grp_shown(t, 1);
      break;

    case 0x1C:   /* GRP1: also latches GRP0 and ENABL into their delayed copies */
      t->grp[1] = value;
      t->grpOld[0] = t->grp[0];
      t->enablOld = t->enabl;
      update_grp_shown(t, 0);
      update_grp_shown(t, 1);
      update_ball_enable(t);
      break;

    case 0x1D: case 0x1E: {   /* ENAMx */
      int m = addr - 0x1D;
      t->enam[m] = (value & 0x02) ? 1 : 0;
      update_missile_enable(t, m);
      break;
    }

    case 0x1F:   /* ENABL */
      t->enabl = (value & 0x02) ? 1 : 0;
      update_ball_enable(t);
      break;

    case 0x20: t->hm[IDX_P0] = value >> 4; break;
    case 0x21: t->hm[IDX_P1] = value >> 4; break;
    case 0x22: {
      uint8_t v = value >> 4;
      /* HMM0 changed from 7 to 6 exactly 21 cycles after HMOVE: the Cosmic Ark starfield */
      if (clock == t->clkLastHmove + 21 * 3 && t->hm[IDX_M0] == 7 && v == 6) {
        t->cosmicArk = 1;
        t->cosmicArkStep = 0;
      }
      t->hm[IDX_M0] = v;
      break;
    }
    case 0x23: t->hm[IDX_M1] = value >> 4; break;
    case 0x24: t->hm[IDX_BL] = value >> 4; break;

    case 0x25: case 0x26: {   /* VDELPx */
      int p = addr - 0x25;
      t->vdelp[p] = value & 0x01;
      update_grp_shown(t, p);
      break;
    }

    case 0x27:   /* VDELBL */
      t->vdelbl = value & 0x01;
      update_ball_enable(t);
      break;

    case 0x28: case 0x29: {   /* RESMPx: releasing the lock centres the missile on the player */
      int m = addr - 0x28;
      if (t->resmp[m] && !(value & 0x02)) {
        int mode = t->nusiz[m] & 7;
        int middle = mode == 5 ? 8 : (mode == 7 ? 16 : 4);
        t->pos[IDX_M0 + m] = (int16_t)((t->pos[IDX_P0 + m] + middle) % 160);
        set_missile_normal(t, m);
      }
      t->resmp[m] = (value & 0x02) ? 1 : 0;
      update_missile_enable(t, m);
      break;
    }

    case 0x2A: {   /* HMOVE */
      int cyc = hclock / 3;
      static const uint8_t blankCycle[76] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0..20 */
        [75] = 1
      };
      if (t->config.hmoveBlanks && blankCycle[cyc]) t->hmoveBlank = 1;
      int moved[5];
      for (int i = 0; i < 5; i++) {
        int d = motion_amount(cyc, t->hm[i]);
        moved[i] = d != 0;
        t->pos[i] = (int16_t)(t->pos[i] + d);
        wrap_pos(t, i);
      }
      /* every shape is re-derived from the registers (first copies shown again, the Cosmic
       * Ark missile shape dropped); unchanged ones need no rebuild */
      if (moved[IDX_BL]) refresh_ball(t);
      for (int p = 0; p < 2; p++) {
        if (moved[IDX_P0 + p] || t->skipFirstCopy[p]) {
          t->skipFirstCopy[p] = 0;
          refresh_player(t, p);
        }
      }
      if (moved[IDX_M0] || t->m0Shape) { t->m0Shape = 0; refresh_missile(t, 0); }
      if (moved[IDX_M1]) refresh_missile(t, 1);
      t->clkLastHmove = clock;
      t->cosmicArk = 0;
      break;
    }

    case 0x2B:   /* HMCLR */
      for (int i = 0; i < 5; i++) t->hm[i] = 0;
      break;

    case 0x2C:   /* CXCLR */
      t->collisions = 0;
      break;

    default:
      break;
  }
}
