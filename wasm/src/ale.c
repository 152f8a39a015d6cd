/* ALE layer: see ale.h. Section numbers refer to ALE_FACTS.md. */
#include "ale.h"
#include "palette.h"
#include "util.h"

/* ---- action decoding (section 1) ---------------------------------------------------------- */
enum { IN_UP = 1, IN_DOWN = 2, IN_LEFT = 4, IN_RIGHT = 8, IN_FIRE = 16 };
static const uint8_t ACTION_INPUTS[ALE_NUM_ACTIONS] = {
  0, IN_FIRE, IN_UP, IN_RIGHT, IN_LEFT, IN_DOWN,
  IN_UP | IN_RIGHT, IN_UP | IN_LEFT, IN_DOWN | IN_RIGHT, IN_DOWN | IN_LEFT,
  IN_UP | IN_FIRE, IN_RIGHT | IN_FIRE, IN_LEFT | IN_FIRE, IN_DOWN | IN_FIRE,
  IN_UP | IN_RIGHT | IN_FIRE, IN_UP | IN_LEFT | IN_FIRE, IN_DOWN | IN_RIGHT | IN_FIRE,
  IN_DOWN | IN_LEFT | IN_FIRE,
};

static uint8_t action_inputs(int32_t action) {
  return (action >= 0 && action < ALE_NUM_ACTIONS) ? ACTION_INPUTS[action] : 0;
}

void ale_settings_default(AleSettings *s) {
  s->randomSeed = -1;
  s->repeatActionProbability = 0.25f;
  s->frameSkip = 1;
  s->maxNumFramesPerEpisode = 0;
  s->truncateOnLossOfLife = 0;
  s->colorAveraging = 0;
  s->rewardMin = (int32_t)0x80000000u;
  s->rewardMax = 0x7FFFFFFF;
  s->paddleMin = -1;
  s->paddleMax = -1;
  s->systemRandomSeed = 4753849u;
}

void ale_init(Ale *a) {
  mem_set(a, 0, sizeof *a);
  ale_settings_default(&a->settings);
  a->active = a->settings;
}

double ale_rng_unit(Mt19937 *m) { return (double)mt_next(m) / 4294967296.0; }

/* ---- inputs (sections 8, 9) --------------------------------------------------------------- */

/* Console switches: bits 2, 4, 5 read 1, colour (bit 3) on, RESET/SELECT released (1). */
static uint8_t switches(int32_t difficulty, uint8_t reset, uint8_t select) {
  uint8_t v = 0x3F;
  if (difficulty & 1) v |= 0x40;
  if (difficulty & 2) v |= 0x80;
  if (reset) v &= (uint8_t)~0x01;
  if (select) v &= (uint8_t)~0x02;
  return v;
}

static int32_t clamp_paddle(const Ale *a, int32_t p) {
  if (p < a->paddleMin) p = a->paddleMin;
  if (p > a->paddleMax) p = a->paddleMax;
  return p;
}

/* Resistance change of one paddle for an action: right turns lower it, left turns raise it;
 * computed in float like the reference (23000 * |strength|, truncated toward zero). */
static int32_t paddle_delta(int32_t action, float strength) {
  uint8_t in = action_inputs(action);
  float mag = (float)ALE_PADDLE_DELTA * __builtin_fabsf(strength);
  if (in & IN_RIGHT) return (int32_t)(-mag);
  if (in & IN_LEFT) return (int32_t)mag;
  return 0;
}

/* Wire the paddle positions and buttons into the left port (the only one ALE drives). */
static void wire_paddles(Ale *a, uint8_t fireA, uint8_t fireB) {
  Console *c = &a->rt.console;
  int32_t p0 = a->rt.paddleA, p1 = a->rt.paddleB;
  uint8_t b0 = fireA, b1 = fireB;
  if (a->swapPaddles) { int32_t t = p0; p0 = p1; p1 = t; uint8_t u = b0; b0 = b1; b1 = u; }
  if (a->leftCtrl == GAME_CTRL_PADDLES) {
    c->resistance[0] = p0;
    c->resistance[1] = p1;
    if (b0) c->swcha &= (uint8_t)~0x80;
    if (b1) c->swcha &= (uint8_t)~0x40;
  }
  /* A paddle pair on the right port gets no events from ALE: resistance 0, no buttons. */
  if (a->rightCtrl == GAME_CTRL_PADDLES) { c->resistance[2] = 0; c->resistance[3] = 0; }
}

void ale_apply_inputs(Ale *a, int32_t actionA, int32_t actionB, float strengthA, float strengthB,
                      uint8_t select) {
  Console *c = &a->rt.console;
  uint8_t reset = (actionA == ALE_ACTION_RESET) || (actionB == ALE_ACTION_RESET);
  uint8_t inA = action_inputs(actionA), inB = action_inputs(actionB);
  c->swchb = switches(a->rt.difficulty, reset, select);
  c->swcha = 0xFF;
  c->inpt4 = 0x80;
  c->inpt5 = 0x80;
  if (a->usePaddles) {
    /* Section 9: positions move every frame, FIRE variants press the paddle button. */
    if (!select) { /* a SELECT press leaves the paddle positions alone */
      a->rt.paddleA = clamp_paddle(a, a->rt.paddleA + paddle_delta(actionA, strengthA));
      a->rt.paddleB = clamp_paddle(a, a->rt.paddleB + paddle_delta(actionB, strengthB));
    }
    wire_paddles(a, (inA & IN_FIRE) != 0, (inB & IN_FIRE) != 0);
    /* A joystick on the other port sees no presses (ALE sends no joystick events here). */
    return;
  }
  if (a->swapPorts) { uint8_t t = inA; inA = inB; inB = t; } /* A plays on the right port */
  if (a->leftCtrl != GAME_CTRL_PADDLES) {
    if (inA & IN_UP) c->swcha &= (uint8_t)~0x10;
    if (inA & IN_DOWN) c->swcha &= (uint8_t)~0x20;
    if (inA & IN_LEFT) c->swcha &= (uint8_t)~0x40;
    if (inA & IN_RIGHT) c->swcha &= (uint8_t)~0x80;
    if (inA & IN_FIRE) c->inpt4 = 0x00;
  }
  if (a->rightCtrl != GAME_CTRL_PADDLES) {
    if (inB & IN_UP) c->swcha &= (uint8_t)~0x01;
    if (inB & IN_DOWN) c->swcha &= (uint8_t)~0x02;
    if (inB & IN_LEFT) c->swcha &= (uint8_t)~0x04;
    if (inB & IN_RIGHT) c->swcha &= (uint8_t)~0x08;
    if (inB & IN_FIRE) c->inpt5 = 0x00;
  }
}

/* Input state before the environment drives anything (power-on detection): switches from the
 * ROM properties, no presses, paddle resistances still 0, joystick analog pins unconnected. */
static void power_on_inputs(Ale *a) {
  Console *c = &a->rt.console;
  const GameProps *g = a->game;
  uint8_t diff = 0;
  if (g && g->propLeftDiffA) diff |= 1;
  if (g && g->propRightDiffA) diff |= 2;
  c->swchb = switches(diff, 0, 0);
  c->swcha = 0xFF;
  c->inpt4 = 0x80;
  c->inpt5 = 0x80;
  c->resistance[0] = c->resistance[1] = (a->leftCtrl == GAME_CTRL_PADDLES) ? 0 : PADDLE_NONE;
  c->resistance[2] = c->resistance[3] = (a->rightCtrl == GAME_CTRL_PADDLES) ? 0 : PADDLE_NONE;
}

/* ---- emulation blocks ------------------------------------------------------------------- */

static uint8_t read_ram_bus(void *ctx, uint32_t addr) {
  return bus_peek((Console *)ctx, (uint16_t)addr);
}

static void wrapper_step(Ale *a) {
  game_step(a->wrapper, &a->rt.game, read_ram_bus, &a->rt.console);
}

/* The reference refreshes its RAM copy (through the bus) after every emulated block. */
static void refresh_ram(Ale *a) {
  for (uint32_t i = 0; i < 128; i++) a->rt.ram[i] = read_ram_bus(&a->rt.console, 0x80 + i);
}

/* `frames` frames with fixed actions; the wrapper's per-frame update runs after each. */
static void emulate(Ale *a, int32_t actionA, int32_t actionB, float sA, float sB, uint32_t frames) {
  if (!a->usePaddles) ale_apply_inputs(a, actionA, actionB, sA, sB, 0);
  for (uint32_t t = 0; t < frames; t++) {
    if (a->usePaddles) ale_apply_inputs(a, actionA, actionB, sA, sB, 0);
    tia_update_frame(&a->rt.console);
    wrapper_step(a);
  }
  refresh_ram(a);
}

/* Console RESET held for 4 frames; then the remembered actions are NOOP. */
static void soft_reset(Ale *a) {
  emulate(a, ALE_ACTION_RESET, ALE_ACTION_NOOP, 1.0f, 1.0f, 4);
  a->rt.actionA = ALE_ACTION_NOOP;
  a->rt.actionB = ALE_ACTION_NOOP;
}

/* One SELECT press: SELECT held for `hold` frames without the wrapper update, then one NOOP
 * frame with it; counts as one frame for both counters. */
static void press_select(Ale *a, uint32_t hold) {
  ale_apply_inputs(a, -1, -1, 0.0f, 0.0f, 1);
  for (uint32_t t = 0; t < hold; t++) tia_update_frame(&a->rt.console);
  refresh_ram(a);
  emulate(a, ALE_ACTION_NOOP, ALE_ACTION_NOOP, 1.0f, 1.0f, 1);
  a->rt.frameNumber++;
  a->rt.episodeFrameNumber++;
}

/* Wrapper mode selection (section 5 step 6). A safety cap keeps a ROM that never reaches the
 * requested mode from hanging the caller. */
#define MODE_PRESS_CAP 4096

/* The wrappers' own act() calls behave exactly like the environment's (section 7). */
static void wrapper_act(Ale *a, int32_t action) { ale_act(a, action, 1.0f); }

static int byte_mode_reached(Ale *a, const GameProps *g) {
  Console *c = &a->rt.console;
  int32_t mode = game_mode_value(a->wrapper, a->rt.mode);
  if (g->modeBcd) return game_dec1(read_ram_bus(c, g->modeAddr)) == mode;
  uint8_t target = (uint8_t)(mode * g->modeMul + g->modeAdd);
  uint8_t v = read_ram_bus(c, g->modeAddr);
  if (v != target && !(g->modeAltAdd && v == (uint8_t)(target + g->modeAltAdd))) return 0;
  if (g->modeAddr2 && read_ram_bus(c, g->modeAddr2) != g->modeVal2) return 0;
  return 1;
}

/* Double Dunk: the options menu is walked with joystick moves (each followed by a NOOP). */
static void dd_go_down(Ale *a) {
  Console *c = &a->rt.console;
  uint8_t prev = read_ram_bus(c, 0xB0);
  for (int n = 0; n < MODE_PRESS_CAP && read_ram_bus(c, 0xB0) == prev; n++) {
    wrapper_act(a, 5 /* DOWN */);
    wrapper_act(a, ALE_ACTION_NOOP);
  }
}
static void dd_option(Ale *a, uint8_t bit, int on) {
  Console *c = &a->rt.console;
  for (int n = 0; n < MODE_PRESS_CAP && ((read_ram_bus(c, 0x80) & bit) == bit) != on; n++) {
    wrapper_act(a, on ? 3 /* RIGHT */ : 4 /* LEFT */);
    wrapper_act(a, ALE_ACTION_NOOP);
  }
}

static void apply_mode(Ale *a) {
  const GameProps *g = a->game;
  if (!g) return;
  Console *c = &a->rt.console;
  uint32_t presses = 0;
  switch (g->modeKind) {
    case GAME_MODE_BYTE: {
      if (g->modePreReset) soft_reset(a);
      for (uint32_t i = 0; i < g->modePreNoops; i++) wrapper_act(a, ALE_ACTION_NOOP);
      if (g->modePreSelect) press_select(a, g->modePreSelect);
      while (!byte_mode_reached(a, g) && presses++ < MODE_PRESS_CAP) press_select(a, g->selectHold);
      game_after_mode(a->wrapper, &a->rt.game, read_ram_bus, c, a->rt.mode);
      soft_reset(a);
      break;
    }
    case GAME_MODE_MS_PACMAN: {
      /* Mode 0 is the standard game: mode byte 1 with variation 1; other modes m: (m, 0). */
      uint8_t wantMode = a->rt.mode == 0 ? 1 : (uint8_t)a->rt.mode;
      uint8_t wantVar = a->rt.mode == 0 ? 1 : 0;
      for (;;) {
        uint8_t m = read_ram_bus(c, 0x99);
        uint8_t v = read_ram_bus(c, 0xA1);
        if ((m == wantMode && v == wantVar) || presses++ >= MODE_PRESS_CAP) break;
        press_select(a, g->selectHold);
      }
      soft_reset(a);
      break;
    }
    case GAME_MODE_ADVENTURE: {
      /* Level 3 seeds its object placement from a frame counter, so the wrapper holds SELECT
       * for a random time (from the environment RNG); a NOOP act() lets the debouncer settle. */
      while (((read_ram_bus(c, 0xDD) >> 1) & 3) != (uint8_t)a->rt.mode && presses++ < MODE_PRESS_CAP) {
        press_select(a, 2 + mt_next(&a->rt.envRng) % 256);
        wrapper_act(a, ALE_ACTION_NOOP);
      }
      soft_reset(a);
      break;
    }
    case GAME_MODE_DOUBLE_DUNK: {
      /* Modes are 4 menu options (bits of the mode): 3 points, 10 s, 3 s, fouls. */
      static const uint8_t bits[4] = {0x08, 0x10, 0x04, 0x20};
      press_select(a, 1);
      dd_go_down(a);
      dd_go_down(a);
      for (int i = 0; i < 4; i++) {
        if (i > 0) dd_go_down(a);
        dd_option(a, bits[i], (a->rt.mode >> i) & 1);
      }
      soft_reset(a);
      wrapper_act(a, 10 /* UPFIRE */);
      wrapper_act(a, ALE_ACTION_NOOP);
      break;
    }
    case GAME_MODE_VIDEO_CUBE: {
      /* mode = cube * 100 + variation; variations 0/1/2 are the game's 1/3/9 (stored - 1,
       * low 5 bits of $FB). The cube number ($9F, decimal) is stepped with RIGHT. */
      static const uint8_t variation[3] = {1, 3, 9};
      int32_t v = a->rt.mode % 100;
      if (a->rt.mode >= 100) a->rt.game.aux[2] = a->rt.mode / 100;
      if (v > 2) v = 0;
      while ((read_ram_bus(c, 0xFB) & 0x1F) != variation[v] - 1 && presses++ < MODE_PRESS_CAP)
        press_select(a, 2);
      soft_reset(a);
      for (uint32_t n = 0; n < MODE_PRESS_CAP && (uint8_t)game_dec1(read_ram_bus(c, 0x9F)) != a->rt.game.aux[2]; n++)
        wrapper_act(a, 3 /* RIGHT */);
      break;
    }
    case GAME_MODE_UNKNOWN:
      /* Selection logic not written yet for this game: behave like a wrapper whose default
       * mode is already selected (no press, soft reset). */
      soft_reset(a);
      break;
    default:
      break;
  }
}

void ale_reset_game(Ale *a) {
  if (!a->loaded) return;
  a->rt.episodeFrameNumber = 0;
  if (a->usePaddles) {
    int32_t mid = (a->paddleMin + a->paddleMax) / 2;
    a->rt.paddleA = mid;
    a->rt.paddleB = mid;
  }
  console_system_reset(&a->rt.console);
  emulate(a, ALE_ACTION_NOOP, ALE_ACTION_NOOP, 1.0f, 1.0f, 60);
  soft_reset(a);
  game_state_reset(a->wrapper, &a->rt.game);
  if (a->game && a->game->livesAfterReset >= 0) a->rt.game.livesBase = a->game->livesAfterReset ? 1 : 0;
  apply_mode(a);
  soft_reset(a);
  if (a->game) {
    for (uint32_t i = 0; i < a->game->startRleLen; i++) {
      int32_t action = a->game->startRle[2 * i];
      uint32_t n = a->game->startRle[2 * i + 1];
      for (uint32_t k = 0; k < n; k++) emulate(a, action, ALE_ACTION_NOOP, 1.0f, 1.0f, 1);
    }
  }
}

/* ---- load (section 3) ----------------------------------------------------------------- */

int ale_load_rom(Ale *a, const uint8_t *rom, uint32_t size) {
  a->loaded = 0;
  if (!rom || size == 0) return ALE_ERR_EMPTY;
  if (size > ALE_MAX_ROM) return ALE_ERR_TOO_LARGE;
  CartScheme scheme = cart_detect(rom, size);
  if (scheme == CART_UNKNOWN) return ALE_ERR_UNSUPPORTED;

  if (rom != a->rom) mem_copy(a->rom, rom, size); /* ale_reload passes the stored copy */
  a->romSize = size;
  a->scheme = scheme;
  md5_hex(a->rom, size, a->md5);
  a->game = game_find_md5(a->md5);
  const GameProps *g = a->game;
  a->wrapper = g ? g->wrapper : GAME_WRAPPER_NONE;
  a->active = a->settings;
  if (a->active.frameSkip < 1) a->active.frameSkip = 1;
  mem_set(a->blendKnown, 0, sizeof a->blendKnown); /* the palette may change with the ROM */

  a->leftCtrl = g ? g->leftCtrl : GAME_CTRL_JOYSTICK;
  a->rightCtrl = g ? g->rightCtrl : GAME_CTRL_JOYSTICK;
  a->swapPaddles = g ? g->swapPaddles : 0;
  a->swapPorts = g ? g->swapPorts : 0;
  a->usePaddles = a->leftCtrl == GAME_CTRL_PADDLES || a->rightCtrl == GAME_CTRL_PADDLES;
  a->legalMask = g ? g->legalMask : 0x3FFFFu;
  a->minimalMask = g ? g->minimalMask : 0x3FFFFu;
  a->ystart = g ? g->ystart : 34;
  uint32_t propHeight = g ? g->height : 210;
  uint8_t palProperty = g ? g->palProperty : 0;

  /* Paddle range; a wrapper may override paddle_max before the environment is built. */
  int32_t pmin = a->active.paddleMin, pmax = a->active.paddleMax;
  if (g && g->paddleMaxOverride >= 0) { pmax = g->paddleMaxOverride; a->settings.paddleMax = pmax; }
  a->paddleMin = pmin != -1 ? pmin : ALE_PADDLE_MIN_DEFAULT;
  a->paddleMax = pmax != -1 ? pmax : ALE_PADDLE_MAX_DEFAULT;

  /* Console construction: system RNG, RIOT (RAM + timer draws), TIA, cartridge. */
  mem_set(&a->rt, 0, sizeof a->rt);
  Console *c = &a->rt.console;
  mt_seed(&c->rng, a->active.systemRandomSeed);
  c->tia.config.ystart = a->ystart;
  c->tia.config.height = propHeight;
  c->tia.config.maxScanlines = palProperty ? 342 : 290;
  c->tia.config.hmoveBlanks = g ? g->hmoveBlanks : 1;
  c->tia.config.pal = palProperty;
  riot_power_on(c);
  if (cart_init(c, a->rom, size, scheme) != 0) return ALE_ERR_CART_INIT;
  power_on_inputs(a);

  /* NTSC/PAL auto-detection: 60 frames, PAL if >= 15 of frames 30..59 exceed 285 lines. */
  uint8_t pal = palProperty;
  if (!palProperty) {
    console_system_reset(c);
    uint32_t palCount = 0;
    for (uint32_t i = 0; i < 60; i++) {
      tia_update_frame(c);
      if (i >= 30 && c->tia.scanlinesLastFrame > 285) palCount++;
    }
    pal = palCount >= 15;
  }
  a->pal = pal;
  a->height = (pal && propHeight == 210) ? 250 : propHeight;
  if (a->height > TIA_MAX_HEIGHT) a->height = TIA_MAX_HEIGHT;
  c->tia.config.height = a->height;
  c->tia.config.maxScanlines = pal ? 342 : 290;
  c->tia.config.pal = pal;
  console_system_reset(c);

  /* Environment construction. */
  if (a->usePaddles) {
    int32_t mid = (a->paddleMin + a->paddleMax) / 2;
    a->rt.paddleA = mid;
    a->rt.paddleB = mid;
  }
  mt_seed(&a->rt.envRng, (uint32_t)(a->active.randomSeed == -1 ? 0 : a->active.randomSeed));
  a->rt.mode = g ? g->defaultMode : 0;
  a->rt.difficulty = 0;
  a->rt.actionA = a->rt.actionB = ALE_ACTION_NOOP;
  a->rt.strengthA = a->rt.strengthB = 1.0f;
  game_state_reset(a->wrapper, &a->rt.game);
  if (g && g->livesAfterReset >= 0) a->rt.game.livesBase = g->livesAfterReset ? 1 : 0;
  a->maxLives = game_lives(a->wrapper, &a->rt.game);
  a->loaded = 1;
  ale_reset_game(a);
  return ALE_OK;
}

int ale_reload(Ale *a) {
  if (!a->romSize) return ALE_ERR_NOT_LOADED;
  return ale_load_rom(a, a->rom, a->romSize);
}

/* ---- act (section 7) ----------------------------------------------------------------------- */

bool ale_terminal(const Ale *a) { return a->loaded && game_terminal(a->wrapper, &a->rt.game); }

int32_t ale_lives(const Ale *a) { return a->loaded ? game_lives(a->wrapper, &a->rt.game) : 0; }

bool ale_truncated(const Ale *a) {
  if (!a->loaded) return false;
  bool t = false;
  if (a->active.maxNumFramesPerEpisode > 0)
    t = t || a->rt.episodeFrameNumber >= a->active.maxNumFramesPerEpisode;
  if (a->active.truncateOnLossOfLife) t = t || ale_lives(a) < a->maxLives;
  return t;
}

bool ale_game_over(const Ale *a) { return ale_terminal(a) || ale_truncated(a); }

static int32_t legalize(const Ale *a, int32_t action) {
  if (action < 0 || action >= ALE_NUM_ACTIONS) return ALE_ACTION_NOOP; /* incl. RESET */
  return (a->legalMask >> action) & 1 ? action : ALE_ACTION_NOOP;
}

int32_t ale_act(Ale *a, int32_t action, float paddleStrength) {
  if (!a->loaded) return 0;
  int64_t sum = 0;
  double p = (double)a->active.repeatActionProbability;
  for (int32_t i = 0; i < a->active.frameSkip; i++) {
    /* Two draws per frame, always (player A then player B). */
    if (ale_rng_unit(&a->rt.envRng) >= p) { a->rt.actionA = action; a->rt.strengthA = paddleStrength; }
    if (ale_rng_unit(&a->rt.envRng) >= p) { a->rt.actionB = ALE_ACTION_NOOP; a->rt.strengthB = 0.0f; }
    if (ale_game_over(a)) continue; /* nothing is emulated past the end of an episode */
    int32_t effA = legalize(a, a->rt.actionA);
    int32_t effB = legalize(a, a->rt.actionB);
    emulate(a, effA, effB, a->rt.strengthA, a->rt.strengthB, 1);
    a->rt.frameNumber++;
    a->rt.episodeFrameNumber++;
    sum += a->rt.game.reward;
  }
  if (sum < a->active.rewardMin) sum = a->active.rewardMin;
  if (sum > a->active.rewardMax) sum = a->active.rewardMax;
  return (int32_t)sum;
}

int ale_set_mode(Ale *a, int32_t mode) {
  if (!a->loaded) return ALE_ERR_NOT_LOADED;
  const GameProps *g = a->game;
  if (!g) return mode == 0 ? ALE_OK : ALE_ERR_BAD_VALUE;
  for (uint32_t i = 0; i < g->numModes; i++)
    if (g->modes[i] == mode) { a->rt.mode = mode; return ALE_OK; }
  return ALE_ERR_BAD_VALUE;
}

int ale_set_difficulty(Ale *a, int32_t difficulty) {
  if (!a->loaded) return ALE_ERR_NOT_LOADED;
  uint8_t m = a->game ? a->game->difficultyMask : 1;
  if (difficulty < 0 || difficulty > 7 || !((m >> difficulty) & 1)) return ALE_ERR_BAD_VALUE;
  a->rt.difficulty = difficulty;
  return ALE_OK;
}

static uint32_t mask_list(uint32_t mask, int32_t *out) {
  uint32_t n = 0;
  for (int32_t i = 0; i < ALE_NUM_ACTIONS; i++)
    if ((mask >> i) & 1) { if (out) out[n] = i; n++; }
  return n;
}
uint32_t ale_legal_actions(const Ale *a, int32_t *out) { return mask_list(a->legalMask, out); }
uint32_t ale_minimal_actions(const Ale *a, int32_t *out) { return mask_list(a->minimalMask, out); }

/* ---- screens (section 10) ---------------------------------------------------------------- */

uint32_t ale_palette_rgb(const Ale *a, uint8_t index) { return palette_rgb(a->pal, index); }
uint8_t ale_palette_gray(const Ale *a, uint8_t index) { return palette_gray(a->pal, index); }

/* Phosphor blend (colour averaging): per channel min + (max - min) * 77 / 100, mapped back to
 * the even palette index nearest (L1) to the colour quantised to multiples of 4. */
static uint8_t nearest_index(const Ale *a, uint32_t r, uint32_t g, uint32_t b) {
  uint32_t best = 0xFFFFFFFFu; uint8_t bestIdx = 0;
  for (uint32_t i = 0; i < 256; i += 2) {
    uint32_t c = ale_palette_rgb(a, (uint8_t)i);
    int32_t dr = (int32_t)((c >> 16) & 0xFF) - (int32_t)r;
    int32_t dg = (int32_t)((c >> 8) & 0xFF) - (int32_t)g;
    int32_t db = (int32_t)(c & 0xFF) - (int32_t)b;
    uint32_t d = (uint32_t)((dr < 0 ? -dr : dr) + (dg < 0 ? -dg : dg) + (db < 0 ? -db : db));
    if (d < best) { best = d; bestIdx = (uint8_t)i; }
  }
  return bestIdx;
}

static uint32_t blend_channel(uint32_t x, uint32_t y) {
  uint32_t lo = x < y ? x : y, hi = x < y ? y : x;
  return lo + ((hi - lo) * 77) / 100;
}

/* Blended index of a (current, previous) pair of even palette indices, memoised per emulator
 * (the palette is fixed from load on). */
static uint8_t blend_pair(Ale *a, uint8_t cur, uint8_t prev) {
  uint32_t key = (uint32_t)(cur >> 1) * 128u + (prev >> 1);
  if (!(a->blendKnown[key >> 3] & (1u << (key & 7)))) {
    uint32_t c1 = ale_palette_rgb(a, cur), c2 = ale_palette_rgb(a, prev);
    uint32_t r = blend_channel((c1 >> 16) & 0xFF, (c2 >> 16) & 0xFF);
    uint32_t g = blend_channel((c1 >> 8) & 0xFF, (c2 >> 8) & 0xFF);
    uint32_t b = blend_channel(c1 & 0xFF, c2 & 0xFF);
    a->blendTable[key] = nearest_index(a, r & ~3u, g & ~3u, b & ~3u);
    a->blendKnown[key >> 3] |= (uint8_t)(1u << (key & 7));
  }
  return a->blendTable[key];
}

const uint8_t *ale_screen(Ale *a) {
  const uint8_t *cur = tia_screen(&a->rt.console);
  if (!a->active.colorAveraging) return cur;
  const uint8_t *prev = tia_previous_screen(&a->rt.console);
  uint32_t n = a->height * TIA_WIDTH;
  /* The reference's blend table only covers even indices; odd ones (PAL colour loss) are
   * blended as their even colour. */
  for (uint32_t i = 0; i < n; i++) a->blend[i] = blend_pair(a, cur[i] & 0xFE, prev[i] & 0xFE);
  return a->blend;
}

void ale_screen_grayscale(Ale *a, uint8_t *out) {
  const uint8_t *s = ale_screen(a);
  uint32_t n = a->height * TIA_WIDTH;
  for (uint32_t i = 0; i < n; i++) out[i] = ale_palette_gray(a, s[i]);
}

void ale_screen_rgb(Ale *a, uint8_t *out) {
  const uint8_t *s = ale_screen(a);
  uint32_t n = a->height * TIA_WIDTH;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t c = ale_palette_rgb(a, s[i]);
    out[3 * i] = (uint8_t)(c >> 16);
    out[3 * i + 1] = (uint8_t)(c >> 8);
    out[3 * i + 2] = (uint8_t)c;
  }
}

const uint8_t *ale_ram(const Ale *a) { return a->rt.ram; }

/* ---- state ------------------------------------------------------------------------------- */

typedef struct StateHeader {
  uint32_t magic;       /* 'ALEs' */
  uint32_t size;        /* total bytes */
  uint32_t hasRng;
  uint32_t checksum;    /* FNV-1a of the body: a damaged state is refused, never run */
  char md5[33];
  uint8_t pad[3];
} StateHeader;
#define STATE_MAGIC 0x32454C41u  /* 'ALE2': v2 added the checksum */

static uint32_t state_checksum(const uint8_t *p, uint32_t n) {
  uint32_t h = 0x811c9dc5u;
  for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x01000193u;
  return h;
}

/* Indexes the emulator uses without bounds checks on its hot paths must be in range before a
 * restored state runs: a state that passes the checksum but was built by other code (or another
 * version) must not make the core read or write outside its own memory. Fields are read one at
 * a time from the (possibly unaligned) input, before anything is applied. */
#define BODY_FIELD(dst, member) mem_copy(&(dst), body + offsetof(AleRuntime, member), sizeof(dst))
static bool state_plausible(const uint8_t *body, const AleRuntime *cur) {
  uint8_t current; int32_t drawPos; int16_t pos[5]; TiaConfig cfg; Cart cart; uint32_t rngIdx, envIdx;
  BODY_FIELD(current, console.tia.current);
  BODY_FIELD(drawPos, console.tia.drawPos);
  BODY_FIELD(pos, console.tia.pos);
  BODY_FIELD(cfg, console.tia.config);
  BODY_FIELD(cart, console.cart);
  BODY_FIELD(rngIdx, console.rng.index);
  BODY_FIELD(envIdx, envRng.index);
  if (current > 1) return false;
  if (drawPos < 0 || drawPos > TIA_WIDTH * TIA_MAX_HEIGHT) return false;
  for (int i = 0; i < 5; i++) if (pos[i] < 0 || pos[i] >= TIA_WIDTH) return false;
  const TiaConfig *b = &cur->console.tia.config;
  if (cfg.ystart != b->ystart || cfg.height != b->height || cfg.maxScanlines != b->maxScanlines ||
      cfg.hmoveBlanks != b->hmoveBlanks || cfg.pal != b->pal) return false;
  if (!cart_state_valid(&cart, &cur->console.cart)) return false;
  return rngIdx <= 624 && envIdx <= 624;
}
#undef BODY_FIELD

uint32_t ale_state_size(void) { return (uint32_t)(sizeof(StateHeader) + sizeof(AleRuntime)); }

int ale_clone_state(const Ale *a, uint8_t *out, uint32_t cap, bool includeRng) {
  if (!a->loaded) return ALE_ERR_NOT_LOADED;
  if (!out || cap < ale_state_size()) return ALE_ERR_BAD_STATE;
  StateHeader h;
  mem_set(&h, 0, sizeof h);
  h.magic = STATE_MAGIC;
  h.size = ale_state_size();
  h.hasRng = includeRng ? 1 : 0;
  mem_copy(h.md5, a->md5, 33);
  mem_copy(out + sizeof h, &a->rt, sizeof a->rt);
  h.checksum = state_checksum(out + sizeof h, (uint32_t)sizeof a->rt);
  mem_copy(out, &h, sizeof h);
  return (int)ale_state_size();
}

int ale_restore_state(Ale *a, const uint8_t *in, uint32_t size) {
  if (!a->loaded) return ALE_ERR_NOT_LOADED;
  if (!in || size < ale_state_size()) return ALE_ERR_BAD_STATE;
  StateHeader h;
  mem_copy(&h, in, sizeof h);
  if (h.magic != STATE_MAGIC || h.size != ale_state_size()) return ALE_ERR_BAD_STATE;
  for (int i = 0; i < 32; i++) if (h.md5[i] != a->md5[i]) return ALE_ERR_BAD_STATE;
  const uint8_t *body = in + sizeof h;
  if (state_checksum(body, (uint32_t)sizeof a->rt) != h.checksum) return ALE_ERR_BAD_STATE;
  if (!state_plausible(body, &a->rt)) return ALE_ERR_BAD_STATE;
  Mt19937 keep = a->rt.envRng;
  mem_copy(&a->rt, body, sizeof a->rt);
  if (!h.hasRng) a->rt.envRng = keep;
  /* The cartridge points at the ROM bytes: keep it pointing at this emulator's copy. */
  a->rt.console.cart.image = a->rom;
  cart_refresh(&a->rt.console);
  return ALE_OK;
}
