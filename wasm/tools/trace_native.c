/* Native trace replayer: runs our emulator against the reference recordings in
 * shared/traces/<game>/ (and traces_sticky, traces_all) and reports, per game, how many frames match exactly and where the
 * first divergence is. This is the team's CPU/TIA debugging tool, so divergence output names
 * the frame, the RAM address, expected and actual values, and (with --verbose) the whole RAM
 * diff and the first differing screen row against screens/NNNNNN.bin.gz.
 *
 * usage: trace_native [--roms DIR] [--verbose|-vv] [--frames N] [--dump A:B] TRACE_DIR...
 *   --dump A:B prints expected and actual RAM (differing bytes marked) for frames A..B.
 * exit status 0 only when every trace is exact. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <zlib.h>
#include <dirent.h>
#include "ale.h"

typedef struct Opts { const char *roms; int verbose; long maxFrames; long dumpFrom, dumpTo; } Opts;

/* ---- tiny JSON-line field readers (the trace format is flat and fixed) ---- */
static const char *field(const char *line, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(line, pat);
  if (!p) return NULL;
  p += strlen(pat);
  while (*p == ' ') p++;
  return p;
}
static int has(const char *line, const char *key) { return field(line, key) != NULL; }
static long get_long(const char *line, const char *key, long dflt) {
  const char *p = field(line, key);
  return p ? strtol(p, NULL, 10) : dflt;
}
static double get_double(const char *line, const char *key, double dflt) {
  const char *p = field(line, key);
  return p ? strtod(p, NULL) : dflt;
}
static int get_bool(const char *line, const char *key) {
  const char *p = field(line, key);
  return p && strncmp(p, "true", 4) == 0;
}
static int get_str(const char *line, const char *key, char *out, size_t cap) {
  const char *p = field(line, key);
  if (!p || *p != '"') return 0;
  p++;
  size_t n = 0;
  while (*p && *p != '"' && n + 1 < cap) out[n++] = *p++;
  out[n] = 0;
  return 1;
}
static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }
static void parse_ram(const char *hex, uint8_t out[128]) {
  for (int i = 0; i < 128; i++) out[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(buf); return NULL; }
  buf[n] = 0;
  fclose(f);
  if (len) *len = (size_t)n;
  return buf;
}

/* Reads a gzip file fully; returns malloc'd bytes or NULL. */
static uint8_t *read_gz(const char *path, size_t *len) {
  gzFile g = gzopen(path, "rb");
  if (!g) return NULL;
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (n == cap) { cap *= 2; buf = realloc(buf, cap); }
    int r = gzread(g, buf + n, (unsigned)(cap - n));
    if (r <= 0) break;
    n += (size_t)r;
  }
  gzclose(g);
  *len = n;
  return buf;
}

static uint32_t fnv1a(const uint8_t *p, size_t n) {
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x01000193u; }
  return h;
}

static const char *base_name(const char *dir) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  static char name[256];
  size_t s = n;
  while (s > 0 && dir[s - 1] != '/') s--;
  size_t k = n - s < 255 ? n - s : 255;
  memcpy(name, dir + s, k);
  name[k] = 0;
  return name;
}

typedef struct Report {
  long frames, ramOk, scrOk, rewOk, livesOk, overOk, effOk, effTotal, resets, resetsOk;
  long firstRamFrame, firstScrFrame, firstRewFrame, firstLivesFrame, firstOverFrame, firstEffFrame;
  int firstRamAddr, firstRamExp, firstRamGot;
  long firstResetBad;
  char resetNote[160];
  char rewNote[96], livesNote[96], overNote[96];
  long screensChecked, screensOk;
  char screenNote[200];
} Report;

static void ram_diff_dump(const uint8_t *exp, const uint8_t *got) {
  printf("    RAM diff (addr: expected actual):");
  int k = 0;
  for (int i = 0; i < 128; i++)
    if (exp[i] != got[i]) printf("%s $%02X: %02x %02x", (k++ % 8) ? "," : "\n     ", 0x80 + i, exp[i], got[i]);
  printf("\n");
}

static void ram_dump(const char *label, const uint8_t *r) {
  printf("    %s:", label);
  for (int i = 0; i < 128; i++) printf("%s%02x", (i % 16) ? " " : (i ? "\n      " : "\n      "), r[i]);
  printf("\n");
}

/* Compares against screens/<name>.bin.gz when it exists; returns 1 match, 0 mismatch, -1 absent. */
static int check_screen_file(const char *dir, const char *name, Ale *a, char *note, size_t cap, int verbose) {
  char path[1024];
  snprintf(path, sizeof path, "%s/screens/%s.bin.gz", dir, name);
  size_t len;
  uint8_t *exp = read_gz(path, &len);
  if (!exp) return -1;
  const uint8_t *got = ale_screen(a);
  size_t n = (size_t)a->height * 160;
  int ok = 1;
  if (len != n) {
    snprintf(note, cap, "screen %s: size %zu expected, ours %zu", name, len, n);
    ok = 0;
  } else {
    for (size_t i = 0; i < n; i++) {
      if (exp[i] != got[i]) {
        size_t row = i / 160, col = i % 160;
        size_t diffs = 0;
        for (size_t j = row * 160; j < row * 160 + 160; j++) diffs += exp[j] != got[j];
        snprintf(note, cap, "screen %s: first differing row %zu (scanline %zu), col %zu: expected %02x got %02x (%zu px differ in row)",
                 name, row, row + a->ystart, col, exp[i], got[i], diffs);
        if (verbose) {
          printf("    %s\n    expected row %zu:", note, row);
          for (size_t j = 0; j < 160; j++) printf("%s%02x", (j % 32) ? "" : "\n      ", exp[row * 160 + j]);
          printf("\n    actual row %zu:", row);
          for (size_t j = 0; j < 160; j++) printf("%s%02x", (j % 32) ? "" : "\n      ", got[row * 160 + j]);
          printf("\n");
        }
        ok = 0;
        break;
      }
    }
  }
  free(exp);
  return ok;
}

static int run_trace(const char *dir, const Opts *o) {
  const char *game = base_name(dir);
  char path[1024], romFile[300] = "";
  snprintf(path, sizeof path, "%s/meta.json", dir);
  char *meta = read_file(path, NULL);
  if (!meta) { printf("%s: cannot read %s\n", game, path); return 0; }
  if (!get_str(strstr(meta, "\"rom\"") ? strstr(meta, "\"rom\"") : meta, "file", romFile, sizeof romFile))
    snprintf(romFile, sizeof romFile, "%s.bin", game);
  const char *settings = strstr(meta, "\"settings\"");
  double rap = settings ? get_double(settings, "repeat_action_probability", 0.0) : 0.0;
  long seed = settings ? get_long(settings, "random_seed", 0) : 0;
  long fskip = settings ? get_long(settings, "frame_skip", 1) : 1;
  free(meta);

  snprintf(path, sizeof path, "%s/%s", o->roms, romFile);
  size_t romLen;
  char *rom = read_file(path, &romLen);
  if (!rom) { printf("%s: cannot read ROM %s\n", game, path); return 0; }

  Ale *a = calloc(1, sizeof(Ale));
  ale_init(a);
  a->settings.randomSeed = (int32_t)seed;
  a->settings.repeatActionProbability = (float)rap;
  a->settings.frameSkip = (int32_t)fskip;
  int rc = ale_load_rom(a, (const uint8_t *)rom, (uint32_t)romLen);
  if (rc != ALE_OK) { printf("%s: load failed (%d)\n", game, rc); free(rom); free(a); return 0; }
  ale_reset_game(a); /* the recording did loadROM() then reset_game() once more */

  snprintf(path, sizeof path, "%s/trace.jsonl.gz", dir);
  gzFile g = gzopen(path, "rb");
  if (!g) { printf("%s: cannot read %s\n", game, path); free(rom); free(a); return 0; }

  Report R;
  memset(&R, 0, sizeof R);
  R.firstRamFrame = R.firstScrFrame = R.firstRewFrame = R.firstLivesFrame = R.firstOverFrame = R.firstEffFrame = R.firstResetBad = -1;
  static char line[8192];
  uint8_t exp[128];
  int lastAction = -1;
  while (gzgets(g, line, sizeof line)) {
    long f = get_long(line, "f", -1);
    char ev[16] = "";
    get_str(line, "ev", ev, sizeof ev);
    int isEvent = ev[0] != 0;
    if (!isEvent && o->maxFrames > 0 && f > o->maxFrames) break;
    int32_t reward = 0;
    if (!isEvent) {
      int action = (int)get_long(line, "a", 0);
      lastAction = action;
      reward = ale_act(a, action, 1.0f);
    } else if (strcmp(ev, "reset") == 0) {
      ale_reset_game(a);
    }
    char hex[300], scr[16];
    get_str(line, "ram", hex, sizeof hex);
    get_str(line, "scr", scr, sizeof scr);
    parse_ram(hex, exp);
    const uint8_t *got = ale_ram(a);
    uint32_t h = fnv1a(ale_screen(a), (size_t)a->height * 160);
    char hs[16];
    snprintf(hs, sizeof hs, "%08x", h);
    int ramOk = memcmp(exp, got, 128) == 0, scrOk = strcmp(hs, scr) == 0;
    long lives = get_long(line, "lives", 0);
    int over = get_bool(line, "over");
    int livesOk = lives == ale_lives(a), overOk = over == (int)ale_game_over(a);

    if (isEvent) {
      int fnOk = 1;
      if (has(line, "frame_number"))
        fnOk = get_long(line, "frame_number", 0) == a->rt.frameNumber &&
               get_long(line, "episode_frame_number", 0) == a->rt.episodeFrameNumber;
      int ok = ramOk && scrOk && livesOk && overOk && fnOk;
      if (strcmp(ev, "reset") == 0) { R.resets++; R.resetsOk += ok; }
      if (!ok && R.firstResetBad < 0) {
        R.firstResetBad = f;
        snprintf(R.resetNote, sizeof R.resetNote, "%s line after frame %ld: ram %s, screen %s, lives %s, over %s, frame numbers %s (ours %d/%d)",
                 ev, f, ramOk ? "ok" : "DIFF", scrOk ? "ok" : "DIFF", livesOk ? "ok" : "DIFF", overOk ? "ok" : "DIFF",
                 fnOk ? "ok" : "DIFF", a->rt.frameNumber, a->rt.episodeFrameNumber);
        if (o->verbose && !ramOk) { printf("  [%s] %s\n", game, R.resetNote); ram_diff_dump(exp, got); }
      }
      char name[64];
      if (strcmp(ev, "init") == 0) snprintf(name, sizeof name, "%06ld", f);
      else snprintf(name, sizeof name, "reset_after_%06ld", f);
      char tmp[200] = "";
      int s = check_screen_file(dir, name, a, R.screenNote[0] ? tmp : R.screenNote, 200, o->verbose && !R.screenNote[0]);
      if (s >= 0) { R.screensChecked++; R.screensOk += s; }
      continue;
    }

    if (f >= o->dumpFrom && f <= o->dumpTo) {
      printf("  [%s] frame %ld action %d reward exp %ld got %d\n    exp:", game, f, lastAction, get_long(line, "r", 0), reward);
      for (int i = 0; i < 128; i++) printf("%s%02x", (i % 32) ? " " : (i ? "\n         " : " "), exp[i]);
      printf("\n    got:");
      for (int i = 0; i < 128; i++) printf("%s%02x", (i % 32) ? (exp[i] != got[i] ? "*" : " ") : (i ? "\n        " : (exp[i] != got[i] ? "*" : " ")), got[i]);
      printf("\n");
    }
    R.frames++;
    R.ramOk += ramOk;
    R.scrOk += scrOk;
    long expR = get_long(line, "r", 0);
    R.rewOk += expR == reward;
    R.livesOk += livesOk;
    R.overOk += overOk;
    if (has(line, "eff")) {
      R.effTotal++;
      long eff = get_long(line, "eff", 0);
      if (eff == a->rt.actionA) R.effOk++;
      else if (R.firstEffFrame < 0) R.firstEffFrame = f;
    }
    if (!ramOk && R.firstRamFrame < 0) {
      R.firstRamFrame = f;
      for (int i = 0; i < 128; i++)
        if (exp[i] != got[i]) { R.firstRamAddr = 0x80 + i; R.firstRamExp = exp[i]; R.firstRamGot = got[i]; break; }
      if (o->verbose) {
        printf("  [%s] first RAM divergence at frame %ld (action %d, frame_number %d, episode frame %d)\n", game, f,
               lastAction, a->rt.frameNumber, a->rt.episodeFrameNumber);
        ram_diff_dump(exp, got);
        if (o->verbose > 1) { ram_dump("expected", exp); ram_dump("actual", got); }
      }
    }
    if (!scrOk && R.firstScrFrame < 0) {
      R.firstScrFrame = f;
      if (o->verbose) printf("  [%s] first screen-hash divergence at frame %ld (expected %s, ours %s)\n", game, f, scr, hs);
    }
    if (expR != reward && R.firstRewFrame < 0) {
      R.firstRewFrame = f;
      snprintf(R.rewNote, sizeof R.rewNote, "frame %ld: expected %ld got %d", f, expR, reward);
    }
    if (!livesOk && R.firstLivesFrame < 0) {
      R.firstLivesFrame = f;
      snprintf(R.livesNote, sizeof R.livesNote, "frame %ld: expected %ld got %d", f, lives, ale_lives(a));
    }
    if (!overOk && R.firstOverFrame < 0) {
      R.firstOverFrame = f;
      snprintf(R.overNote, sizeof R.overNote, "frame %ld: expected %s got %s", f, over ? "true" : "false",
               ale_game_over(a) ? "true" : "false");
    }
    if (f % 500 == 0) {
      char name[32];
      snprintf(name, sizeof name, "%06ld", f);
      char tmp[200] = "";
      int s = check_screen_file(dir, name, a, R.screenNote[0] ? tmp : R.screenNote, 200, o->verbose && !R.screenNote[0]);
      if (s >= 0) { R.screensChecked++; R.screensOk += s; }
    }
  }
  gzclose(g);

  int exact = R.frames > 0 && R.ramOk == R.frames && R.scrOk == R.frames && R.rewOk == R.frames &&
              R.livesOk == R.frames && R.overOk == R.frames && R.effOk == R.effTotal && R.firstResetBad < 0 &&
              R.screensOk == R.screensChecked;
  printf("%s: %s ram %ld/%ld, screen %ld/%ld, reward %ld/%ld, lives %ld/%ld, over %ld/%ld, resets %ld/%ld",
         game, exact ? "EXACT" : "DIVERGED", R.ramOk, R.frames, R.scrOk, R.frames, R.rewOk, R.frames, R.livesOk, R.frames,
         R.overOk, R.frames, R.resetsOk, R.resets);
  if (R.effTotal) printf(", sticky eff %ld/%ld", R.effOk, R.effTotal);
  printf(", stored screens %ld/%ld", R.screensOk, R.screensChecked);
  if (R.firstRamFrame >= 0)
    printf("; first RAM diff frame %ld at $%02X (expected %02x, got %02x)", R.firstRamFrame, R.firstRamAddr, R.firstRamExp, R.firstRamGot);
  if (R.firstScrFrame >= 0) printf("; first screen diff frame %ld", R.firstScrFrame);
  printf("\n");
  if (!exact) {
    if (R.firstResetBad >= 0) printf("  reset: %s\n", R.resetNote);
    if (R.rewNote[0]) printf("  reward: first diff %s\n", R.rewNote);
    if (R.livesNote[0]) printf("  lives: first diff %s\n", R.livesNote);
    if (R.overNote[0]) printf("  over: first diff %s\n", R.overNote);
    if (R.firstEffFrame >= 0) printf("  sticky: first eff diff frame %ld\n", R.firstEffFrame);
    if (R.screenNote[0]) printf("  %s\n", R.screenNote);
  }
  fflush(stdout);
  free(rom);
  free(a);
  return exact;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  Opts o = { "../shared/roms", 0, 0, -1, -2 };
  int nDirs = 0, exact = 0;
  const char *dirs[512];
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--roms") && i + 1 < argc) o.roms = argv[++i];
    else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) o.verbose = 1;
    else if (!strcmp(argv[i], "-vv")) o.verbose = 2;
    else if (!strcmp(argv[i], "--frames") && i + 1 < argc) o.maxFrames = atol(argv[++i]);
    else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
      const char *v = argv[++i];
      o.dumpFrom = atol(v);
      const char *colon = strchr(v, ':');
      o.dumpTo = colon ? atol(colon + 1) : o.dumpFrom;
    }
    else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: %s [--roms DIR] [--verbose|-vv] [--frames N] [--dump A:B] TRACE_DIR...\n", argv[0]);
      return 2;
    } else {
      /* A folder of trace folders (e.g. shared/traces) expands to its games; other files
       * (README.md) are ignored. */
      char p[1024];
      snprintf(p, sizeof p, "%s/trace.jsonl.gz", argv[i]);
      FILE *f = fopen(p, "rb");
      if (f) { fclose(f); if (nDirs < 512) dirs[nDirs++] = argv[i]; continue; }
      DIR *d = opendir(argv[i]);
      if (!d) { size_t n = strlen(argv[i]); if (n < 3 || strcmp(argv[i] + n - 3, ".md")) dirs[nDirs++] = argv[i]; continue; }
      char *names[512]; int k = 0;
      struct dirent *e;
      while ((e = readdir(d)) && k < 512) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s/trace.jsonl.gz", argv[i], e->d_name);
        FILE *g = fopen(p, "rb");
        if (!g) continue;
        fclose(g);
        size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
        names[k] = malloc(len);
        snprintf(names[k], len, "%s/%s", argv[i], e->d_name);
        k++;
      }
      closedir(d);
      qsort(names, (size_t)k, sizeof names[0], cmp_str);
      for (int j = 0; j < k && nDirs < 512; j++) dirs[nDirs++] = names[j];
    }
  }
  if (!nDirs) { fprintf(stderr, "no trace directories given\n"); return 2; }
  for (int i = 0; i < nDirs; i++) exact += run_trace(dirs[i], &o);
  printf("traces: %d exact, %d diverged\n", exact, nDirs - exact);
  return exact == nDirs ? 0 : 1;
}
