/* The game table: per-ROM properties (data, generated from roms/MANIFEST.json by
 * tools/gen-game-table.mjs into games_data.c) plus one small reward/lives/terminal function
 * per game wrapper (games.c). A game is found by the md5 of its ROM image. */
#ifndef ARCADE_GAMES_H
#define ARCADE_GAMES_H
#include <stdint.h>
#include <stdbool.h>

enum { GAME_CTRL_JOYSTICK = 0, GAME_CTRL_PADDLES = 1, GAME_CTRL_NONE = 2 };

/* Which game wrapper computes reward/lives/terminal. GAME_WRAPPER_NONE = no reward function
 * (the ROM still runs; reward 0, never terminal). */
typedef enum GameWrapperId {
  GAME_WRAPPER_NONE = 0,
  GAME_WRAPPER_PONG,
  GAME_WRAPPER_BREAKOUT,
  GAME_WRAPPER_SPACE_INVADERS,
  GAME_WRAPPER_FREEWAY,
  GAME_WRAPPER_SEAQUEST,
  GAME_WRAPPER_MS_PACMAN,
  GAME_WRAPPER_BEAM_RIDER,
  GAME_WRAPPER_ASTEROIDS,
  GAME_WRAPPER_ENDURO,
  GAME_WRAPPER_QBERT,
  GAME_WRAPPER_COUNT
} GameWrapperId;

/* How the wrapper selects a mode during reset (ALE_FACTS 5 step 6). */
typedef enum GameModeKind {
  GAME_MODE_NONE = 0,      /* wrapper has no setMode: nothing happens (no SELECT, no soft reset) */
  GAME_MODE_BYTE,          /* press SELECT (selectHold frames) while RAM[modeAddr] != mode; soft reset */
  GAME_MODE_MS_PACMAN,     /* two bytes ($99 mode, $A1 variation), see games.c */
  GAME_MODE_UNKNOWN        /* the game has modes but their selection logic is not written yet */
} GameModeKind;

typedef struct GameProps {
  const char *romId;
  const char *md5;            /* 32 lowercase hex digits */
  uint32_t size;
  uint8_t scheme;             /* CartScheme the reference detected (informational, checked by tests) */
  uint8_t palProperty;        /* display format fixed to PAL by the properties (no auto-detect) */
  uint8_t palExpected;        /* what the reference's auto-detection produced (tests) */
  uint8_t hmoveBlanks;
  uint16_t ystart;
  uint16_t height;            /* property height, before the PAL 210 -> 250 change */
  uint8_t leftCtrl, rightCtrl;
  uint8_t swapPaddles;
  uint8_t propLeftDiffA, propRightDiffA; /* difficulty switches before ALE drives them */
  uint8_t supported;          /* the reference has a wrapper and accepts the ROM */
  uint8_t wrapper;            /* GameWrapperId */
  uint8_t modeKind;           /* GameModeKind */
  uint8_t modeAddr;           /* RAM address ($80-$FF) of the mode byte for GAME_MODE_BYTE */
  uint8_t selectHold;         /* frames SELECT is held per press */
  int8_t livesAfterReset;     /* lives() right after reset in the reference (tests) */
  uint32_t legalMask;         /* bit a = action a (0..17) legal */
  uint32_t minimalMask;       /* bit a = action a in the minimal set */
  const uint16_t *modes;      /* available modes, default first as in the reference list order */
  uint16_t numModes;
  uint16_t defaultMode;
  uint8_t difficultyMask;     /* bit d = difficulty d available */
  const uint16_t *startRle;   /* starting actions as (action, repeat) pairs */
  uint16_t startRleLen;       /* number of pairs */
  int32_t paddleMaxOverride;  /* -1 = none */
} GameProps;

extern const GameProps GAME_TABLE[];
extern const uint32_t GAME_TABLE_COUNT;

/* Wrapper state: plain data (part of the cloned state). */
typedef struct GameState {
  int32_t reward;     /* reward of the last frame */
  int32_t score;
  int32_t lives;      /* the wrapper's own counter where it keeps one */
  int32_t last;       /* game-specific memory (Q*bert previous lives byte) */
  uint8_t terminal;
  uint8_t started;    /* Breakout: has seen 5 lives once */
} GameState;

/* Reads RAM index i (0..127 = $80 + i) the way the wrapper does (through the bus). */
typedef uint8_t (*GameRamReader)(void *ctx, uint32_t index);

const GameProps *game_find_md5(const char *md5hex);
void game_state_reset(uint8_t wrapper, GameState *s);
void game_step(uint8_t wrapper, GameState *s, GameRamReader rd, void *ctx);
int32_t game_lives(uint8_t wrapper, const GameState *s);
bool game_terminal(uint8_t wrapper, const GameState *s);

/* Decimal score helpers (ALE_FACTS 11): digits above 9 are not rejected. */
int32_t game_dec1(uint8_t b);

#endif
