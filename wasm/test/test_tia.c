/* TIA unit tests. Part 1 drives the TIA directly (set c->cycles, tia_poke, tia_peek) and checks
 * pixels, collision latches and input bits against values derived from the reference's rules;
 * part 2 runs a small hand-assembled kernel (test/asm/tia_kernel.asm) through the real CPU to
 * check the frame loop: frame boundaries, line count, picture placement, the scanline limit and
 * partial (dimmed) frames.
 *
 * Direct tests use ystart = 0, so buffer row r is scanline r of the frame and pixel x of a line
 * is drawn at colour clock 228 * line + 68 + x. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "console.h"
#include "asm/tia_kernel_bin.h"

static int g_pass, g_fail;
#define CHECK(cond, ...) do { if (cond) g_pass++; else { g_fail++; \
  printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)
#define CHECK_EQ(got, want, what) do { long long g_ = (long long)(got), w_ = (long long)(want); \
  CHECK(g_ == w_, "%s: got %lld ($%llx), want %lld ($%llx)", what, g_, (unsigned long long)g_, w_, \
        (unsigned long long)w_); } while (0)

enum {
  VSYNC = 0x00, VBLANK, WSYNC, RSYNC, NUSIZ0, NUSIZ1, COLUP0, COLUP1, COLUPF, COLUBK, CTRLPF,
  REFP0, REFP1, PF0, PF1, PF2, RESP0, RESP1, RESM0, RESM1, RESBL, AUDC0, AUDC1, AUDF0, AUDF1,
  AUDV0, AUDV1, GRP0, GRP1, ENAM0, ENAM1, ENABL, HMP0, HMP1, HMM0, HMM1, HMBL, VDELP0, VDELP1,
  VDELBL, RESMP0, RESMP1, HMOVE, HMCLR, CXCLR
};
enum { CXM0P = 0, CXM1P, CXP0FB, CXP1FB, CXM0FB, CXM1FB, CXBLPF, CXPPMM, INPT0, INPT1, INPT2,
       INPT3, INPT4, INPT5 };

static Console *setup(uint32_t ystart, uint32_t height, int hmoveBlanks) {
  Console *c = calloc(1, sizeof *c);
  if (!c) { printf("out of memory\n"); exit(2); }
  c->tia.config.ystart = ystart;
  c->tia.config.height = height;
  c->tia.config.maxScanlines = 290;
  c->tia.config.hmoveBlanks = (uint8_t)hmoveBlanks;
  tia_reset(c);
  return c;
}

static void poke_at(Console *c, int line, int cyc, uint16_t addr, uint8_t v) {
  c->cycles = (uint32_t)(line * 76 + cyc);
  tia_poke(c, addr, v);
}
static uint8_t peek_at(Console *c, int line, int cyc, uint16_t addr) {
  c->cycles = (uint32_t)(line * 76 + cyc);
  return tia_peek(c, addr);
}
/* Draws everything before `line` (a read catches the picture up). */
static void flush(Console *c, int line) { peek_at(c, line, 0, 0x0E); }
static const uint8_t *row(Console *c, int r) { return tia_screen(c) + r * 160; }

/* Checks that row r equals the expectation `want` (160 bytes); prints the first difference. */
static void check_row(Console *c, int r, const uint8_t *want, const char *what) {
  const uint8_t *got = row(c, r);
  for (int x = 0; x < 160; x++) {
    if (got[x] != want[x]) {
      CHECK(0, "%s: row %d pixel %d: got $%02x want $%02x", what, r, x, got[x], want[x]);
      return;
    }
  }
  g_pass++;
}

static void fill(uint8_t *w, int x0, int x1, uint8_t v) { for (int x = x0; x < x1; x++) w[x] = v; }

/* ---------------------------------------------------------------------------------------- */

static void test_background_and_colour_bit0(void) {
  Console *c = setup(0, 10, 0);
  poke_at(c, 0, 0, COLUBK, 0x1F);   /* bit 0 is not a colour bit */
  flush(c, 2);
  uint8_t w[160];
  fill(w, 0, 160, 0x1E);
  check_row(c, 0, w, "COLUBK line 0");
  check_row(c, 1, w, "COLUBK line 1");
  /* a mid-line change takes effect at the write's colour clock (no delay for COLUxx) */
  poke_at(c, 2, 40, COLUBK, 0x42);  /* clock 120 -> pixel 52 */
  flush(c, 3);
  fill(w, 0, 52, 0x1E);
  fill(w, 52, 160, 0x42);
  check_row(c, 2, w, "COLUBK mid-line");
  free(c);
}

static void test_playfield(void) {
  Console *c = setup(0, 10, 0);
  poke_at(c, 0, 0, COLUPF, 0x44);
  poke_at(c, 0, 1, PF0, 0xF0);
  poke_at(c, 0, 2, PF1, 0x80);
  poke_at(c, 0, 3, PF2, 0x01);
  poke_at(c, 1, 0, CTRLPF, 0x01);      /* reflect from line 1 */
  poke_at(c, 2, 0, CTRLPF, 0x02);      /* score mode from line 2 */
  poke_at(c, 2, 1, COLUP0, 0x22);
  poke_at(c, 2, 2, COLUP1, 0x66);
  poke_at(c, 3, 0, CTRLPF, 0x06);      /* score + priority, playfield alone: still score colours */
  poke_at(c, 3, 75, GRP0, 0x01);       /* P0 now enabled: priority wins, playfield in COLUPF */
  flush(c, 5);
  uint8_t w[160];
  memset(w, 0, 160);
  fill(w, 0, 16, 0x44); fill(w, 16, 20, 0x44); fill(w, 48, 52, 0x44);
  fill(w, 80, 96, 0x44); fill(w, 96, 100, 0x44); fill(w, 128, 132, 0x44);
  check_row(c, 0, w, "PF repeated");
  memset(w, 0, 160);
  fill(w, 0, 16, 0x44); fill(w, 16, 20, 0x44); fill(w, 48, 52, 0x44);
  fill(w, 144, 160, 0x44); fill(w, 140, 144, 0x44); fill(w, 108, 112, 0x44);
  check_row(c, 1, w, "PF reflected");
  memset(w, 0, 160);
  fill(w, 0, 20, 0x22); fill(w, 48, 52, 0x22);
  fill(w, 80, 100, 0x66); fill(w, 128, 132, 0x66);
  check_row(c, 2, w, "PF score");
  check_row(c, 3, w, "PF score+priority, playfield only");
  memset(w, 0, 160);
  fill(w, 0, 20, 0x44); fill(w, 48, 52, 0x44);
  fill(w, 80, 100, 0x44); fill(w, 128, 132, 0x44);
  check_row(c, 4, w, "PF score+priority with P0 enabled");
  free(c);

  /* CTRLPF's reflect bit written after the middle of the line waits for the next line */
  c = setup(0, 10, 0);
  poke_at(c, 0, 0, COLUPF, 0x44);
  poke_at(c, 0, 1, PF0, 0x10);         /* pixels 0..3 (and 80..83, or 156..159 reflected) */
  poke_at(c, 0, 50, CTRLPF, 0x01);     /* clock 150 >= 147: too late for this line */
  flush(c, 2);
  memset(w, 0, 160); fill(w, 0, 4, 0x44); fill(w, 80, 84, 0x44);
  check_row(c, 0, w, "late reflect: not this line");
  memset(w, 0, 160); fill(w, 0, 4, 0x44); fill(w, 156, 160, 0x44);
  check_row(c, 1, w, "late reflect: next line");
  free(c);
}

/* PF writes land 2..5 clocks late depending on the CPU cycle within the line. */
static void test_playfield_write_delay(void) {
  static const int delay[4] = {4, 5, 2, 3};
  for (int k = 0; k < 4; k++) {
    Console *c = setup(0, 10, 0);
    poke_at(c, 0, 0, COLUPF, 0x44);
    poke_at(c, 0, 1, PF1, 0xFF);           /* pixels 16..47 */
    int cyc = 28 + k;                      /* clock 84..93: inside PF1's pixels */
    poke_at(c, 0, cyc, PF1, 0x00);
    flush(c, 1);
    int edge = 3 * cyc + delay[(cyc) & 3] - 68;
    uint8_t w[160];
    memset(w, 0, 160);
    fill(w, 16, edge, 0x44);
    char what[64];
    snprintf(what, sizeof what, "PF1 cleared at cycle %d", cyc);
    check_row(c, 0, w, what);
    free(c);
  }
}

/* A player pixel mask of row r as a list check. */
static void check_pixels(Console *c, int r, const int *xs, int n, uint8_t colour, const char *what) {
  uint8_t w[160];
  memset(w, 0, 160);
  for (int i = 0; i < n; i++) w[xs[i]] = colour;
  check_row(c, r, w, what);
}

static void test_player_position_and_copies(void) {
  Console *c = setup(0, 20, 0);
  poke_at(c, 0, 0, COLUP0, 0x1E);
  poke_at(c, 0, 1, GRP0, 0x80);
  poke_at(c, 0, 40, RESP0, 0);          /* clock 120: (120 - 68 + 5) = pixel 57 */
  poke_at(c, 1, 75, NUSIZ0, 0x01);
  poke_at(c, 2, 75, NUSIZ0, 0x03);
  poke_at(c, 3, 75, NUSIZ0, 0x02);
  poke_at(c, 4, 75, NUSIZ0, 0x04);
  poke_at(c, 5, 75, NUSIZ0, 0x06);
  poke_at(c, 6, 75, NUSIZ0, 0x05);
  poke_at(c, 7, 75, NUSIZ0, 0x07);
  poke_at(c, 8, 75, NUSIZ0, 0x00);
  poke_at(c, 8, 76 - 1, REFP0, 0x08);   /* reflected from line 9 */
  poke_at(c, 9, 75, REFP0, 0x00);
  poke_at(c, 9, 75, RESP0, 0);          /* clock 225: pixel (157 + 5) % 160 = 2 */
  poke_at(c, 10, 75, NUSIZ0, 0x04);     /* copies at 2 and 66 */
  poke_at(c, 12, 10, RESP0, 0);         /* in HBLANK: pixel 3 */
  flush(c, 13);
  int p0[] = {0};                        /* the old position (0) was shown before RESP0 */
  check_pixels(c, 0, p0, 1, 0x1E, "player before RESP0 and first copy skipped after it");
  int p1[] = {57};           check_pixels(c, 1, p1, 1, 0x1E, "one copy at 57");
  int a1[] = {57, 73};       check_pixels(c, 2, a1, 2, 0x1E, "NUSIZ 1");
  int a3[] = {57, 73, 89};   check_pixels(c, 3, a3, 3, 0x1E, "NUSIZ 3");
  int a2[] = {57, 89};       check_pixels(c, 4, a2, 2, 0x1E, "NUSIZ 2");
  int a4[] = {57, 121};      check_pixels(c, 5, a4, 2, 0x1E, "NUSIZ 4");
  int a6[] = {57, 89, 121};  check_pixels(c, 6, a6, 3, 0x1E, "NUSIZ 6");
  int a5[] = {58, 59};       check_pixels(c, 7, a5, 2, 0x1E, "NUSIZ 5 (double, one pixel late)");
  int a7[] = {58, 59, 60, 61}; check_pixels(c, 8, a7, 4, 0x1E, "NUSIZ 7 (quad, one pixel late)");
  int r9[] = {64};           check_pixels(c, 9, r9, 1, 0x1E, "REFP0");
  int b10[] = {2};           check_pixels(c, 10, b10, 1, 0x1E, "RESP0 at cycle 75 -> 2 next line");
  int w11[] = {2, 66};       check_pixels(c, 11, w11, 2, 0x1E, "wrapped position, NUSIZ 4");
  int h12[] = {3, 67};       check_pixels(c, 12, h12, 2, 0x1E, "RESP0 during HBLANK -> 3");
  free(c);
}

static void test_player_graphics_delay_and_reflect(void) {
  Console *c = setup(0, 10, 0);
  poke_at(c, 0, 0, COLUP0, 0x1E);
  poke_at(c, 0, 1, COLUP1, 0x3E);
  poke_at(c, 0, 40, RESP0, 0);          /* 57 */
  poke_at(c, 0, 44, RESP1, 0);          /* clock 132 -> 69 */
  poke_at(c, 0, 75, GRP0, 0x81);
  poke_at(c, 1, 75, VDELP0, 1);         /* shows the old GRP0 (0: GRP1 not written yet) */
  poke_at(c, 2, 75, GRP1, 0x80);        /* latches old GRP0 = $81 */
  poke_at(c, 3, 75, GRP0, 0x18);        /* new GRP0 not shown (VDEL); latches old GRP1 = $80 */
  poke_at(c, 3, 75, VDELP1, 1);
  poke_at(c, 4, 75, VDELP0, 0);
  flush(c, 6);
  int r1[] = {57, 64};       check_pixels(c, 1, r1, 2, 0x1E, "GRP0 $81");
  int r2[] = {0};            check_pixels(c, 2, r2, 0, 0x1E, "VDELP0 shows old (empty) GRP0");
  uint8_t w[160];
  memset(w, 0, 160); w[57] = w[64] = 0x1E; w[69] = 0x3E;
  check_row(c, 3, w, "old GRP0 latched by GRP1");
  memset(w, 0, 160); w[57] = w[64] = 0x1E; w[69] = 0x3E;
  check_row(c, 4, w, "VDEL shows latched values");
  memset(w, 0, 160); w[60] = w[61] = 0x1E; w[69] = 0x3E;
  check_row(c, 5, w, "VDELP0 off shows new GRP0");
  free(c);
}

static void test_missile_and_ball(void) {
  Console *c = setup(0, 10, 0);
  poke_at(c, 0, 0, COLUP0, 0x1E);
  poke_at(c, 0, 1, COLUPF, 0x44);
  poke_at(c, 0, 2, NUSIZ0, 0x20);       /* missile 4 wide */
  poke_at(c, 0, 3, CTRLPF, 0x30);       /* ball 8 wide */
  poke_at(c, 0, 40, RESM0, 0);          /* clock 120: 120 - 68 + 4 = 56 */
  poke_at(c, 0, 60, RESBL, 0);          /* clock 180: 116 */
  poke_at(c, 0, 75, ENAM0, 0x02);
  poke_at(c, 0, 75, ENABL, 0x02);
  poke_at(c, 1, 75, RESMP0, 0x02);      /* locked to player 0: hidden */
  poke_at(c, 2, 75, RESMP0, 0x00);      /* released: centred on P0 (pos 0) + 4 */
  poke_at(c, 2, 75, VDELBL, 1);         /* old ENABL = 0 until GRP1 is written */
  poke_at(c, 3, 75, GRP1, 0);
  flush(c, 5);
  uint8_t w[160];
  memset(w, 0, 160); fill(w, 56, 60, 0x1E); fill(w, 116, 124, 0x44);
  check_row(c, 1, w, "missile 4 wide at 56, ball 8 wide at 116");
  memset(w, 0, 160); fill(w, 116, 124, 0x44);
  check_row(c, 2, w, "RESMP0 hides the missile");
  memset(w, 0, 160); fill(w, 4, 8, 0x1E);
  check_row(c, 3, w, "missile recentred, VDELBL shows old ENABL");
  memset(w, 0, 160); fill(w, 4, 8, 0x1E); fill(w, 116, 124, 0x44);
  check_row(c, 4, w, "GRP1 latches ENABL");
  free(c);
}

/* HMOVE motion per (CPU cycle of the write, HMP nibble): rows of the reference's table. */
static void test_hmove_motion(void) {
  static const struct { int cyc; int8_t m[16]; } rows[] = {
    {0,  {0, -1, -2, -3, -4, -5, -6, -7, 8, 7, 6, 5, 4, 3, 2, 1}},
    {4,  {0, -1, -2, -3, -4, -5, -6, -6, 8, 7, 6, 5, 4, 3, 2, 1}},
    {12, {0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1}},
    {15, {2, 2, 2, 2, 2, 2, 2, 2, 8, 7, 6, 5, 4, 3, 2, 2}},
    {20, {6, 6, 6, 6, 6, 6, 6, 6, 8, 7, 6, 6, 6, 6, 6, 6}},
    {30, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {57, {0, 0, 0, 0, 0, -1, -2, -3, 0, 0, 0, 0, 0, 0, 0, 0}},
    {65, {-2, -3, -4, -5, -6, -7, -8, -9, 0, 0, 0, 0, 0, 0, 0, -1}},
    {74, {-8, -9, -10, -11, -12, -13, -14, -15, 0, -1, -2, -3, -4, -5, -6, -7}},
    {75, {0, -1, -2, -3, -4, -5, -6, -7, 8, 7, 6, 5, 4, 3, 2, 1}},
  };
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    for (int v = 0; v < 16; v++) {
      Console *c = setup(0, 10, 0);
      poke_at(c, 0, 0, COLUP0, 0x1E);
      poke_at(c, 0, 1, GRP0, 0x80);
      poke_at(c, 0, 40, RESP0, 0);           /* 57 */
      poke_at(c, 0, 41, HMP0, (uint8_t)(v << 4));
      poke_at(c, 1, rows[r].cyc, HMOVE, 0);
      flush(c, 3);
      int want = 57 + rows[r].m[v];
      const uint8_t *p = row(c, 2);
      int found = -1, count = 0;
      for (int x = 0; x < 160; x++) if (p[x]) { found = x; count++; }
      CHECK(count == 1 && found == want, "HMOVE at cycle %d, HMP0 nibble %d: player at %d (%d px), want %d",
            rows[r].cyc, v, found, count, want);
      free(c);
    }
  }
  /* HMCLR clears every motion register */
  Console *c = setup(0, 10, 0);
  poke_at(c, 0, 1, GRP0, 0x80);
  poke_at(c, 0, 2, COLUP0, 0x1E);
  poke_at(c, 0, 40, RESP0, 0);
  poke_at(c, 0, 41, HMP0, 0x70);
  poke_at(c, 0, 42, HMCLR, 0);
  poke_at(c, 1, 3, HMOVE, 0);
  flush(c, 3);
  CHECK_EQ(row(c, 2)[57], 0x1E, "HMCLR: player stays at 57");
  free(c);
}

static void test_hmove_blank(void) {
  for (int allow = 0; allow < 2; allow++) {
    Console *c = setup(0, 10, allow);
    poke_at(c, 0, 0, COLUBK, 0x1E);
    poke_at(c, 1, 3, HMOVE, 0);     /* early in the line: blanks this line */
    poke_at(c, 2, 40, HMOVE, 0);    /* mid-line: no blank */
    poke_at(c, 3, 75, HMOVE, 0);    /* last cycle: blanks the next line */
    flush(c, 6);
    uint8_t full[160], blank[160];
    fill(full, 0, 160, 0x1E);
    memcpy(blank, full, 160);
    if (allow) fill(blank, 0, 8, 0);
    check_row(c, 0, full, "no HMOVE");
    check_row(c, 1, blank, "HMOVE at cycle 3");
    check_row(c, 2, full, "HMOVE at cycle 40");
    check_row(c, 3, full, "HMOVE at cycle 75 (this line)");
    check_row(c, 4, blank, "HMOVE at cycle 75 (next line)");
    check_row(c, 5, full, "after");
    free(c);
  }
}

/* Objects placed to overlap around pixel 56..64, then each pair's latch is checked. */
enum { O_P0, O_P1, O_M0, O_M1, O_BL, O_PF, O_COUNT };
static void enable_object(Console *c, int o, int line) {
  switch (o) {
    case O_P0: poke_at(c, line, 70, GRP0, 0xFF); break;
    case O_P1: poke_at(c, line, 70, GRP1, 0xFF); break;
    case O_M0: poke_at(c, line, 70, ENAM0, 0x02); break;
    case O_M1: poke_at(c, line, 70, ENAM1, 0x02); break;
    case O_BL: poke_at(c, line, 70, ENABL, 0x02); break;
    case O_PF: poke_at(c, line, 70, PF2, 0xFF); break;   /* pixels 48..79 */
  }
}
/* (register, bit) of each pair's latch, hardware order. */
static int latch_of(int a, int b, int *bit) {
  if (a > b) { int t = a; a = b; b = t; }
  struct { int a, b, reg, bit; } map[] = {
    {O_P1, O_M0, CXM0P, 7}, {O_P0, O_M0, CXM0P, 6}, {O_P0, O_M1, CXM1P, 7}, {O_P1, O_M1, CXM1P, 6},
    {O_P0, O_PF, CXP0FB, 7}, {O_P0, O_BL, CXP0FB, 6}, {O_P1, O_PF, CXP1FB, 7}, {O_P1, O_BL, CXP1FB, 6},
    {O_M0, O_PF, CXM0FB, 7}, {O_M0, O_BL, CXM0FB, 6}, {O_M1, O_PF, CXM1FB, 7}, {O_M1, O_BL, CXM1FB, 6},
    {O_BL, O_PF, CXBLPF, 7}, {O_P0, O_P1, CXPPMM, 7}, {O_M0, O_M1, CXPPMM, 6},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (map[i].a == a && map[i].b == b) { *bit = map[i].bit; return map[i].reg; }
  return -1;
}

static void test_collisions(void) {
  for (int vblank = 0; vblank < 2; vblank++) {
    for (int a = 0; a < O_COUNT; a++) {
      for (int b = a + 1; b < O_COUNT; b++) {
        Console *c = setup(0, 10, 0);
        poke_at(c, 0, 1, NUSIZ0, 0x35);   /* double-size players, 8-wide missiles */
        poke_at(c, 0, 2, NUSIZ1, 0x35);
        poke_at(c, 0, 3, CTRLPF, 0x30);
        poke_at(c, 0, 40, RESP0, 0);
        poke_at(c, 0, 41, RESP1, 0);
        poke_at(c, 0, 42, RESM0, 0);
        poke_at(c, 0, 43, RESM1, 0);
        poke_at(c, 0, 44, RESBL, 0);
        if (vblank) poke_at(c, 0, 60, VBLANK, 0x02);
        enable_object(c, a, 0);
        enable_object(c, b, 0);
        flush(c, 2);
        int bit = 0, reg = latch_of(a, b, &bit);
        for (int r = 0; r < 8; r++) {
          c->dataBus = 0x2A;
          uint8_t v = peek_at(c, 2, r, (uint16_t)r);
          uint8_t want = (uint8_t)(0x2A | ((!vblank && r == reg) ? (1 << bit) : 0));
          CHECK(v == want, "objects %d+%d vblank %d: reg %d = $%02x want $%02x", a, b, vblank, r, v, want);
        }
        if (vblank) {
          uint8_t w[160];
          memset(w, 0, 160);
          check_row(c, 1, w, "VBLANK draws black");
        }
        poke_at(c, 2, 20, CXCLR, 0);
        c->dataBus = 0;
        uint8_t after = 0;
        for (int r = 0; r < 8; r++) after |= peek_at(c, 2, 30 + r, (uint16_t)(0x30 + r));
        CHECK(after == 0, "CXCLR clears the latches (got $%02x)", after);
        free(c);
      }
    }
  }
}

/* Priority: P0 > P1 > BL/PF normally; PF/BL > P0 > P1 with CTRLPF bit 2. */
static void test_priority(void) {
  for (int prio = 0; prio < 2; prio++) {
    Console *c = setup(0, 10, 0);
    poke_at(c, 0, 0, COLUP0, 0x10);
    poke_at(c, 0, 1, COLUP1, 0x20);
    poke_at(c, 0, 2, COLUPF, 0x30);
    poke_at(c, 0, 3, CTRLPF, prio ? 0x04 : 0x00);
    poke_at(c, 0, 40, RESP0, 0);          /* P0 57..64 */
    poke_at(c, 0, 42, RESP1, 0);          /* clock 126: 63..70 */
    poke_at(c, 0, 70, GRP0, 0xFF);
    poke_at(c, 0, 70, GRP1, 0xFF);
    poke_at(c, 0, 71, PF2, 0x40);         /* PF2 D6: pixels 72..75 */
    poke_at(c, 0, 72, PF2, 0x60);         /* and D5: 68..71 */
    flush(c, 2);
    uint8_t w[160];
    memset(w, 0, 160);
    fill(w, 57, 65, 0x10);                /* P0 */
    fill(w, 65, 71, 0x20);                /* P1 */
    if (prio) { fill(w, 68, 76, 0x30); }
    else { fill(w, 71, 76, 0x30); }
    fill(w, 148, 156, 0x30);              /* right half repeats PF2 D5-D6 */
    check_row(c, 1, w, prio ? "playfield priority" : "normal priority");
    free(c);
  }
}

static void test_paddles_and_buttons(void) {
  Console *c = setup(0, 10, 0);
  c->resistance[0] = 408823;     /* ALE_FACTS 9: 7783 cycles at the midpoint */
  c->resistance[1] = 0;
  c->resistance[2] = PADDLE_NONE;
  c->resistance[3] = 27450;      /* 522 cycles */
  c->dataBus = 0x0B;
  c->cycles = 100; tia_poke(c, VBLANK, 0x80);
  c->cycles = 150; CHECK_EQ(tia_peek(c, INPT0), 0x0B, "INPT0 while dumped");
  CHECK_EQ(tia_peek(c, INPT1), 0x8B, "INPT1 resistance 0 always charged");
  CHECK_EQ(tia_peek(c, INPT2), 0x0B, "INPT2 nothing connected");
  c->cycles = 200; tia_poke(c, VBLANK, 0x00);
  c->dataBus = 0x0B;
  c->cycles = 200 + 7783; CHECK_EQ(tia_peek(c, INPT0), 0x0B, "INPT0 not yet charged");
  c->cycles = 200 + 7784; CHECK_EQ(tia_peek(c, INPT0), 0x8B, "INPT0 charged");
  c->cycles = 200 + 522; CHECK_EQ(tia_peek(c, INPT3), 0x0B, "INPT3 at 522");
  c->cycles = 200 + 523; CHECK_EQ(tia_peek(c, INPT3), 0x8B, "INPT3 after 522");
  /* the release stamp follows the frame's cycle rebase; long ago reads as uncharged (the
   * reference compares unsigned) */
  c->cycles = 30000; tia_cycles_reset(c); c->cycles = 0;
  c->cycles = 100; CHECK_EQ(tia_peek(c, INPT0), 0x0B, "INPT0 after a rebase far past the release");
  /* a new dump/release cycle works again */
  c->cycles = 200; tia_poke(c, VBLANK, 0x80);
  c->cycles = 300; tia_poke(c, VBLANK, 0x00);
  c->cycles = 300 + 7784; CHECK_EQ(tia_peek(c, INPT0), 0x8B, "INPT0 after re-release");
  c->inpt4 = 0x00; c->inpt5 = 0x80;
  CHECK_EQ(tia_peek(c, INPT4), 0x0B, "INPT4 pressed");
  CHECK_EQ(tia_peek(c, INPT5), 0x8B, "INPT5 released");
  c->cycles += 10; tia_poke(c, VBLANK, 0x40);   /* latch bit: the reference has no latch */
  c->inpt4 = 0x80;
  CHECK_EQ(tia_peek(c, INPT4), 0x8B, "INPT4 follows the button even with VBLANK bit 6");
  CHECK_EQ(tia_peek(c, 0x0E), 0x0B, "unused read address: bus bits only");
  CHECK_EQ(tia_peek(c, 0x1C), 0x8B, "$1C mirrors INPT4");
  free(c);
}

static void test_wsync(void) {
  Console *c = setup(0, 10, 0);
  c->cycles = 10; tia_poke(c, WSYNC, 0);
  CHECK_EQ(c->cycles, 76, "WSYNC at cycle 10 waits to 76");
  c->cycles = 76; tia_poke(c, WSYNC, 0);
  CHECK_EQ(c->cycles, 76, "WSYNC at a line start does not wait");
  c->cycles = 151; tia_poke(c, WSYNC, 0);
  CHECK_EQ(c->cycles, 152, "WSYNC at cycle 75 of a line waits 1");
  /* a frame whose start is 6 colour clocks (2 cycles) into the line */
  c->tia.clkFrameStart = -6;
  c->cycles = 10; tia_poke(c, WSYNC, 0);
  CHECK_EQ(c->cycles, 74, "WSYNC honours the frame's line phase");
  free(c);
}

/* RESP0 inside a displayed copy: the copy finishes, the new position shows from next line. */
static void test_resp_during_display(void) {
  Console *c = setup(0, 10, 0);
  poke_at(c, 0, 0, COLUP0, 0x1E);
  poke_at(c, 0, 1, GRP0, 0xFF);
  poke_at(c, 0, 40, RESP0, 0);         /* 57 */
  poke_at(c, 1, 43, RESP0, 0);         /* clock 129: new 66, inside the copy at 57..64? d=9 */
  flush(c, 3);
  uint8_t w[160];
  memset(w, 0, 160); fill(w, 57, 65, 0x1E);
  check_row(c, 1, w, "copy drawn in full before the reset");
  memset(w, 0, 160); fill(w, 66, 74, 0x1E);
  check_row(c, 2, w, "new position next line");
  free(c);
}


/* Reference quirks that only show when drawing stops mid-line (end of frame / partial frame). */
static void test_unfinished_line_quirks(void) {
  /* 1. With an object enabled, the reference stores 4 pixels at once where the object's mask is
   *    empty, so an update ending at pixel 10 also writes pixels 10..11. */
  Console *c = setup(0, 10, 0);
  poke_at(c, 0, 0, COLUBK, 0x1E);
  poke_at(c, 0, 1, GRP0, 0x80);           /* P0 at 0: pixel 0 only */
  memset(c->tia.frameBuffers[c->tia.current], 0x55, 160);
  peek_at(c, 0, 26, 0x0E);                /* clock 78 = pixel 10 */
  const uint8_t *r = row(c, 0);
  CHECK(r[0] == 0x00 && r[9] == 0x1E && r[10] == 0x1E && r[11] == 0x1E && r[12] == 0x55,
        "4-pixel store past the update end: %02x %02x %02x %02x %02x", r[0], r[9], r[10], r[11], r[12]);
  free(c);
  /* ... but not with nothing enabled (the background is filled exactly) */
  c = setup(0, 10, 0);
  poke_at(c, 0, 0, COLUBK, 0x1E);
  memset(c->tia.frameBuffers[c->tia.current], 0x55, 160);
  peek_at(c, 0, 26, 0x0E);
  r = row(c, 0);
  CHECK(r[9] == 0x1E && r[10] == 0x55, "background fill stops at the update end: %02x %02x", r[9], r[10]);
  free(c);
  /* 2. An HMOVE blank pending while an update stops inside the horizontal blank blacks out
   *    pixels up to (76 - clock) from the line start, more than the 8 blank pixels. */
  c = setup(0, 10, 1);
  poke_at(c, 0, 0, COLUBK, 0x1E);
  memset(c->tia.frameBuffers[c->tia.current] + 160, 0x55, 160);
  poke_at(c, 1, 3, HMOVE, 0);
  peek_at(c, 1, 15, 0x0E);                /* clock 45: still in HBLANK */
  r = row(c, 1);
  CHECK(r[30] == 0 && r[31] == 0x55, "over-long HMOVE blank: %02x %02x", r[30], r[31]);
  flush(c, 2);                            /* the rest of the line is then drawn normally */
  CHECK(r[7] == 0 && r[8] == 0x1E && r[31] == 0x1E, "HMOVE blank after the line: %02x %02x %02x",
        r[7], r[8], r[31]);
  free(c);
}

/* ---------------------------------------------------------------------------------------- */
/* Frame loop with the CPU running tia_kernel.asm */

static Console *kernel_console(uint8_t mode) {
  Console *c = calloc(1, sizeof *c);
  if (!c) { printf("out of memory\n"); exit(2); }
  c->tia.config.ystart = 34;
  c->tia.config.height = 210;
  c->tia.config.maxScanlines = 290;
  c->tia.config.hmoveBlanks = 1;
  c->swcha = 0xFF; c->swchb = 0x3F; c->inpt4 = c->inpt5 = 0x80;
  for (int i = 0; i < 4; i++) c->resistance[i] = PADDLE_NONE;
  if (cart_init(c, tia_kernel_bin, tia_kernel_bin_len, CART_4K) != 0) {
    printf("cart_init failed\n");
    exit(2);
  }
  console_system_reset(c);
  c->riot.ram[0] = mode;
  c->riot.ram[1] = 0;
  return c;
}

static void expected_kernel_picture(uint8_t *img) {
  memset(img, 0, 210 * 160);
  for (int y = 0; y < 192; y++) {
    uint8_t *p = img + (3 + y) * 160;      /* frame line 37 = buffer row 3 */
    fill(p, 0, 160, (uint8_t)(y & 0xFE));
    fill(p, 16, 32, 0x44);
    fill(p, 96, 112, 0x44);
  }
}

static void test_kernel_frames(void) {
  Console *c = kernel_console(0);
  static uint8_t want[210 * 160];
  expected_kernel_picture(want);
  tia_update_frame(c);
  CHECK_EQ(c->tia.partialFrame, 0, "first (short) frame finished by VSYNC");
  CHECK_EQ(c->tia.scanlinesLastFrame, 3, "first frame: 3 lines to the first VSYNC end");
  for (int f = 0; f < 3; f++) {
    tia_update_frame(c);
    CHECK_EQ(c->tia.partialFrame, 0, "frame finished by VSYNC");
    CHECK_EQ(c->tia.scanlinesLastFrame, 262, "262-line frame");
    int bad = -1;
    for (int i = 0; i < 210 * 160; i++) if (tia_screen(c)[i] != want[i]) { bad = i; break; }
    CHECK(bad < 0, "kernel picture frame %d: first difference row %d col %d got $%02x want $%02x", f,
          bad / 160, bad % 160, bad >= 0 ? tia_screen(c)[bad] : 0, bad >= 0 ? want[bad] : 0);
    CHECK(memcmp(tia_previous_screen(c), tia_screen(c), 210 * 160) == 0 || f == 0,
          "previous screen is the frame before");
  }
  /* the frame starts keep the line phase: VSYNC ends 5 cycles into a line */
  CHECK_EQ(c->tia.clkFrameStart, -15, "frame start phase");
  free(c);
}

static void test_kernel_partial_frame(void) {
  Console *c = kernel_console(1);
  static uint8_t want[210 * 160];
  expected_kernel_picture(want);
  for (int f = 0; f < 3; f++) tia_update_frame(c);    /* short, full, full */
  CHECK_EQ(c->tia.partialFrame, 0, "three frames complete");
  tia_update_frame(c);                                /* JAM: nothing runs */
  CHECK_EQ(c->tia.partialFrame, 1, "frame after the JAM is partial");
  /* the buffer swapped in holds the frame before last, dimmed from the current line down */
  int bad = -1;
  for (int i = 0; i < 210 * 160; i++)
    if (tia_screen(c)[i] != ((want[i] & 0x0F) >> 1)) { bad = i; break; }
  CHECK(bad < 0, "dimmed partial frame: first difference at row %d col %d", bad / 160, bad % 160);
  CHECK(memcmp(tia_previous_screen(c), want, sizeof want) == 0, "previous screen is the last full frame");
  tia_update_frame(c);                                /* still partial: no swap, no second dim */
  CHECK_EQ(c->tia.partialFrame, 1, "still partial");
  bad = -1;
  for (int i = 0; i < 210 * 160; i++)
    if (tia_screen(c)[i] != ((want[i] & 0x0F) >> 1)) { bad = i; break; }
  CHECK(bad < 0, "a partial frame is dimmed only once");
  free(c);
}

static void test_kernel_scanline_limit(void) {
  Console *c = kernel_console(2);
  tia_update_frame(c);
  CHECK_EQ(c->tia.partialFrame, 0, "scanline limit ends the frame");
  /* the WSYNC write on line 291 (> 290) ends it, and the WSYNC still completes: 292 lines */
  CHECK_EQ(c->tia.scanlinesLastFrame, 292, "frame ended after line 291");
  tia_update_frame(c);
  CHECK_EQ(c->tia.partialFrame, 0, "next frame too");
  CHECK_EQ(c->tia.scanlinesLastFrame, 292, "again 292 lines");
  free(c);
}

int main(void) {
  test_background_and_colour_bit0();
  test_playfield();
  test_playfield_write_delay();
  test_player_position_and_copies();
  test_player_graphics_delay_and_reflect();
  test_missile_and_ball();
  test_hmove_motion();
  test_hmove_blank();
  test_collisions();
  test_priority();
  test_paddles_and_buttons();
  test_wsync();
  test_resp_during_display();
  test_unfinished_line_quirks();
  test_kernel_frames();
  test_kernel_partial_frame();
  test_kernel_scanline_limit();
  printf("test_tia: %d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
