/* The ALE layer over one Console: power-on, the environment reset procedure, act() with frame
 * skip and sticky actions, inputs, game wrappers, screens, RAM, and clone/restore.
 * Everything an emulator needs lives in one struct Ale (no globals), so many emulators can share
 * one wasm instance. Behaviour follows ALE_FACTS sections 2-13 (reference ALE 0.12.1). */
#ifndef ARCADE_ALE_H
#define ARCADE_ALE_H
#include <stdint.h>
#include <stdbool.h>
#include "console.h"
#include "games.h"

#define ALE_MAX_ROM 65536u
#define ALE_ACTION_NOOP 0
#define ALE_ACTION_RESET 40
#define ALE_NUM_ACTIONS 18
#define ALE_PADDLE_DELTA 23000
#define ALE_PADDLE_MIN_DEFAULT 27450
#define ALE_PADDLE_MAX_DEFAULT 790196

/* Error codes (negative) returned by ale_load_rom and friends. */
enum {
  ALE_OK = 0,
  ALE_ERR_EMPTY = -1,          /* no ROM bytes */
  ALE_ERR_TOO_LARGE = -2,      /* more than ALE_MAX_ROM bytes */
  ALE_ERR_UNSUPPORTED = -3,    /* size/signature matches no bank-switching scheme we emulate */
  ALE_ERR_CART_INIT = -4,      /* the cartridge unit refused the image */
  ALE_ERR_NOT_LOADED = -5,     /* operation needs a loaded ROM */
  ALE_ERR_BAD_VALUE = -6,      /* invalid mode/difficulty/setting */
  ALE_ERR_BAD_STATE = -7       /* state buffer too small, corrupt, or from another ROM */
};

/* Settings (ALE_FACTS 2); they take effect at the next ale_load_rom. */
typedef struct AleSettings {
  int32_t randomSeed;               /* environment RNG seed (we have no wall clock: -1 means 0) */
  float repeatActionProbability;    /* stored as a 32-bit float like the reference */
  int32_t frameSkip;                /* < 1 becomes 1 */
  int32_t maxNumFramesPerEpisode;   /* 0 = off */
  uint8_t truncateOnLossOfLife;
  uint8_t colorAveraging;
  int32_t rewardMin, rewardMax;
  int32_t paddleMin, paddleMax;     /* -1 = default */
  uint32_t systemRandomSeed;
} AleSettings;

/* Everything that changes while playing: clone/restore copies exactly this. */
typedef struct AleRuntime {
  Console console;
  GameState game;
  Mt19937 envRng;
  int32_t frameNumber;
  int32_t episodeFrameNumber;
  int32_t actionA, actionB;         /* remembered (sticky) actions, player B as 0..17 */
  float strengthA, strengthB;
  int32_t paddleA, paddleB;         /* paddle positions (resistances) */
  int32_t mode, difficulty;
  uint8_t ram[128];                 /* RAM as read through the bus after the last emulated block */
} AleRuntime;

typedef struct Ale {
  AleRuntime rt;
  AleSettings settings;             /* pending settings (next load) */
  /* Fixed at load time. */
  AleSettings active;               /* settings in force since the last load */
  const GameProps *game;            /* 0 = unknown md5 */
  uint8_t wrapper;
  uint8_t loaded;
  uint8_t pal;
  uint8_t usePaddles;
  uint8_t leftCtrl, rightCtrl, swapPaddles, swapPorts;
  CartScheme scheme;
  int32_t paddleMin, paddleMax;
  int32_t maxLives;
  uint32_t ystart, height;
  uint32_t legalMask, minimalMask;
  char md5[33];
  uint32_t romSize;
  uint8_t rom[ALE_MAX_ROM];
  uint8_t blend[TIA_WIDTH * TIA_MAX_HEIGHT]; /* colour-averaged screen (color_averaging only) */
  uint8_t blendTable[128 * 128];    /* memo: blended index per (current, previous) colour pair */
  uint8_t blendKnown[128 * 128 / 8];
} Ale;

void ale_init(Ale *a);                                  /* defaults; no ROM */
void ale_settings_default(AleSettings *s);
int ale_load_rom(Ale *a, const uint8_t *rom, uint32_t size);
/* Power-on again with the stored ROM and the current settings (a Gymnasium reset(seed=...)). */
int ale_reload(Ale *a);
void ale_reset_game(Ale *a);
int32_t ale_act(Ale *a, int32_t action, float paddleStrength);

int32_t ale_lives(const Ale *a);
bool ale_terminal(const Ale *a);     /* game over, not counting truncation */
bool ale_truncated(const Ale *a);
bool ale_game_over(const Ale *a);    /* terminal or truncated */

int ale_set_mode(Ale *a, int32_t mode);              /* takes effect at the next reset */
int ale_set_difficulty(Ale *a, int32_t difficulty);  /* switches change from the next frame */

uint32_t ale_legal_actions(const Ale *a, int32_t *out);   /* returns count (<= 18) */
uint32_t ale_minimal_actions(const Ale *a, int32_t *out);

/* Screen: height x 160 palette indices (colour-averaged when enabled). */
const uint8_t *ale_screen(Ale *a);
void ale_screen_grayscale(Ale *a, uint8_t *out);     /* height x 160 */
void ale_screen_rgb(Ale *a, uint8_t *out);           /* height x 160 x 3, interleaved */
uint32_t ale_palette_rgb(const Ale *a, uint8_t index);  /* 0xRRGGBB as getScreenRGB uses it */
uint8_t ale_palette_gray(const Ale *a, uint8_t index);
const uint8_t *ale_ram(const Ale *a);

/* Action -> input mapping, exposed for tests: fills the console's input fields for one frame. */
void ale_apply_inputs(Ale *a, int32_t actionA, int32_t actionB, float strengthA, float strengthB,
                      uint8_t select);

/* State: a header + AleRuntime. */
uint32_t ale_state_size(void);
int ale_clone_state(const Ale *a, uint8_t *out, uint32_t cap, bool includeRng);
int ale_restore_state(Ale *a, const uint8_t *in, uint32_t size);

/* Helpers shared with tools/tests. */
void md5_hex(const uint8_t *data, uint32_t size, char out[33]);
double ale_rng_unit(Mt19937 *m);     /* next() / 2^32 */

#endif
