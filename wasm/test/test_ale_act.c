/* Tests of the ALE layer over the real console: action -> input mapping, the environment-RNG
 * accounting of act() (exactly two draws per frame, also past game over), frame counters,
 * clone/restore determinism, bad ROM handling. ROM-based parts skip when ../shared is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ale.h"

static int passed, failed;
#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint8_t *load_file(const char *name, uint32_t *len) {
  static const char *dirs[] = {"../shared/roms", "../../shared/roms", "/work/shared/roms"};
  for (int i = 0; i < 3; i++) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dirs[i], name);
    FILE *f = fopen(p, "rb");
    if (!f) continue;
    uint8_t *buf = malloc(1 << 17);
    *len = (uint32_t)fread(buf, 1, 1 << 17, f);
    fclose(f);
    return buf;
  }
  return NULL;
}

static Ale *new_ale(void) {
  Ale *a = calloc(1, sizeof(Ale));
  ale_init(a);
  return a;
}

static void test_inputs(void) {
  Ale *a = new_ale();
  a->leftCtrl = a->rightCtrl = GAME_CTRL_JOYSTICK;
  a->rt.difficulty = 0;
  ale_apply_inputs(a, 0, 0, 1, 1, 0);
  CHECK(a->rt.console.swcha == 0xFF && a->rt.console.swchb == 0x3F && a->rt.console.inpt4 == 0x80, "NOOP");
  ale_apply_inputs(a, 14, 0, 1, 1, 0); /* UPRIGHTFIRE */
  CHECK(a->rt.console.swcha == (0xFF & ~0x10 & ~0x80) && a->rt.console.inpt4 == 0, "UPRIGHTFIRE %02x", a->rt.console.swcha);
  ale_apply_inputs(a, 17, 0, 1, 1, 0); /* DOWNLEFTFIRE */
  CHECK(a->rt.console.swcha == (0xFF & ~0x20 & ~0x40) && a->rt.console.inpt4 == 0, "DOWNLEFTFIRE");
  ale_apply_inputs(a, 0, 9, 1, 1, 0); /* player B DOWNLEFT */
  CHECK(a->rt.console.swcha == (0xFF & ~0x02 & ~0x04) && a->rt.console.inpt5 == 0x80, "B DOWNLEFT");
  ale_apply_inputs(a, ALE_ACTION_RESET, 0, 1, 1, 0);
  CHECK(a->rt.console.swchb == 0x3E && a->rt.console.swcha == 0xFF, "RESET switch");
  ale_apply_inputs(a, 0, 0, 1, 1, 1);
  CHECK(a->rt.console.swchb == 0x3D, "SELECT switch");
  a->rt.difficulty = 3;
  ale_apply_inputs(a, 0, 0, 1, 1, 0);
  CHECK(a->rt.console.swchb == 0xFF, "difficulty A/A");
  a->rt.difficulty = 1;
  ale_apply_inputs(a, 0, 0, 1, 1, 0);
  CHECK(a->rt.console.swchb == 0x7F, "left difficulty A");

  /* paddles (pong wiring: swapped) */
  a->rt.difficulty = 0;
  a->leftCtrl = a->rightCtrl = GAME_CTRL_PADDLES;
  a->usePaddles = 1;
  a->swapPaddles = 1;
  a->paddleMin = 27450; a->paddleMax = 790196;
  a->rt.paddleA = a->rt.paddleB = 408823;
  ale_apply_inputs(a, 3, 0, 1.0f, 0.0f, 0); /* RIGHT: resistance down */
  CHECK(a->rt.paddleA == 408823 - 23000 && a->rt.console.resistance[1] == a->rt.paddleA &&
        a->rt.console.resistance[0] == 408823 && a->rt.console.swcha == 0xFF, "pong RIGHT moves paddle 0 on INPT1");
  ale_apply_inputs(a, 12, 0, 0.5f, 0.0f, 0); /* LEFTFIRE half strength */
  CHECK(a->rt.paddleA == 408823 - 23000 + 11500 && a->rt.console.swcha == (0xFF & ~0x40), "pong LEFTFIRE: button on bit 6 (swapped)");
  CHECK(a->rt.console.resistance[2] == 0 && a->rt.console.resistance[3] == 0, "right paddle pair reads 0");
  ale_apply_inputs(a, 2, 0, 1.0f, 0.0f, 0); /* UP: no paddle motion */
  CHECK(a->rt.paddleA == 408823 - 11500, "UP does not move a paddle");
  for (int i = 0; i < 100; i++) ale_apply_inputs(a, 4, 0, 1.0f, 0.0f, 0);
  CHECK(a->rt.paddleA == 790196, "clamped to paddle_max");
  a->swapPaddles = 0;
  ale_apply_inputs(a, 1, 0, 1.0f, 0.0f, 0);
  CHECK(a->rt.console.swcha == (0xFF & ~0x80) && a->rt.console.resistance[0] == 790196, "unswapped: button bit 7, INPT0");
  free(a);
}

static void test_bad_roms(void) {
  Ale *a = new_ale();
  uint8_t junk[3000];
  memset(junk, 0xEA, sizeof junk);
  CHECK(ale_load_rom(a, junk, 0) == ALE_ERR_EMPTY, "empty");
  CHECK(ale_load_rom(a, NULL, 10) == ALE_ERR_EMPTY, "null");
  CHECK(ale_load_rom(a, junk, ALE_MAX_ROM + 1) == ALE_ERR_TOO_LARGE, "too large");
  CHECK(ale_load_rom(a, junk, 3000) == ALE_ERR_UNSUPPORTED, "odd size unsupported");
  CHECK(!a->loaded && ale_act(a, 0, 1) == 0 && !ale_game_over(a), "not loaded: act is a no-op");
  /* An unknown 4K image loads (no reward function). */
  static uint8_t rom[4096];
  memset(rom, 0xEA, sizeof rom);            /* NOPs */
  rom[0xFFC] = 0x00; rom[0xFFD] = 0xF0;     /* reset vector $F000 */
  rom[0] = 0x4C; rom[1] = 0x00; rom[2] = 0xF0; /* JMP $F000 */
  CHECK(ale_load_rom(a, rom, sizeof rom) == ALE_OK, "unknown 4K ROM loads");
  CHECK(a->game == NULL && a->wrapper == GAME_WRAPPER_NONE && a->height == 210, "unknown: no wrapper, 210 lines");
  CHECK(ale_act(a, 1, 1) == 0 && ale_lives(a) == 1 && !ale_game_over(a), "unknown ROM plays");
  free(a);
}

/* Rewrites a state's header checksum (FNV-1a of the body, at offset 12 after magic, size and
 * hasRng) so a test can hand-craft a body that passes the checksum and reaches the later checks. */
static void reseal_state(uint8_t *st, uint32_t hdr) {
  uint32_t h = 0x811c9dc5u;
  for (uint32_t i = 0; i < sizeof(AleRuntime); i++) h = (h ^ st[hdr + i]) * 0x01000193u;
  memcpy(st + 12, &h, 4);
}

static void test_rng_accounting(void) {
  uint32_t len;
  uint8_t *rom = load_file("pong.bin", &len);
  if (!rom) { printf("(skipping ROM tests: ../shared/roms not found)\n"); return; }
  Ale *a = new_ale();
  a->settings.randomSeed = 123;
  a->settings.repeatActionProbability = 0.0f;
  a->settings.frameSkip = 3;
  CHECK(ale_load_rom(a, rom, len) == ALE_OK, "pong loads");
  Mt19937 shadow;
  mt_seed(&shadow, 123);
  CHECK(memcmp(&shadow, &a->rt.envRng, sizeof shadow) == 0, "load and reset draw nothing from the env RNG");
  for (int i = 0; i < 10; i++) ale_act(a, 3, 1.0f);
  for (int i = 0; i < 60; i++) mt_next(&shadow);
  CHECK(memcmp(&shadow, &a->rt.envRng, sizeof shadow) == 0, "10 act() x frame_skip 3 = 60 draws");
  CHECK(a->rt.frameNumber == 30 && a->rt.episodeFrameNumber == 30, "30 frames counted");
  ale_reset_game(a);
  CHECK(a->rt.frameNumber == 30 && a->rt.episodeFrameNumber == 0, "reset keeps frame number");
  CHECK(memcmp(&shadow, &a->rt.envRng, sizeof shadow) == 0, "reset draws nothing");

  /* Past the end of an episode (truncation), act() still draws twice per frame. */
  a->active.maxNumFramesPerEpisode = 6;
  ale_act(a, 0, 1); ale_act(a, 0, 1);
  CHECK(ale_truncated(a) && ale_game_over(a) && !ale_terminal(a), "truncated after 6 frames");
  int32_t fn = a->rt.frameNumber;
  ale_act(a, 0, 1);
  for (int i = 0; i < 18; i++) mt_next(&shadow);
  CHECK(memcmp(&shadow, &a->rt.envRng, sizeof shadow) == 0 && a->rt.frameNumber == fn, "over: draws, no frames");
  a->active.maxNumFramesPerEpisode = 0;

  /* Sticky actions: with p = 1 the remembered action never changes. */
  a->active.repeatActionProbability = 1.0f;
  a->active.frameSkip = 1;
  ale_reset_game(a);
  ale_act(a, 4, 1.0f);
  CHECK(a->rt.actionA == 0, "p=1 keeps NOOP after reset");
  a->active.repeatActionProbability = 0.5f;
  int changed = 0;
  for (int i = 0; i < 200; i++) { ale_act(a, i & 1 ? 3 : 4, 1.0f); changed += a->rt.actionA == (i & 1 ? 3 : 4); }
  CHECK(changed > 60 && changed < 140, "p=0.5 takes about half the requests (%d/200)", changed);

  /* Clone / restore: replay gives identical frames. */
  a->active.repeatActionProbability = 0.25f;
  uint8_t *st = malloc(ale_state_size());
  CHECK(ale_clone_state(a, st, ale_state_size(), true) == (int)ale_state_size(), "clone");
  uint8_t ram1[128], scr1[210 * 160];
  int32_t rsum1 = 0;
  for (int i = 0; i < 300; i++) rsum1 += ale_act(a, (i * 7) % 18, 1.0f);
  memcpy(ram1, ale_ram(a), 128);
  memcpy(scr1, ale_screen(a), sizeof scr1);
  int32_t fn1 = a->rt.frameNumber;
  CHECK(ale_restore_state(a, st, ale_state_size()) == ALE_OK, "restore");
  int32_t rsum2 = 0;
  for (int i = 0; i < 300; i++) rsum2 += ale_act(a, (i * 7) % 18, 1.0f);
  CHECK(memcmp(ram1, ale_ram(a), 128) == 0 && memcmp(scr1, ale_screen(a), sizeof scr1) == 0 && rsum1 == rsum2 &&
        fn1 == a->rt.frameNumber, "restore + replay is identical");
  CHECK(ale_restore_state(a, st, 10) == ALE_ERR_BAD_STATE, "short state refused");
  st[0] ^= 1;
  CHECK(ale_restore_state(a, st, ale_state_size()) == ALE_ERR_BAD_STATE, "corrupt state refused");
  st[0] ^= 1;
  {
    /* A damaged body is refused by the checksum and leaves the running emulator untouched. */
    uint8_t before[128];
    memcpy(before, ale_ram(a), 128);
    uint32_t hdr = ale_state_size() - (uint32_t)sizeof(AleRuntime);
    st[hdr + 1000] ^= 0x40;
    CHECK(ale_restore_state(a, st, ale_state_size()) == ALE_ERR_BAD_STATE, "state with a flipped body byte refused");
    CHECK(memcmp(before, ale_ram(a), 128) == 0, "a refused restore changes nothing");
    st[hdr + 1000] ^= 0x40;
    /* A state whose checksum is right but whose TIA buffer index is out of range (built by other
     * code) must not run: it would draw outside the frame buffers. */
    AleRuntime *body = malloc(sizeof(AleRuntime));
    memcpy(body, st + hdr, sizeof(AleRuntime));
    body->console.tia.current = 9;
    memcpy(st + hdr, body, sizeof(AleRuntime));
    reseal_state(st, hdr);
    CHECK(ale_restore_state(a, st, ale_state_size()) == ALE_ERR_BAD_STATE, "implausible state (TIA buffer 9) refused");
    body->console.tia.current = 0;
    body->console.cart.scheme = CART_F8;
    memcpy(st + hdr, body, sizeof(AleRuntime));
    reseal_state(st, hdr);
    CHECK(ale_restore_state(a, st, ale_state_size()) == ALE_ERR_BAD_STATE, "state of another cartridge scheme refused");
    free(body);
  }
  free(st);

  /* Grayscale / RGB agree with the palette. */
  static uint8_t gray[210 * 160], rgb[210 * 160 * 3];
  ale_screen_grayscale(a, gray);
  ale_screen_rgb(a, rgb);
  const uint8_t *s = ale_screen(a);
  int ok = 1;
  for (int i = 0; i < 210 * 160; i++) {
    uint32_t c = ale_palette_rgb(a, s[i]);
    ok &= gray[i] == ale_palette_gray(a, s[i]) && rgb[3 * i] == (c >> 16) && rgb[3 * i + 1] == ((c >> 8) & 255) &&
          rgb[3 * i + 2] == (c & 255);
  }
  CHECK(ok, "grayscale/rgb conversions");

  /* Colour averaging: each pixel is the palette entry nearest (L1, first on ties) to the
   * 77/100 phosphor blend of the current and previous colours, quantised to multiples of 4. */
  a->active.colorAveraging = 1;
  for (int i = 0; i < 3; i++) ale_act(a, 3, 1.0f);
  const uint8_t *cur = tia_screen(&a->rt.console), *prev = tia_previous_screen(&a->rt.console);
  const uint8_t *bl = ale_screen(a);
  int blendOk = 1, differs = 0;
  for (int i = 0; i < 210 * 160; i += 7) {
    uint32_t c1 = ale_palette_rgb(a, cur[i] & 0xFE), c2 = ale_palette_rgb(a, prev[i] & 0xFE);
    int rgb2[3];
    for (int ch = 0; ch < 3; ch++) {
      int x = (c1 >> (16 - 8 * ch)) & 255, y = (c2 >> (16 - 8 * ch)) & 255;
      int lo = x < y ? x : y, hi = x < y ? y : x;
      rgb2[ch] = (lo + (hi - lo) * 77 / 100) & ~3;
    }
    int best = 1 << 30, bi = 0;
    for (int k = 0; k < 256; k += 2) {
      uint32_t p = ale_palette_rgb(a, (uint8_t)k);
      int d = abs((int)((p >> 16) & 255) - rgb2[0]) + abs((int)((p >> 8) & 255) - rgb2[1]) + abs((int)(p & 255) - rgb2[2]);
      if (d < best) { best = d; bi = k; }
    }
    blendOk &= bl[i] == bi;
    differs += cur[i] != prev[i];
  }
  CHECK(blendOk, "colour-averaged screen matches the blend rule");
  CHECK(bl != cur, "averaged screen is a separate buffer");
  a->active.colorAveraging = 0;
  CHECK(ale_screen(a) == tia_screen(&a->rt.console), "averaging off: the TIA buffer itself");
  (void)differs;
  free(a);
  free(rom);
}

int main(void) {
  test_inputs();
  test_bad_roms();
  test_rng_accounting();
  printf("test_ale_act: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
