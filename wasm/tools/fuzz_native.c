/* Native fuzz harness for the emulator core (plain loop, no libFuzzer needed). Meant to be built
 * with sanitizers, which see what the wasm build cannot (an out-of-bounds access inside linear
 * memory does not trap there, it silently corrupts a neighbour):
 *
 *   gcc -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Isrc \
 *       -o build/fuzz_native_asan tools/fuzz_native.c $(ls src/[a-z]*.c) -lm
 *
 * (`make -C wasm tools` also builds an unsanitized build/fuzz_native.)
 *
 * usage: fuzz_native [--count N] [--seed S] [--frames F] [--roms DIR]... [--save FILE] [--states]
 *
 * Each image (random images of every accepted size, odd sizes, code-like and adversarial
 * programs, mutations of the ROMs in --roms folders) is loaded, reset and run for F frames of
 * random legal actions with sticky actions 0.25; mid-run the state is cloned and restored, the
 * screens converted and preprocessed. Emulators live in calloc'd memory (not the static arena
 * of alloc.c) so the sanitizer knows their bounds. A frame using more than 2 s of CPU time (SIGPROF)
 * counts as a hang and aborts. The current image is written to --save (default
 * /tmp/fuzz_native_current.bin) before it runs, so a sanitizer abort leaves the culprit there.
 * --states additionally restores a clone whose body has random bytes changed (header intact),
 * sometimes in a field used as an index (TIA buffer index, cartridge segment bases, bank, draw
 * position, screen height): a robustness check of ale_restore_state on corrupted input. As of
 * this writing it finds out-of-bounds accesses (ale_restore_state validates only the header).
 * Last line: `fuzz_native: N roms, T traps, H hangs` (traps end the run via the sanitizer). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "ale.h"
#include "preprocess.h"

static uint64_t rs;
static uint32_t rnd(void) {  /* splitmix64 */
  uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static const uint32_t ACCEPTED[] = {2048, 4096, 8192, 10240, 10495, 10496, 16384};
static const uint32_t ODD[] = {1, 2, 255, 1024, 2047, 2049, 3000, 4095, 4097, 6144, 8191, 8193, 8448, 10239,
                               10241, 12288, 16383, 16385, 24576, 32768, 65536};
#define NACC (sizeof ACCEPTED / sizeof ACCEPTED[0])
#define NODD (sizeof ODD / sizeof ODD[0])
static const uint16_t HOT[] = {0x1ff4, 0x1ff5, 0x1ff6, 0x1ff7, 0x1ff8, 0x1ff9, 0x1ffa, 0x1ffb, 0x1fe0, 0x1fe7,
  0x1fe8, 0x1fef, 0x1ff0, 0x1000, 0x1010, 0x1040, 0x1050, 0x107f, 0x1080, 0x10ff, 0x1008, 0x1018, 0x1028,
  0x1038, 0x1058, 0x1070, 0x1005, 0x0000, 0x0001, 0x0002, 0x0003, 0x0009, 0x000d, 0x001b, 0x002a, 0x002b,
  0x002c, 0x0008, 0x000c, 0x0038, 0x003f, 0x0280, 0x0281, 0x0282, 0x0284, 0x0285, 0x0294, 0x0296, 0x0297,
  0x01fe, 0x01ff, 0x0180, 0x00ff, 0x0080, 0xffff, 0xfffc, 0x3ff8, 0x5ff9, 0x7ff6};
#define NHOT (sizeof HOT / sizeof HOT[0])

typedef struct Rom { char name[64]; uint8_t *bytes; uint32_t size; } Rom;
static Rom seeds[512];
static int nseeds;

static void load_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) { fprintf(stderr, "fuzz_native: cannot open %s (skipped)\n", dir); return; }
  struct dirent *e;
  while ((e = readdir(d)) && nseeds < 512) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 4, ".bin") != 0) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    uint8_t *buf = malloc(ALE_MAX_ROM + 1);
    size_t got = fread(buf, 1, ALE_MAX_ROM + 1, f);
    fclose(f);
    if (got == 0 || got > ALE_MAX_ROM) { free(buf); continue; }
    Rom *r = &seeds[nseeds++];
    snprintf(r->name, sizeof r->name, "%.*s", (int)(n - 4), e->d_name);
    r->bytes = buf;
    r->size = (uint32_t)got;
  }
  closedir(d);
}

static void set_vectors(uint8_t *b, uint32_t size, uint16_t reset, uint16_t brk) {
  uint32_t step = size >= 4096 ? 4096 : 2048;
  for (uint32_t base = 0; base + step <= size; base += step) {
    uint32_t v = base + step - 4;
    b[v] = reset & 0xff; b[v + 1] = reset >> 8; b[v + 2] = brk & 0xff; b[v + 3] = brk >> 8;
  }
}

static void every_bank(uint8_t *b, uint32_t size, const uint8_t *code, uint32_t n) {
  uint32_t step = size >= 4096 ? 4096 : size;
  for (uint32_t base = 0; base + step <= size; base += step)
    if (base + n <= size) memcpy(b + base, code, n);
}

/* Fills img (capacity ALE_MAX_ROM) with the next image; returns its size (0 allowed). */
static uint32_t generate(uint8_t *img, char *name, size_t cap, uint32_t index) {
  uint32_t r = rnd() % 100, size;
  if (nseeds > 0 && r < 40) {
    Rom *s = &seeds[rnd() % nseeds];
    size = s->size;
    memcpy(img, s->bytes, size);
    uint32_t how = rnd() % 5;
    if (how == 0) { uint32_t k = 1 + rnd() % 64; for (uint32_t i = 0; i < k; i++) img[rnd() % size] ^= (uint8_t)(1u << (rnd() % 8)); }
    else if (how == 1) { uint32_t at = rnd() % size, len = 1 + rnd() % 512; for (uint32_t i = at; i < size && i < at + len; i++) img[i] = (uint8_t)rnd(); }
    else if (how == 2) { uint32_t n = (rnd() & 1) ? ACCEPTED[rnd() % NACC] : ODD[rnd() % NODD]; for (uint32_t i = size; i < n; i++) img[i] = (uint8_t)rnd(); size = n; }
    else if (how == 3) set_vectors(img, size, (uint16_t)rnd(), (uint16_t)rnd());
    else { for (uint32_t i = 0; i < 8; i++) img[rnd() % size] = (uint8_t)rnd(); }
    snprintf(name, cap, "%u-mut-%s-%u", index, s->name, how);
    return size;
  }
  if (r < 55) {  /* adversarial programs at $F000 in every bank */
    static const uint8_t P0[] = {0x4c, 0x00, 0xf0};                                   /* jmp self */
    static const uint8_t P1[] = {0x85, 0x02, 0x4c, 0x00, 0xf0};                       /* endless WSYNC */
    static const uint8_t P2[] = {0x02};                                               /* JAM */
    static const uint8_t P3[] = {0xad, 0xf8, 0x1f, 0xad, 0xf9, 0x1f, 0xad, 0xf6, 0x1f, 0xad, 0xe0, 0x1f, 0xad, 0xe8,
                                 0x1f, 0x8d, 0xfa, 0x1f, 0x2c, 0xf7, 0x1f, 0x4c, 0x00, 0xf0};  /* bank storm */
    static const uint8_t P4[] = {0xa9, 0x02, 0x85, 0x00, 0xa9, 0x00, 0x85, 0x00, 0x4c, 0x00, 0xf0};  /* VSYNC spam */
    static const uint8_t P5[] = {0x85, 0x09, 0x85, 0x02, 0xe6, 0x80, 0xa5, 0x80, 0x85, 0x09, 0x4c, 0x00, 0xf0};
    static const uint8_t P6[] = {0x20, 0x00, 0xf0};                                   /* JSR recursion */
    static const uint8_t P7[] = {0x00, 0x00};                                         /* BRK loop */
    static const uint8_t P8[] = {0xf8, 0x69, 0x99, 0xe9, 0x01, 0xa9, 0xff, 0x8d, 0x96, 0x02, 0xad, 0x84, 0x02, 0xc9,
                                 0x00, 0xd0, 0xef};                                   /* decimal + timer */
    static const uint8_t P9[] = {0xad, 0x00, 0x10, 0xad, 0x08, 0x10, 0x8d, 0x50, 0x10, 0x8d, 0x58, 0x10, 0xad, 0x18,
                                 0x10, 0x8d, 0x70, 0x10, 0xad, 0x05, 0x10, 0xad, 0xf8, 0x1f, 0x4c, 0x00, 0xf0};  /* DPC */
    static const uint8_t PA[] = {0xa9, 0x02, 0x85, 0x00, 0x85, 0x02, 0x4c, 0x02, 0xf0};  /* VSYNC held */
    static const struct { const uint8_t *p; uint32_t n; const char *name; } progs[] = {
      {P0, sizeof P0, "jmp-self"}, {P1, sizeof P1, "wsync"}, {P2, sizeof P2, "jam"}, {P3, sizeof P3, "bank-storm"},
      {P4, sizeof P4, "vsync-spam"}, {P5, sizeof P5, "tia-no-vsync"}, {P6, sizeof P6, "jsr"}, {P7, sizeof P7, "brk"},
      {P8, sizeof P8, "decimal-timer"}, {P9, sizeof P9, "dpc-storm"}, {PA, sizeof PA, "vsync-held"}};
    uint32_t k = rnd() % 11;
    size = ACCEPTED[rnd() % NACC];
    for (uint32_t i = 0; i < size; i++) img[i] = (uint8_t)rnd();
    every_bank(img, size, progs[k].p, progs[k].n);
    set_vectors(img, size, 0xf000, 0xf000);
    snprintf(name, cap, "%u-adv-%s-%u", index, progs[k].name, size);
    return size;
  }
  if (r < 75) {  /* code-like */
    size = ACCEPTED[rnd() % NACC];
    for (uint32_t i = 0; i < size; i++) img[i] = (uint8_t)rnd();
    uint32_t limit = (size < 4096 ? size : 4096) - 6, i = 0;
    while (i < limit) {
      uint32_t c = rnd() % 100;
      if (c < 45) {
        static const uint8_t ops[] = {0xad, 0x8d, 0x2c, 0xee, 0xae, 0x8c, 0xbd, 0x9d, 0x6d, 0xed, 0x4c, 0x20, 0x0d};
        uint16_t a = HOT[rnd() % NHOT];
        img[i++] = ops[rnd() % sizeof ops]; img[i++] = a & 0xff; img[i++] = a >> 8;
      } else if (c < 60) { img[i++] = (uint8_t[]){0x85, 0x86, 0x84, 0x87}[rnd() % 4]; img[i++] = rnd() & 0x3f; }
      else if (c < 70) { img[i++] = (uint8_t)(0x10 + 0x20 * (rnd() % 8)); img[i++] = (uint8_t)rnd(); }
      else img[i++] = (uint8_t)rnd();
    }
    set_vectors(img, size, (uint16_t)(0xf000 + rnd() % 256), (uint16_t)(0xf000 + rnd() % 256));
    snprintf(name, cap, "%u-code-%u", index, size);
    return size;
  }
  if (r < 90) {
    size = ACCEPTED[rnd() % NACC];
    for (uint32_t i = 0; i < size; i++) img[i] = (uint8_t)rnd();
    if (rnd() & 1) set_vectors(img, size, (uint16_t)(0xf000 | (rnd() & 0xfff)), (uint16_t)rnd());
    snprintf(name, cap, "%u-rand-%u", index, size);
    return size;
  }
  size = ODD[rnd() % NODD];
  for (uint32_t i = 0; i < size; i++) img[i] = (uint8_t)rnd();
  snprintf(name, cap, "%u-odd-%u", index, size);
  return size;
}

static volatile const char *g_current = "";
static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "\nfuzz_native: HANG (a frame used more than 2 s of CPU): ";
  write(2, msg, sizeof msg - 1);
  write(2, (const char *)g_current, strlen((const char *)g_current));
  write(2, "\n", 1);
  _exit(3);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}
/* CPU time of this thread: per-frame cost without the other tenants of a shared machine. */
static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  long count = 1000, frames = 600;
  uint64_t seed = 1;
  const char *save = "/tmp/fuzz_native_current.bin";
  int states = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--count") && i + 1 < argc) count = atol(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames = atol(argv[++i]);
    else if (!strcmp(argv[i], "--roms") && i + 1 < argc) load_dir(argv[++i]);
    else if (!strcmp(argv[i], "--save") && i + 1 < argc) save = argv[++i];
    else if (!strcmp(argv[i], "--states")) states = 1;
    else {
      fprintf(stderr, "usage: fuzz_native [--count N] [--seed S] [--frames F] [--roms DIR]... [--save FILE] [--states]\n");
      return 2;
    }
  }
  rs = seed * 0x2545F4914F6CDD1Dull + 1;
  signal(SIGPROF, on_alarm);   /* CPU time, not wall: the machine is shared */
  static uint8_t img[ALE_MAX_ROM + 16];
  static char name[128];
  Preproc *pp = calloc(1, sizeof(Preproc));
  uint8_t *obs = malloc(84 * 84 * 4), *gray = malloc(TIA_WIDTH * TIA_MAX_HEIGHT * 3);
  uint8_t *state = malloc(ale_state_size()), *bad = malloc(ale_state_size());
  long ran = 0, refused = 0, restoredBad = 0;
  double t0 = now_s(), worst = 0;
  char worstName[128] = "";
  for (long n = 0; n < count; n++) {
    uint32_t size = generate(img, name, sizeof name, (uint32_t)n);
    g_current = name;
    FILE *f = fopen(save, "wb");
    if (f) { fwrite(img, 1, size, f); fclose(f); }
    /* the sanitizer sees exactly the bytes given: copy into a tight allocation */
    uint8_t *rom = malloc(size ? size : 1);
    memcpy(rom, img, size);
    Ale *a = calloc(1, sizeof(Ale));
    ale_init(a);
    a->settings.randomSeed = (int32_t)(n & 0x7fffffff);
    a->settings.frameSkip = 1;
    a->settings.repeatActionProbability = 0.25f;
    struct itimerval it = {{0, 0}, {2, 0}};
    setitimer(ITIMER_PROF, &it, NULL);   /* load = 60 + reset frames: generous */
    int rc = ale_load_rom(a, rom, size);
    if (rc < 0) {
      refused++;
    } else {
      ran++;
      int32_t acts[18];
      uint32_t na = ale_legal_actions(a, acts);
      pp_init(pp, TIA_WIDTH, a->height, 84, 84);
      ale_reset_game(a);
      for (long fr = 0; fr < frames; fr++) {
        setitimer(ITIMER_PROF, &it, NULL);
        double c0 = cpu_s();
        ale_act(a, na ? acts[rnd() % na] : 0, 1.0f);
        double dt = cpu_s() - c0;
        if (dt > worst) { worst = dt; snprintf(worstName, sizeof worstName, "%s", name); }
        if (ale_game_over(a)) ale_reset_game(a);
        if (fr == frames / 2) {
          ale_clone_state(a, state, ale_state_size(), true);
          ale_act(a, 1, 1.0f);
          ale_restore_state(a, state, ale_state_size());
          ale_screen_grayscale(a, gray);
          ale_screen_rgb(a, gray);
          pp_resize_indices(pp, ale_screen(a), tia_previous_screen(&a->rt.console), a->pal, obs);
          ale_set_mode(a, (int32_t)(rnd() % 300));
          ale_set_difficulty(a, (int32_t)(rnd() % 8));
          if (states) {
            memcpy(bad, state, ale_state_size());
            uint32_t hdr = ale_state_size() - (uint32_t)sizeof(AleRuntime);
            for (int k = 0; k < 8; k++) bad[hdr + rnd() % sizeof(AleRuntime)] = (uint8_t)rnd();
            /* and, half the time, one field that is used as an index or bound */
            AleRuntime *rt = (AleRuntime *)(bad + hdr);
            switch (rnd() % 12) {
              case 0: rt->console.tia.current = (uint8_t)rnd(); break;
              case 1: rt->console.cart.segBase[rnd() % 16] = rnd(); break;
              case 2: rt->console.cart.fastHi = (uint16_t)rnd(); break;
              case 3: rt->console.cart.bank = (uint16_t)rnd(); break;
              case 4: rt->console.tia.drawPos = (int32_t)rnd(); break;
              case 5: rt->console.tia.config.height = rnd(); break;
              default: break;
            }
            if (ale_restore_state(a, bad, ale_state_size()) == ALE_OK) {
              restoredBad++;
              for (int k = 0; k < 8; k++) ale_act(a, 0, 1.0f);
              ale_restore_state(a, state, ale_state_size());
            }
          }
        }
      }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, NULL);
    free(a);
    free(rom);
    if ((n + 1) % 100 == 0)
      fprintf(stderr, "  %ld/%ld after %.0f s\n", n + 1, count, now_s() - t0);
  }
  printf("fuzz_native: %ld images in %.1f s (%ld ran, %ld refused%s); slowest act() %.2f ms of CPU (%s)\n", count,
         now_s() - t0, ran, refused, states ? ", corrupted states restored" : "", worst * 1e3, worstName);
  if (states) printf("fuzz_native: %ld corrupted-body states accepted by ale_restore_state\n", restoredBad);
  printf("fuzz_native: %ld roms, 0 traps, 0 hangs\n", count);
  free(pp); free(obs); free(gray); free(state); free(bad);
  return 0;
}
