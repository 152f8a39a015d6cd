/* Native emulation benchmark (the reference point for tools/bench-emu.ts): single-threaded,
 * frame_skip 1, sticky actions off, uniformly random minimal-set actions (xorshift32, seed 1),
 * reset at game over. With --pp, every 4th frame also runs the observation pipeline
 * (grayscale of the last two frames, max-pool, 84x84 INTER_AREA into one observation).
 * Loading the ROM and the first reset are not timed.
 *
 * usage: bench_native [--frames N] [--pp] [--repeat R] ROM...
 * prints one line per ROM:
 *   `bench_native <rom> pp=<0|1> frames=<N> cpu_seconds=<s> fps=<f> wall_seconds=<s> wall_fps=<f>`
 * fps is frames per second of process CPU time (with --repeat, the best of R runs). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ale.h"
#include "preprocess.h"

/* CPU time of this process: the machine is shared, and wall time then mostly measures the
 * other tenants (the wall time is printed too). */
static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}
static double wall_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

int main(int argc, char **argv) {
  long frames = 100000;
  int pp = 0, repeat = 1, nroms = 0;
  const char *roms[256];
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames = atol(argv[++i]);
    else if (!strcmp(argv[i], "--pp")) pp = 1;
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (argv[i][0] == '-' || nroms == 256) {
      fprintf(stderr, "usage: bench_native [--frames N] [--pp] [--repeat R] ROM...\n");
      return 2;
    } else roms[nroms++] = argv[i];
  }
  if (nroms == 0 || frames <= 0) {
    fprintf(stderr, "usage: bench_native [--frames N] [--pp] [--repeat R] ROM...\n");
    return 2;
  }
  static uint8_t rom[ALE_MAX_ROM + 1];
  Ale *a = malloc(sizeof(Ale));
  Preproc *ctx = malloc(sizeof(Preproc));
  uint8_t *obs = malloc(84 * 84);
  if (!a || !ctx || !obs) return 1;
  int status = 0;
  for (int r = 0; r < nroms; r++) {
    FILE *f = fopen(roms[r], "rb");
    if (!f) { fprintf(stderr, "bench_native: cannot open %s\n", roms[r]); status = 1; continue; }
    size_t n = fread(rom, 1, sizeof rom, f);
    fclose(f);
    double best = 1e30, bestWall = 0;
    for (int rep = 0; rep < repeat; rep++) {
      ale_init(a);
      a->settings.randomSeed = 1;
      a->settings.repeatActionProbability = 0.0f;
      a->settings.frameSkip = 1;
      int rc = ale_load_rom(a, rom, (uint32_t)n);
      if (rc < 0) { fprintf(stderr, "bench_native: %s refused (%d)\n", roms[r], rc); status = 1; break; }
      if (pp_init(ctx, TIA_WIDTH, a->height, 84, 84) != PP_OK) { status = 1; break; }
      int32_t acts[18];
      uint32_t na = ale_minimal_actions(a, acts);
      uint32_t x = 1;
      double t0 = cpu_s(), w0 = wall_s();
      for (long i = 0; i < frames; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        ale_act(a, acts[x % na], 1.0f);
        if (pp && (i & 3) == 3) {
          pp_resize_indices(ctx, ale_screen(a), tia_previous_screen(&a->rt.console), a->pal, obs);
        }
        if (ale_game_over(a)) ale_reset_game(a);
      }
      double dt = cpu_s() - t0, dw = wall_s() - w0;
      if (dt < best) { best = dt; bestWall = dw; }
    }
    if (best < 1e30)
      printf("bench_native %s pp=%d frames=%ld cpu_seconds=%.3f fps=%.0f wall_seconds=%.3f wall_fps=%.0f\n",
             base_name(roms[r]), pp, frames, best, frames / best, bestWall, frames / bestWall);
    fflush(stdout);
  }
  free(a); free(ctx); free(obs);
  return status;
}
