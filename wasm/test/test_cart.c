/* Cartridge tests: auto-detection on the whole ALE ROM set (MANIFEST.json) and on synthetic
 * images that probe the reference detector's quirks; start banks, hotspots (reads and writes,
 * mirrors), Superchip RAM ports and their RNG refill order, E0 slices, FE's A13 decoding, DPC
 * fetchers / random number generator / music mode; unsupported and garbage images. */
#include "test_common.h"

static Console *c;

static void fresh(void) { fake_tia_clear(); memset(c, 0, sizeof *c); }

/* An image whose every byte names its 4K bank (and 1K slice): byte = 0x10*bank + slice%4,
 * except a few marked offsets. */
static uint8_t *tagged_image(uint32_t size) {
  uint8_t *img = malloc(size);
  for (uint32_t i = 0; i < size; i++) img[i] = (uint8_t)(((i >> 12) << 4) | ((i >> 10) & 3));
  return img;
}

static uint8_t pk(uint16_t addr) { return bus_peek(c, addr); }
static void pw(uint16_t addr, uint8_t v) { bus_poke(c, addr, v); }

/* ---------------------------------------------------------------------------------------- */
static const char *find_roms_dir(void) {
  static const char *cands[] = {"../shared/roms", "../../shared/roms", "/work/shared/roms"};
  for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
    char p[256];
    snprintf(p, sizeof p, "%s/MANIFEST.json", cands[i]);
    FILE *f = fopen(p, "rb");
    if (f) { fclose(f); return cands[i]; }
  }
  return NULL;
}

/* Pulls the next "key": "value" string after *pos. */
static int next_string_field(const char *json, const char **pos, const char *key, char *out, size_t n) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": \"", key);
  const char *p = strstr(*pos, pat);
  if (!p) return 0;
  p += strlen(pat);
  const char *e = strchr(p, '"');
  if (!e || (size_t)(e - p) >= n) return 0;
  memcpy(out, p, (size_t)(e - p));
  out[e - p] = 0;
  *pos = e;
  (void)json;
  return 1;
}

static void test_manifest_detection(void) {
  const char *dir = find_roms_dir();
  if (!dir) { printf("SKIP manifest detection: ../shared/roms not found (shared data absent)\n"); return; }
  char path[512];
  snprintf(path, sizeof path, "%s/MANIFEST.json", dir);
  uint32_t jsize;
  char *json = (char *)read_file_bytes(path, &jsize);
  if (!json) { CHECK(0, "cannot read %s", path); return; }
  json = realloc(json, jsize + 1);
  json[jsize] = 0;
  const char *pos = strstr(json, "\"roms\"");
  int count = 0, runs = 0;
  char name[128], bank[32];
  while (pos && next_string_field(json, &pos, "name", name, sizeof name)) {
    if (!next_string_field(json, &pos, "bankswitch", bank, sizeof bank)) break;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    uint32_t size;
    uint8_t *rom = read_file_bytes(path, &size);
    if (!rom) { CHECK(0, "cannot read %s", path); continue; }
    CartScheme s = cart_detect(rom, size);
    CHECK(strcmp(cart_scheme_name(s), bank) == 0, "%s: detected %s, manifest %s", name, cart_scheme_name(s), bank);
    /* Each must install, reset and run without trouble (the fake TIA never ends a frame). */
    fresh();
    mt_seed(&c->rng, 4753849);
    riot_power_on(c);
    if (cart_init(c, rom, size, s) == 0) {
      console_system_reset(c);
      cpu_run(c, 20000);
      runs++;
    } else {
      CHECK(0, "%s: cart_init failed", name);
    }
    free(rom);
    count++;
  }
  CHECK_EQ(count, 108, "ROMs in the manifest checked");
  CHECK_EQ(runs, 108, "ROMs installed and run");
  free(json);
}

/* ---------------------------------------------------------------------------------------- */
static void test_detection_synthetic(void) {
  uint8_t *img = calloc(1, 65536);
  for (uint32_t i = 0; i < 65536; i++) img[i] = (uint8_t)(i * 7 + (i >> 8));
  CHECK_EQ(cart_detect(img, 2048), CART_2K, "2K");
  CHECK_EQ(cart_detect(img, 4096), CART_4K, "4K");
  memcpy(img + 2048, img, 2048);
  CHECK_EQ(cart_detect(img, 4096), CART_2K, "4K image with equal halves is 2K");
  for (uint32_t i = 0; i < 65536; i++) img[i] = (uint8_t)(i * 7 + (i >> 8));
  CHECK_EQ(cart_detect(img, 8192), CART_F8, "8K default F8");
  memcpy(img + 4096, img, 4096);
  CHECK_EQ(cart_detect(img, 8192), CART_4K, "8K with equal halves is 4K");
  for (uint32_t i = 0; i < 65536; i++) img[i] = (uint8_t)(i * 7 + (i >> 8));
  /* Superchip: uniform first 256 bytes in every bank. */
  memset(img, 0xaa, 256); memset(img + 4096, 0x55, 256);
  CHECK_EQ(cart_detect(img, 8192), CART_F8SC, "F8SC");
  for (int b = 2; b < 4; b++) memset(img + b * 4096, 0x11, 256);
  CHECK_EQ(cart_detect(img, 16384), CART_F6SC, "F6SC");
  img[3 * 4096 + 255] = 0x12;
  CHECK_EQ(cart_detect(img, 16384), CART_F6, "F6 when one bank breaks the pattern");
  for (uint32_t i = 0; i < 65536; i++) img[i] = (uint8_t)(i * 7 + (i >> 8));
  /* E0 signature (LDA $FFE9). */
  img[1000] = 0xad; img[1001] = 0xe9; img[1002] = 0xff;
  CHECK_EQ(cart_detect(img, 8192), CART_E0, "E0 signature");
  img[1000] = 0;
  /* FE signature (JSR $D000; DEC $C5); at the very last position it is not seen. */
  static const uint8_t fe[] = {0x20, 0x00, 0xd0, 0xc6, 0xc5};
  memcpy(img + 8192 - 5, fe, 5);
  CHECK_EQ(cart_detect(img, 8192), CART_F8, "signature at the last position is skipped (reference scan)");
  memcpy(img + 8192 - 6, fe, 5);
  CHECK_EQ(cart_detect(img, 8192), CART_FE, "FE signature");
  for (uint32_t i = 0; i < 65536; i++) img[i] = (uint8_t)(i * 7 + (i >> 8));
  /* 3F needs two STA $3F hits; after a hit the scan skips one extra byte. */
  static const uint8_t sta3f2[] = {0x85, 0x3f, 0x85, 0x3f};
  memcpy(img + 300, sta3f2, 4);
  CHECK_EQ(cart_detect(img, 8192), CART_F8, "back-to-back STA $3F counts once (scan skips a byte)");
  static const uint8_t sta3f3[] = {0x85, 0x3f, 0x00, 0x85, 0x3f};
  memcpy(img + 300, sta3f3, 5);
  CHECK_EQ(cart_detect(img, 8192), CART_UNKNOWN, "3F (unsupported) with two hits");
  for (uint32_t i = 0; i < 65536; i++) img[i] = (uint8_t)(i * 7 + (i >> 8));
  static const uint8_t ua[] = {0x8d, 0x40, 0x02};
  memcpy(img + 500, ua, 3);
  CHECK_EQ(cart_detect(img, 8192), CART_UNKNOWN, "UA (unsupported)");
  for (uint32_t i = 0; i < 65536; i++) img[i] = (uint8_t)(i * 7 + (i >> 8));
  static const uint8_t cv[] = {0x9d, 0xff, 0xf3};
  memcpy(img + 100, cv, 3);
  CHECK_EQ(cart_detect(img, 4096), CART_UNKNOWN, "CV (unsupported)");
  for (uint32_t i = 0; i < 65536; i++) img[i] = (uint8_t)(i * 7 + (i >> 8));
  CHECK_EQ(cart_detect(img, 10240), CART_DPC, "10K DPC");
  CHECK_EQ(cart_detect(img, 10495), CART_DPC, "10495 DPC");
  CHECK_EQ(cart_detect(img, 16384), CART_F6, "16K F6");
  CHECK_EQ(cart_detect(img, 12288), CART_UNKNOWN, "12K FASC unsupported");
  CHECK_EQ(cart_detect(img, 32768), CART_UNKNOWN, "32K F4 unsupported");
  CHECK_EQ(cart_detect(img, 8448), CART_UNKNOWN, "AR unsupported");
  CHECK_EQ(cart_detect(img, 3000), CART_UNKNOWN, "odd size");
  CHECK_EQ(cart_detect(img, 0), CART_UNKNOWN, "empty");
  CHECK_EQ(cart_detect(NULL, 4096), CART_UNKNOWN, "null image");

  fresh();
  CHECK(cart_init(c, img, 3000, CART_UNKNOWN) != 0, "cart_init refuses an odd size");
  CHECK(cart_init(c, img, 32768, CART_UNKNOWN) != 0, "cart_init refuses unsupported schemes");
  CHECK(cart_init(c, img, 4096, CART_F8) != 0, "cart_init refuses a too-small image for the scheme");
  CHECK(cart_init(c, img, 0, CART_4K) != 0, "cart_init refuses empty");
  CHECK(cart_init(c, NULL, 4096, CART_4K) != 0, "cart_init refuses null");
  CHECK_EQ(cart_init(c, img, 4096, CART_UNKNOWN), 0, "cart_init auto-detects");
  CHECK_EQ(c->cart.scheme, CART_4K, "auto-detected scheme stored");
  free(img);
}

/* ---------------------------------------------------------------------------------------- */
static void test_2k_4k(void) {
  uint8_t *img = tagged_image(4096);
  for (int i = 0; i < 4096; i++) img[i] = (uint8_t)i ^ (uint8_t)(i >> 8);
  fresh();
  cart_init(c, img, 2048, CART_2K);
  CHECK_EQ(pk(0xf123), img[0x123], "2K low");
  CHECK_EQ(pk(0xf923), img[0x123], "2K mirrored at $F800");
  CHECK_EQ(pk(0x1123), img[0x123], "2K at $1000");
  pw(0xf123, 0x00);
  CHECK_EQ(pk(0xf123), img[0x123], "ROM writes ignored");
  fresh();
  cart_init(c, img, 4096, CART_2K);     /* a 4K file whose halves are equal: first 2K used */
  CHECK_EQ(pk(0xf923), img[0x123], "2K from a 4K file uses the first 2K");
  fresh();
  cart_init(c, img, 4096, CART_4K);
  CHECK_EQ(pk(0xf923), img[0x923], "4K");
  CHECK_EQ(pk(0x3923), img[0x923], "4K mirrored in every A13-A15 combination");
  free(img);
}

static void test_f8_f6(void) {
  uint8_t *img = tagged_image(16384);
  fresh();
  cart_init(c, img, 8192, CART_F8);
  CHECK_EQ(c->cart.bank, 1, "F8 power-on bank 1");
  c->cart.bank = 0;
  cart_reset(c);
  CHECK_EQ(c->cart.bank, 1, "F8 reset bank 1 (upper 4K)");
  CHECK_EQ(pk(0xf000), 0x10, "F8 bank 1 visible");
  CHECK_EQ(pk(0xfff8), 0x03, "hotspot read returns the new bank's byte (bank 0)");
  CHECK_EQ(pk(0xf000), 0x00, "F8 bank 0 after $FFF8");
  CHECK_EQ(pk(0x1ff9), 0x13, "$1FF9 -> bank 1");
  CHECK_EQ(c->cart.bank, 1, "bank 1");
  pw(0xdff8, 0);                        /* any mirror, by write */
  CHECK_EQ(c->cart.bank, 0, "write to a mirror of $1FF8 switches");
  pk(0xfff7);
  CHECK_EQ(c->cart.bank, 0, "$FFF7 is not an F8 hotspot");

  fresh();
  cart_init(c, img, 16384, CART_F6);
  cart_reset(c);
  CHECK_EQ(c->cart.bank, 0, "F6 reset bank 0");
  for (int b = 0; b < 4; b++) {
    pk((uint16_t)(0xfff6 + b));
    CHECK_EQ(pk(0xf400), 0x01 | (b << 4), "F6 read hotspot selects bank");
  }
  pw(0x1ff7, 0);
  CHECK_EQ(c->cart.bank, 1, "F6 write hotspot");
  pk(0xfffa);
  CHECK_EQ(c->cart.bank, 1, "$FFFA is not a hotspot");
  free(img);
}

static void test_superchip(void) {
  uint8_t *img = tagged_image(16384);
  static const CartScheme sc[2] = {CART_F8SC, CART_F6SC};
  for (int k = 0; k < 2; k++) {
    fresh();
    Mt19937 ref;
    mt_seed(&c->rng, 1234);
    mt_seed(&ref, 1234);
    riot_power_on(c);
    for (int i = 0; i < 129; i++) mt_next(&ref);
    CHECK_EQ(cart_init(c, img, sc[k] == CART_F8SC ? 8192 : 16384, sc[k]), 0, "SC init");
    /* Vectors for cpu_reset: point at $F100. */
    console_system_reset(c);
    uint32_t d = mt_next(&ref);
    CHECK_EQ(c->riot.timer, 25 + d % 75, "RIOT draws before the cartridge");
    int ok = 1;
    for (int i = 0; i < 128; i++) if (c->cart.ram[i] != (uint8_t)mt_next(&ref)) ok = 0;
    CHECK(ok, "%s RAM refilled from the next 128 draws", cart_scheme_name(sc[k]));
    CHECK_EQ(c->cart.bank, sc[k] == CART_F8SC ? 1 : 0, "SC start bank");
    uint8_t r5 = c->cart.ram[5];
    CHECK_EQ(pk(0xf085), r5, "read port $F080+i");
    pw(0xf005, 0x77);
    CHECK_EQ(pk(0xf085), 0x77, "write port $F000+i");
    CHECK_EQ(pk(0x1085), 0x77, "RAM at $1080 mirror");
    CHECK_EQ(pk(0xf005), img[(c->cart.bank << 12) + 5], "reading the write port gives ROM (reference)");
    pw(0xf085, 0x99);
    CHECK_EQ(pk(0xf085), 0x77, "writing the read port does nothing");
    CHECK_EQ(pk(0xf100), (uint8_t)(c->cart.bank << 4), "ROM above $F100");
    pk(0xfff8);
    CHECK_EQ(c->cart.bank, sc[k] == CART_F8SC ? 0 : 2, "SC hotspot $FFF8");
    pw(0xfff9, 0);
    CHECK_EQ(c->cart.bank, sc[k] == CART_F8SC ? 1 : 3, "SC hotspot $FFF9 by write");
    if (sc[k] == CART_F6SC) { pk(0xfff6); CHECK_EQ(c->cart.bank, 0, "F6SC $FFF6"); }
    CHECK_EQ(pk(0xf085), 0x77, "RAM independent of the bank");
    /* Reset refills from further draws. */
    console_system_reset(c);
    d = mt_next(&ref);
    ok = 1;
    for (int i = 0; i < 128; i++) if (c->cart.ram[i] != (uint8_t)mt_next(&ref)) ok = 0;
    CHECK(ok, "second reset refills from later draws");
  }
  free(img);
}

static void test_e0(void) {
  uint8_t *img = malloc(8192);
  for (int i = 0; i < 8192; i++) img[i] = (uint8_t)((i >> 10) << 4 | (i & 0x0f));
  fresh();
  cart_init(c, img, 8192, CART_E0);
  cart_reset(c);
  CHECK_EQ(pk(0xf000) >> 4, 4, "segment 0 starts at slice 4");
  CHECK_EQ(pk(0xf400) >> 4, 5, "segment 1 starts at slice 5");
  CHECK_EQ(pk(0xf800) >> 4, 6, "segment 2 starts at slice 6");
  CHECK_EQ(pk(0xfc00) >> 4, 7, "segment 3 is slice 7");
  pk(0xffe2);
  CHECK_EQ(pk(0xf001) >> 4, 2, "$FFE2 -> segment 0 = slice 2");
  pw(0xffeb, 0);
  CHECK_EQ(pk(0xf401) >> 4, 3, "write $FFEB -> segment 1 = slice 3");
  pk(0x1ff7);
  CHECK_EQ(pk(0xf801) >> 4, 7, "$1FF7 -> segment 2 = slice 7");
  pk(0xfff8);
  CHECK_EQ(pk(0xfc01) >> 4, 7, "$FFF8 is not an E0 hotspot; segment 3 fixed");
  CHECK_EQ(pk(0xf001) >> 4, 2, "segment 0 unchanged");
  cart_reset(c);
  CHECK_EQ(pk(0xf001) >> 4, 4, "reset restores slices 4/5/6");
  free(img);
}

static void test_fe(void) {
  uint8_t *img = tagged_image(8192);
  fresh();
  cart_init(c, img, 8192, CART_FE);
  cart_reset(c);
  CHECK_EQ(pk(0xf000), 0x00, "A13=1 ($F000) -> first 4K");
  CHECK_EQ(pk(0xd000), 0x10, "A13=0 ($D000) -> second 4K");
  CHECK_EQ(pk(0x1000), 0x10, "A13=0 ($1000) -> second 4K");
  CHECK_EQ(pk(0x3000), 0x00, "A13=1 ($3000) -> first 4K");
  /* Through the CPU: code at $F000 does JSR $D000; the subroutine (second 4K) does RTS. */
  uint8_t *prog = malloc(8192);
  memset(prog, 0xea, 8192);
  prog[0x0ffc] = 0x00; prog[0x0ffd] = 0xf0;   /* first 4K: reset vector $F000 (A13=1) */
  prog[0x0000] = 0x20; prog[0x0001] = 0x00; prog[0x0002] = 0xd0;  /* JSR $D000 */
  prog[0x0003] = 0xa9; prog[0x0004] = 0x01;   /* LDA #1 */
  prog[0x1000] = 0xa9; prog[0x1001] = 0x42;   /* second 4K at $D000: LDA #$42 */
  prog[0x1002] = 0x85; prog[0x1003] = 0x80;   /* STA $80 */
  prog[0x1004] = 0x60;                         /* RTS */
  fresh();
  cart_init(c, prog, 8192, CART_FE);
  console_system_reset(c);
  CHECK_EQ(c->cpu.pc, 0xf000, "FE reset vector from the first 4K");
  cpu_run(c, 5);
  CHECK_EQ(c->riot.ram[0], 0x42, "code at $D000 ran from the second 4K");
  CHECK_EQ(c->cpu.a, 0x01, "returned to $F003 in the first 4K");
  free(prog);
  free(img);
}

static void test_dpc(void) {
  uint8_t *img = malloc(10240);
  for (int i = 0; i < 8192; i++) img[i] = (uint8_t)(((i >> 12) << 4) | 0x0a);
  for (int i = 0; i < 2048; i++) img[8192 + i] = (uint8_t)(i * 3);   /* display ROM */
  fresh();
  CHECK_EQ(cart_init(c, img, 10240, CART_DPC), 0, "DPC init");
  cart_reset(c);
  CHECK_EQ(c->cart.bank, 1, "DPC start bank 1");
  CHECK_EQ(pk(0xf100), 0x1a, "bank 1 program ROM");
  pk(0xfff8);
  CHECK_EQ(pk(0xf100), 0x0a, "bank 0 after $FFF8");
  pw(0xfff9, 0);
  CHECK_EQ(c->cart.bank, 1, "write $FFF9 -> bank 1");

  /* Random number generator: 8-bit shift register from 1, new bit = NOT(b7^b5^b4^b3).
   * 01 -> 03 -> 07 -> 0F -> 1E -> 3D -> 7A; each handler access clocks before the read. */
  fresh();
  cart_init(c, img, 10240, CART_DPC);
  static const uint8_t seq[] = {0x03, 0x07, 0x0f, 0x1e, 0x3d, 0x7a};
  for (int i = 0; i < 6; i++) CHECK_EQ(pk((uint16_t)(0x1000 + (i & 3))), seq[i], "DPC random sequence");
  pk(0xf100);                           /* program ROM page: no clock */
  pk(0xfbff);
  CHECK_EQ(c->cart.dpcRandom, 0x7a, "plain program ROM reads do not clock");
  pk(0xffc0);                           /* hotspot page: clocks */
  CHECK_EQ(c->cart.dpcRandom, 0xf4, "hotspot-page reads clock (7A -> F4)");
  pk(0x1070);                           /* $1040-$107F read: clocks, returns ROM */
  CHECK_EQ(c->cart.dpcRandom, 0xe8, "register-page reads clock (F4 -> E8)");
  pw(0x1500, 0);                        /* any write clocks */
  CHECK_EQ(c->cart.dpcRandom, 0xd0, "writes clock (E8 -> D0)");
  pw(0x1070, 0);                        /* reset the generator (function 6) */
  CHECK_EQ(c->cart.dpcRandom, 1, "$1070 resets the generator to 1");

  /* Display fetcher 2: counter $7FF -> display[0], then [1]... (counter counts down). */
  pw(0x1052, 0xff);                     /* counter low */
  pw(0x105a, 0x07);                     /* counter high */
  CHECK_EQ(pk(0x100a), img[8192 + 0], "DF2 data at counter $7FF");
  CHECK_EQ(pk(0x100a), img[8192 + 1], "DF2 counter decremented");
  CHECK_EQ(c->cart.dpcCounters[2], 0x7fd, "counter after two reads");
  /* Flags: top/bottom compare on the low byte, checked before the read. */
  pw(0x1043, 0x10);                     /* DF3 top */
  pw(0x104b, 0x08);                     /* DF3 bottom */
  pw(0x1053, 0x10);                     /* DF3 counter low = top */
  pw(0x105b, 0x00);
  CHECK_EQ(pk(0x103b), 0xff, "flag set when the counter reaches top");
  for (int i = 0; i < 7; i++) pk(0x103b);   /* counter 0F..09 */
  CHECK_EQ(pk(0x103b), 0x00, "flag cleared when the counter reaches bottom");
  CHECK_EQ(pk(0x1013), 0x00, "masked data read with flag clear");
  pw(0x1053, 0x10);
  CHECK_EQ(pk(0x1013), img[8192 + 2047 - 0x10], "masked data read with flag set");

  /* Music mode on fetcher 5: period top+1 = 10 oscillator clocks at 15750 Hz. */
  fresh();
  cart_init(c, img, 10240, CART_DPC);
  cart_reset(c);
  pw(0x1045, 9);                        /* top */
  pw(0x104d, 4);                        /* bottom */
  pw(0x105d, 0x10);                     /* high: music mode on */
  pw(0x1055, 0x00);                     /* low: loaded from top in music mode */
  CHECK_EQ(c->cart.dpcCounters[5] & 0xff, 9, "music-mode counter low loads from top");
  c->cycles = 1000;                     /* 13.2 clocks: low 9 - 13%10 = 6 > bottom -> flag on */
  CHECK_EQ(pk(0x1005), 0x04, "music amplitude with DF5 high");
  CHECK_EQ(c->cart.dpcCounters[5] & 0xff, 6, "music counter advanced by the oscillator");
  c->cycles = 1455;                     /* +6.2 clocks -> 0 <= bottom -> flag off */
  CHECK_EQ(pk(0x1005), 0x00, "music amplitude with DF5 low");
  CHECK_EQ(c->cart.dpcCounters[5] & 0xff, 0, "music counter");
  /* Frame rebasing keeps the elapsed-cycle accounting. */
  c->cycles = 1500;
  console_reset_cycles(c);
  c->cycles = 757;                      /* 800 cycles since the last update at old 1455 */
  pk(0x1005);                           /* 0.2+10.56 = 10.76 clocks -> 0 - 10%10 = 0 */
  CHECK_EQ(c->cart.dpcCounters[5] & 0xff, 0, "full period later: same phase");
  c->cycles = 757 + 76;                 /* ~1.0 more clock (+0.76 frac) -> 0 - 1 -> 9 */
  pk(0x1005);
  CHECK_EQ(c->cart.dpcCounters[5] & 0xff, 9, "counter wraps to top");
  /* Fetcher state survives a system reset (only bank and music clock are reset). */
  uint16_t cnt = c->cart.dpcCounters[5];
  console_system_reset(c);
  CHECK_EQ(c->cart.dpcCounters[5], cnt, "DPC registers kept across reset");
  CHECK_EQ(c->cart.bank, 1, "DPC bank 1 after reset");
  free(img);
}

/* The CPU's inline read fast path must agree with cart_peek, and cart_peek must have no side
 * effect there, for every scheme, bank state and address (including A13-A15 mirrors). */
static void test_fast_path(void) {
  static const struct { CartScheme s; uint32_t size; } schemes[] = {
    {CART_2K, 2048}, {CART_4K, 4096}, {CART_F8, 8192}, {CART_F6, 16384}, {CART_F8SC, 8192},
    {CART_F6SC, 16384}, {CART_E0, 8192}, {CART_FE, 8192}, {CART_DPC, 10240},
  };
  uint8_t *img = malloc(16384);
  for (int i = 0; i < 16384; i++) img[i] = (uint8_t)(i * 13 + (i >> 9));
  Console *copy = new_console();
  int mismatches = 0, sideEffects = 0, fastCount = 0;
  for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
    fresh();
    cart_init(c, img, schemes[k].size, schemes[k].s);
    cart_reset(c);
    /* Visit a few bank states via the hotspots. */
    static const uint16_t hot[] = {0, 0xfff8, 0xfff9, 0xfff6, 0xfff7, 0xffe1, 0xffea, 0xfff3, 0xffe7};
    for (size_t h = 0; h < sizeof hot / sizeof hot[0]; h++) {
      if (hot[h]) cart_peek(c, hot[h]);
      for (uint32_t a = 0x1000; a < 0x10000; a += (a < 0x2000 ? 1 : 0x1003)) {
        if (!(a & 0x1000)) continue;
        uint8_t fast;
        if (!cart_fast_read(&c->cart, (uint16_t)a, &fast)) continue;
        fastCount++;
        memcpy(copy, c, sizeof *c);
        uint8_t slow = cart_peek(copy, (uint16_t)a);
        if (slow != fast) mismatches++;
        if (memcmp(&copy->cart, &c->cart, sizeof c->cart) != 0) sideEffects++;
      }
    }
  }
  CHECK(fastCount > 100000, "fast path used (%d reads)", fastCount);
  CHECK_EQ(mismatches, 0, "fast path reads equal cart_peek");
  CHECK_EQ(sideEffects, 0, "no cart_peek side effect where the fast path applies");
  free(copy);
  free(img);
}

/* Garbage of every accepted size: must install and run without crashing or hanging. */
static void test_garbage(void) {
  static const uint32_t sizes[] = {2048, 4096, 8192, 10240, 10495, 10496, 16384};
  uint8_t *img = malloc(16384);
  uint32_t x = 12345;
  for (int round = 0; round < 20; round++) {
    for (uint32_t i = 0; i < 16384; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; img[i] = (uint8_t)x; }
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      fresh();
      mt_seed(&c->rng, (uint32_t)round);
      riot_power_on(c);
      CartScheme s = cart_detect(img, sizes[k]);
      if (s == CART_UNKNOWN) continue;   /* refused cleanly */
      if (cart_init(c, img, sizes[k], s) != 0) { CHECK(0, "garbage init failed for a detected scheme"); continue; }
      console_system_reset(c);
      for (int f = 0; f < 5; f++) cpu_run(c, 20000);
      g_pass++;
    }
  }
  free(img);
}

int main(void) {
  c = new_console();
  test_manifest_detection();
  test_detection_synthetic();
  test_2k_4k();
  test_f8_f6();
  test_superchip();
  test_e0();
  test_fe();
  test_dpc();
  test_fast_path();
  test_garbage();
  free(c);
  return test_finish("test_cart");
}
