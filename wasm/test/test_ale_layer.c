/* Unit tests of the ALE layer's chip-independent parts: md5, the game table, the game wrappers
 * on synthetic RAM, BCD decoding, the palettes, and the heap allocator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "ale.h"
#include "alloc.h"
#include "games.h"
#include "palette.h"

static int passed, failed;
#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* ---- synthetic RAM ---- */
static uint8_t RAM[128];
static uint8_t rd(void *ctx, uint32_t i) { (void)ctx; return RAM[i & 127]; }
static void poke(uint8_t addr, uint8_t v) { RAM[addr & 0x7F] = v; }
static void step(uint8_t w, GameState *s) { game_step(w, s, rd, NULL); }

static void test_md5(void) {
  char h[33];
  md5_hex((const uint8_t *)"", 0, h);
  CHECK(!strcmp(h, "d41d8cd98f00b204e9800998ecf8427e"), "md5('') = %s", h);
  md5_hex((const uint8_t *)"abc", 3, h);
  CHECK(!strcmp(h, "900150983cd24fb0d6963f7d28e17f72"), "md5('abc') = %s", h);
  const char *s = "12345678901234567890123456789012345678901234567890123456789012345678901234567890";
  md5_hex((const uint8_t *)s, (uint32_t)strlen(s), h);
  CHECK(!strcmp(h, "57edf4a22be3c955ac49da2e2107b67a"), "md5(rfc 80 digits) = %s", h);
  /* 55 and 56 bytes straddle the one/two padding block boundary */
  uint8_t buf[64];
  memset(buf, 'a', sizeof buf);
  md5_hex(buf, 55, h);
  CHECK(!strcmp(h, "ef1772b6dff9a122358552954ad0df65"), "md5(55 x a) = %s", h);
  md5_hex(buf, 56, h);
  CHECK(!strcmp(h, "3b0c8ac703f828b04c6c197006d17218"), "md5(56 x a) = %s", h);
  md5_hex(buf, 64, h);
  CHECK(!strcmp(h, "014842d480b571495a4a0363793f7367"), "md5(64 x a) = %s", h);
}

static const char *roms_dir(void) {
  static const char *cands[] = {"../shared/roms", "../../shared/roms", "/work/shared/roms"};
  for (int i = 0; i < 3; i++) {
    char p[512];
    snprintf(p, sizeof p, "%s/MANIFEST.json", cands[i]);
    FILE *f = fopen(p, "rb");
    if (f) { fclose(f); return cands[i]; }
  }
  return NULL;
}

static void test_table(void) {
  const GameProps *p0;
  /* 108 reference ROMs plus our two built-in games (CATCH, DODGE). */
  CHECK(GAME_TABLE_COUNT == 110, "table has %u games", GAME_TABLE_COUNT);
  p0 = game_find_md5("de86e863480bfc2e154be1c3587d4868");
  CHECK(p0 && !strcmp(p0->romId, "catch") && p0->wrapper == GAME_WRAPPER_ARCADE_CATCH && p0->minimalMask == 0x19u,
        "built-in CATCH in the table with its wrapper and NOOP/RIGHT/LEFT");
  for (uint32_t i = 0; i < GAME_TABLE_COUNT; i++)
    for (uint32_t j = i + 1; j < GAME_TABLE_COUNT; j++)
      if (!strcmp(GAME_TABLE[i].md5, GAME_TABLE[j].md5)) CHECK(0, "duplicate md5 %s", GAME_TABLE[i].md5);
  const GameProps *p = game_find_md5("60e0ea3cbe0913d39803477945e9e5ec");
  CHECK(p && !strcmp(p->romId, "pong"), "pong by md5");
  CHECK(p && p->swapPaddles && p->leftCtrl == GAME_CTRL_PADDLES && p->wrapper == GAME_WRAPPER_PONG &&
        p->modeKind == GAME_MODE_BYTE && p->modeAddr == 0x96 && p->selectHold == 2, "pong properties");
  p = game_find_md5("60E0EA3CBE0913D39803477945E9E5EC");
  CHECK(p != NULL, "md5 lookup ignores case");
  CHECK(game_find_md5("00000000000000000000000000000000") == NULL, "unknown md5");
  p = game_find_md5("484b0076816a104875e00467d431c2d2");
  CHECK(p && p->ystart == 40 && p->height == 210 && p->wrapper == GAME_WRAPPER_QBERT, "qbert ystart 40");
  int pal = 0, traced = 0;
  for (uint32_t i = 0; i < GAME_TABLE_COUNT; i++) {
    pal += GAME_TABLE[i].palExpected;
    traced += GAME_TABLE[i].wrapper != GAME_WRAPPER_NONE;
    if (!strcmp(GAME_TABLE[i].romId, "skiing"))
      CHECK(GAME_TABLE[i].legalMask == 0x3FDu && GAME_TABLE[i].startRleLen == 1 && GAME_TABLE[i].startRle[0] == 5 &&
            GAME_TABLE[i].startRle[1] == 16, "skiing legal set and DOWN x16");
    if (!strcmp(GAME_TABLE[i].romId, "maze_craze")) CHECK(GAME_TABLE[i].palProperty == 1, "maze_craze PAL by property");
    if (!strcmp(GAME_TABLE[i].romId, "amidar"))
      CHECK(GAME_TABLE[i].propLeftDiffA && GAME_TABLE[i].propRightDiffA, "amidar A/A");
    if (!strcmp(GAME_TABLE[i].romId, "backgammon")) CHECK(GAME_TABLE[i].paddleMaxOverride == 1000000, "backgammon paddle max");
  }
  CHECK(pal == 12, "12 PAL roms, got %d", pal);
  CHECK(traced >= 10, "at least the 10 traced games have wrappers, got %d", traced);

  /* Every ROM file's md5 finds its own entry. */
  const char *dir = roms_dir();
  if (!dir) { printf("(skipping ROM md5 checks: ../shared/roms not found)\n"); return; }
  int found = 0;
  for (uint32_t i = 0; i < GAME_TABLE_COUNT; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.bin", dir, GAME_TABLE[i].romId);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    static uint8_t buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char h[33];
    md5_hex(buf, (uint32_t)n, h);
    const GameProps *q = game_find_md5(h);
    CHECK(q == &GAME_TABLE[i], "%s: md5 %s -> %s", GAME_TABLE[i].romId, h, q ? q->romId : "none");
    CHECK(n == GAME_TABLE[i].size, "%s size", GAME_TABLE[i].romId);
    found++;
  }
  CHECK(found == 108, "found %d ROM files", found);
}

static void test_wrappers(void) {
  GameState s;
  CHECK(game_dec1(0x42) == 42 && game_dec1(0x0A) == 10 && game_dec1(0xA0) == 100, "bcd digits above 9 kept");

  /* pong */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_PONG, &s);
  step(GAME_WRAPPER_PONG, &s);
  CHECK(s.reward == 0 && !s.terminal, "pong start");
  poke(0x8D, 1); step(GAME_WRAPPER_PONG, &s);
  CHECK(s.reward == -1, "pong cpu point -> -1");
  poke(0x8E, 1); step(GAME_WRAPPER_PONG, &s);
  CHECK(s.reward == 1, "pong player point -> +1");
  poke(0x8D, 21); step(GAME_WRAPPER_PONG, &s);
  CHECK(s.terminal && s.reward == -20 && game_lives(GAME_WRAPPER_PONG, &s) == 0, "pong terminal at 21");

  /* breakout: terminal only after having seen 5 lives */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_BREAKOUT, &s);
  CHECK(game_lives(GAME_WRAPPER_BREAKOUT, &s) == 5, "breakout lives at reset");
  step(GAME_WRAPPER_BREAKOUT, &s);
  CHECK(!s.terminal, "breakout: lives byte 0 before start is not terminal");
  poke(0xB9, 5); step(GAME_WRAPPER_BREAKOUT, &s);
  poke(0xCD, 0x47); poke(0xCC, 0x03); step(GAME_WRAPPER_BREAKOUT, &s);
  CHECK(s.reward == 347, "breakout score 347, got %d", s.reward);
  poke(0xB9, 0); step(GAME_WRAPPER_BREAKOUT, &s);
  CHECK(s.terminal && game_lives(GAME_WRAPPER_BREAKOUT, &s) == 0, "breakout terminal");

  /* space invaders: wrap */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_SPACE_INVADERS, &s);
  poke(0xC9, 3);
  poke(0xE8, 0x90); poke(0xE6, 0x99); step(GAME_WRAPPER_SPACE_INVADERS, &s);
  CHECK(s.reward == 9990, "si 9990");
  poke(0xE8, 0x20); poke(0xE6, 0x00); step(GAME_WRAPPER_SPACE_INVADERS, &s);
  CHECK(s.reward == 30, "si wrap: 10000 - 9990 + 20 = 30, got %d", s.reward);
  CHECK(game_lives(GAME_WRAPPER_SPACE_INVADERS, &s) == 3, "si lives");
  poke(0x98, 0x80); step(GAME_WRAPPER_SPACE_INVADERS, &s);
  CHECK(s.terminal && game_lives(GAME_WRAPPER_SPACE_INVADERS, &s) == 0, "si terminal by bit 7");

  /* freeway: reward clamped to 0..1 */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_FREEWAY, &s);
  poke(0xE7, 0x12); step(GAME_WRAPPER_FREEWAY, &s);
  CHECK(s.reward == 1, "freeway clamp up");
  poke(0xE7, 0x00); step(GAME_WRAPPER_FREEWAY, &s);
  CHECK(s.reward == 0, "freeway clamp down");
  poke(0x96, 1); step(GAME_WRAPPER_FREEWAY, &s);
  CHECK(s.terminal, "freeway terminal");

  /* seaquest */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_SEAQUEST, &s);
  CHECK(game_lives(GAME_WRAPPER_SEAQUEST, &s) == 4, "seaquest lives at reset");
  poke(0xBA, 0x20); poke(0xB9, 0x01); poke(0xB8, 0x02); poke(0xBB, 3); step(GAME_WRAPPER_SEAQUEST, &s);
  CHECK(s.reward == 20120 && game_lives(GAME_WRAPPER_SEAQUEST, &s) == 4, "seaquest score/lives");
  poke(0xA3, 1); step(GAME_WRAPPER_SEAQUEST, &s);
  CHECK(s.terminal && s.reward == 0, "seaquest terminal");

  /* ms pacman */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_MS_PACMAN, &s);
  poke(0xFB, 0x02); poke(0xF8, 0x10); step(GAME_WRAPPER_MS_PACMAN, &s);
  CHECK(s.reward == 10 && game_lives(GAME_WRAPPER_MS_PACMAN, &s) == 3, "mspacman");
  poke(0xFB, 0x00); step(GAME_WRAPPER_MS_PACMAN, &s);
  CHECK(!s.terminal, "mspacman needs the death timer");
  poke(0xA7, 0x53); step(GAME_WRAPPER_MS_PACMAN, &s);
  CHECK(s.terminal, "mspacman terminal");

  /* beam rider: a decrease is accepted only when $8C == 1 */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_BEAM_RIDER, &s);
  poke(0x85, 2); step(GAME_WRAPPER_BEAM_RIDER, &s);
  CHECK(game_lives(GAME_WRAPPER_BEAM_RIDER, &s) == 3, "br 3");
  poke(0x85, 1); step(GAME_WRAPPER_BEAM_RIDER, &s);
  CHECK(game_lives(GAME_WRAPPER_BEAM_RIDER, &s) == 3, "br blink ignored");
  poke(0x8C, 1); step(GAME_WRAPPER_BEAM_RIDER, &s);
  CHECK(game_lives(GAME_WRAPPER_BEAM_RIDER, &s) == 2, "br decrease accepted");
  poke(0x8C, 0); poke(0x85, 5); step(GAME_WRAPPER_BEAM_RIDER, &s);
  CHECK(game_lives(GAME_WRAPPER_BEAM_RIDER, &s) == 6, "br other change immediate");
  poke(0x89, 0x44); step(GAME_WRAPPER_BEAM_RIDER, &s);
  CHECK(s.reward == 44, "br score");
  poke(0x85, 0xFF); step(GAME_WRAPPER_BEAM_RIDER, &s);
  CHECK(s.terminal, "br terminal");

  /* asteroids: x10 and wrap */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_ASTEROIDS, &s);
  poke(0xBC, 0x40); poke(0xBE, 0x99); poke(0xBD, 0x99); step(GAME_WRAPPER_ASTEROIDS, &s);
  CHECK(s.reward == 99990 && game_lives(GAME_WRAPPER_ASTEROIDS, &s) == 4, "asteroids");
  poke(0xBE, 0x02); poke(0xBD, 0x00); step(GAME_WRAPPER_ASTEROIDS, &s);
  CHECK(s.reward == 30, "asteroids wrap: %d", s.reward);
  poke(0xBC, 0x05); step(GAME_WRAPPER_ASTEROIDS, &s);
  CHECK(s.terminal, "asteroids terminal");

  /* enduro */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_ENDURO, &s);
  poke(0xAD, 1); poke(0xAB, 0x00); poke(0xAC, 0x02); step(GAME_WRAPPER_ENDURO, &s);
  CHECK(s.reward == 0, "enduro level 1, 200 cars left -> 0");
  poke(0xAB, 0x99); poke(0xAC, 0x01); step(GAME_WRAPPER_ENDURO, &s);
  CHECK(s.reward == 1 && s.score == 1, "enduro passed one");
  poke(0xAB, 0x00); poke(0xAC, 0x02); step(GAME_WRAPPER_ENDURO, &s);
  CHECK(s.reward == -1, "enduro overtaken -> -1");
  poke(0xAD, 3); poke(0xAB, 0x00); poke(0xAC, 0x03); step(GAME_WRAPPER_ENDURO, &s);
  CHECK(s.score == 500, "enduro level 3 score 500, got %d", s.score);
  poke(0xAF, 0xFF); step(GAME_WRAPPER_ENDURO, &s);
  CHECK(s.terminal, "enduro terminal");

  /* qbert */
  memset(RAM, 0, sizeof RAM);
  game_state_reset(GAME_WRAPPER_QBERT, &s);
  poke(0x88, 2); step(GAME_WRAPPER_QBERT, &s);
  CHECK(game_lives(GAME_WRAPPER_QBERT, &s) == 4, "qbert 4");
  poke(0x88, 1); step(GAME_WRAPPER_QBERT, &s);
  CHECK(game_lives(GAME_WRAPPER_QBERT, &s) == 3, "qbert 3");
  poke(0x88, 0); step(GAME_WRAPPER_QBERT, &s);
  poke(0x88, 0xFF); step(GAME_WRAPPER_QBERT, &s);
  CHECK(game_lives(GAME_WRAPPER_QBERT, &s) == 1 && !s.terminal, "qbert signed byte -1");
  poke(0xDB, 0x25); poke(0x88, 0x02); step(GAME_WRAPPER_QBERT, &s);
  CHECK(s.terminal && s.reward == 0 && s.score == 0, "qbert reset-in-one-frame terminal, score ignored");
  game_state_reset(GAME_WRAPPER_QBERT, &s);
  poke(0x88, 0xFE); step(GAME_WRAPPER_QBERT, &s);
  CHECK(s.terminal && game_lives(GAME_WRAPPER_QBERT, &s) == 0, "qbert FE terminal");

  /* unknown game */
  game_state_reset(GAME_WRAPPER_NONE, &s);
  step(GAME_WRAPPER_NONE, &s);
  CHECK(s.reward == 0 && !s.terminal && game_lives(GAME_WRAPPER_NONE, &s) == 1, "no wrapper");
}

static void test_palette(void) {
  for (int t = 0; t < 2; t++) {
    const uint32_t *p = t ? PALETTE_PAL : PALETTE_NTSC;
    const uint8_t *g = t ? PALETTE_PAL_GRAY : PALETTE_NTSC_GRAY;
    for (int i = 0; i < 128; i++) {
      double r = (p[i] >> 16) & 255, gg = (p[i] >> 8) & 255, b = p[i] & 255;
      int l = (int)round(r * 0.2989 + gg * 0.5870 + b * 0.1140);
      if (l != g[i]) CHECK(0, "palette %d entry %d gray %d vs %d", t, i, g[i], l);
    }
  }
  CHECK(PALETTE_NTSC[0x1E >> 1] == 0xfcfc54 && PALETTE_NTSC_GRAY[0x1E >> 1] == 233, "ntsc 0x1E");
  CHECK(PALETTE_PAL[0xD4 >> 1] == 0x3232b0, "pal 0xD4");
  CHECK(palette_rgb(0, 0x1E) == 0xfcfc54, "rgb of even index");
  CHECK(palette_rgb(0, 0x1F) == 0xe9e9e9, "odd index is the gray of the colour before");
  CHECK(palette_gray(0, 0x1E) == 233, "gray of even index");
  CHECK(palette_gray(0, 0x1F) == (PALETTE_NTSC[0x20 >> 1] & 0xFF), "gray of odd index = blue of next colour");
  CHECK(palette_gray(0, 0xFF) == 0, "gray of 0xFF");
  CHECK(palette_rgb(1, 0x20) == 0x805800, "pal table used");
}

static void test_alloc(void) {
  void *p[64];
  size_t base = arcade_heap_used();
  for (int i = 0; i < 64; i++) {
    p[i] = arcade_alloc((size_t)(i * 37 + 1));
    CHECK(p[i] && ((uintptr_t)p[i] & 15) == 0, "alloc %d aligned", i);
    memset(p[i], 0xAB, (size_t)(i * 37 + 1));
  }
  for (int i = 0; i < 64; i += 2) arcade_free(p[i]);
  void *q = arcade_alloc(100);
  CHECK(q && ((uint8_t *)q)[0] == 0 && ((uint8_t *)q)[99] == 0, "reused block is zeroed");
  for (int i = 1; i < 64; i += 2) {
    uint8_t *b = p[i];
    int ok = 1;
    for (int k = 0; k < i * 37 + 1; k++) ok &= b[k] == 0xAB;
    CHECK(ok, "block %d intact after frees", i);
  }
  for (int i = 1; i < 64; i += 2) arcade_free(p[i]);
  arcade_free(q);
  CHECK(arcade_heap_used() == base, "everything freed (%zu vs %zu)", arcade_heap_used(), base);
  void *big = arcade_alloc(sizeof(Ale));
  void *big2 = arcade_alloc(sizeof(Ale));
  CHECK(big && big2 && big != big2, "two emulators fit");
  arcade_free(big);
  void *big3 = arcade_alloc(sizeof(Ale));
  CHECK(big3 == big, "freed emulator slot reused");
  arcade_free(big2);
  arcade_free(big3);
  CHECK(arcade_alloc((size_t)1 << 40) == NULL, "huge request fails cleanly");
  arcade_free(NULL);
}

int main(void) {
  test_md5();
  test_table();
  test_wrappers();
  test_palette();
  test_alloc();
  printf("test_ale_layer: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
