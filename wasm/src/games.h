/* The game table: per-ROM properties (data, generated from roms/MANIFEST.json by
 * tools/gen-game-table.mjs into games_data.c) plus one GameWrapper per game wrapper (games.c:
 * its per-frame reward/lives/terminal step and its reset, lives and mode hooks). A game is
 * found by the md5 of its ROM image. */
#ifndef ARCADE_GAMES_H
#define ARCADE_GAMES_H
#include <stdint.h>
#include <stdbool.h>

enum { GAME_CTRL_JOYSTICK = 0, GAME_CTRL_PADDLES = 1, GAME_CTRL_NONE = 2 };

/* Which game wrapper computes reward/lives/terminal: one per ROM id of the reference, named
 * after it (the generator maps rom_id "bank_heist" to GAME_WRAPPER_BANK_HEIST when the name is
 * in this list; games.c defines a GameWrapper BANK_HEIST for each entry).
 * GAME_WRAPPER_NONE = no reward function (reward 0, never terminal). */
#define GAME_WRAPPER_LIST(X) \
  X(PONG) X(BREAKOUT) X(SPACE_INVADERS) X(FREEWAY) X(SEAQUEST) X(MS_PACMAN) X(BEAM_RIDER) \
  X(ASTEROIDS) X(ENDURO) X(QBERT) \
  X(ADVENTURE) X(AIR_RAID) X(ALIEN) X(AMIDAR) X(ASSAULT) X(ASTERIX) X(ATLANTIS) X(ATLANTIS2) \
  X(BACKGAMMON) X(BANK_HEIST) X(BASIC_MATH) X(BATTLE_ZONE) X(BERZERK) X(BLACKJACK) X(BOWLING) \
  X(BOXING) X(CARNIVAL) X(CASINO) X(CENTIPEDE) X(CHOPPER_COMMAND) X(CROSSBOW) X(DOUBLE_DUNK) \
  X(FLAG_CAPTURE) X(GOPHER) X(HUMAN_CANNONBALL) X(LOST_LUGGAGE) X(NAME_THIS_GAME) X(OTHELLO) \
  X(WIZARD_OF_WOR) X(DARKCHAMBERS) X(DEFENDER) X(DEMON_ATTACK) X(DONKEY_KONG) X(EARTHWORLD) \
  X(ELEVATOR_ACTION) X(ENTOMBED) X(ET) X(FISHING_DERBY) X(FROGGER) X(FROSTBITE) X(GALAXIAN) \
  X(GRAVITAR) X(HANGMAN) X(HAUNTED_HOUSE) X(HERO) X(ICE_HOCKEY) X(JAMESBOND) X(JOURNEY_ESCAPE) \
  X(KABOOM) X(KANGAROO) X(KEYSTONE_KAPERS) X(KING_KONG) X(KLAX) X(KOOLAID) X(KRULL) \
  X(KUNG_FU_MASTER) X(LASER_GATES) X(MARIO_BROS) X(MINIATURE_GOLF) X(MONTEZUMA_REVENGE) X(MR_DO) \
  X(PACMAN) X(PHOENIX) X(PITFALL) X(PITFALL2) X(POOYAN) X(PRIVATE_EYE) X(RIVERRAID) \
  X(ROAD_RUNNER) X(ROBOTANK) X(SIR_LANCELOT) X(SKIING) X(SOLARIS) X(SPACE_WAR) X(STAR_GUNNER) \
  X(SUPERMAN) X(SURROUND) X(TENNIS) X(TETRIS) X(TIC_TAC_TOE_3D) X(TIME_PILOT) X(TRONDEAD) \
  X(TURMOIL) X(TUTANKHAM) X(UP_N_DOWN) X(VENTURE) X(VIDEO_CHECKERS) X(VIDEO_CHESS) X(VIDEO_CUBE) \
  X(VIDEO_PINBALL) X(WORD_ZAPPER) X(YARS_REVENGE) X(ZAXXON) X(CRAZY_CLIMBER) \
  X(ARCADE_CATCH) /* our built-in games CATCH and DODGE share one RAM map (roms/README.md) */

typedef enum GameWrapperId {
  GAME_WRAPPER_NONE = 0,
#define GAME_WRAPPER_ENUM(n) GAME_WRAPPER_##n,
  GAME_WRAPPER_LIST(GAME_WRAPPER_ENUM)
#undef GAME_WRAPPER_ENUM
  GAME_WRAPPER_COUNT
} GameWrapperId;

/* How the wrapper selects a mode during reset (ALE_FACTS 5 step 6). */
typedef enum GameModeKind {
  GAME_MODE_NONE = 0,      /* wrapper has no setMode: nothing happens (no SELECT, no soft reset) */
  GAME_MODE_BYTE,          /* press SELECT (selectHold frames) while RAM[modeAddr] != target; soft
                            * reset. target = mode * modeMul + modeAdd (mod 256); with modeAddr2,
                            * also while RAM[modeAddr2] != modeVal2 */
  GAME_MODE_MS_PACMAN,     /* two bytes ($99 mode, $A1 variation), see ale.c */
  GAME_MODE_DOUBLE_DUNK,   /* option menu walked with act() calls, see ale.c */
  GAME_MODE_ADVENTURE,     /* SELECT held for a random time per press, see ale.c */
  GAME_MODE_VIDEO_CUBE,    /* variation by SELECT, then the cube number with RIGHT act() calls */
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
  uint8_t swapPorts;          /* Console.SwapPorts: player A's joystick is read from the right port */
  uint8_t propLeftDiffA, propRightDiffA; /* difficulty switches before ALE drives them */
  uint8_t supported;          /* the reference has a wrapper and accepts the ROM */
  uint8_t wrapper;            /* GameWrapperId */
  uint8_t modeKind;           /* GameModeKind */
  uint16_t modeAddr;          /* CPU address of the mode byte for GAME_MODE_BYTE (RAM $80-$FF, or
                               * cartridge RAM read through the bus) */
  uint8_t selectHold;         /* frames SELECT is held per press */
  uint8_t modeMul;            /* GAME_MODE_BYTE target = mode * modeMul + modeAdd */
  int16_t modeAdd;
  uint8_t modeAddr2, modeVal2;/* optional second byte condition (0 = none) */
  uint8_t modeAltAdd;         /* also accept RAM[modeAddr] == target + modeAltAdd (0 = none) */
  uint8_t modeBcd;            /* compare the decimal value of RAM[modeAddr] with the target */
  uint8_t modePreSelect;      /* one SELECT press of this many frames before the loop (0 = none) */
  uint8_t modePreReset;       /* a soft reset before reading the mode byte */
  uint8_t modePreNoops;       /* NOOP act() calls before reading the mode byte */
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
  int32_t lives;      /* the wrapper's own counter; -1 = none (lives() is 1 while running) */
  int32_t last;       /* game-specific memory (Q*bert previous lives byte, Othello idle count) */
  int32_t aux[3];     /* more game-specific memory (see games.c) */
  int32_t livesBase;  /* lives() of a wrapper without a counter while running (the reference's
                       * base 1, or 0 where the wrapper overrides it); set from the game table */
  uint8_t terminal;
  uint8_t started;    /* Breakout: has seen 5 lives once; Chopper Command: game started */
} GameState;

/* Reads a CPU address through the bus, the way the wrappers do (RAM at $80-$FF; a few wrappers
 * read cartridge RAM). */
typedef uint8_t (*GameRamReader)(void *ctx, uint32_t addr);

const GameProps *game_find_md5(const char *md5hex);
void game_state_reset(uint8_t wrapper, GameState *s);
void game_step(uint8_t wrapper, GameState *s, GameRamReader rd, void *ctx);
int32_t game_lives(uint8_t wrapper, const GameState *s);
bool game_terminal(uint8_t wrapper, const GameState *s);
/* The mode number as the game stores it (before modeMul/modeAdd), e.g. Video Checkers keeps its
 * reverse-checkers modes 11..19 as 17..25. */
int32_t game_mode_value(uint8_t wrapper, int32_t mode);
/* Wrapper bookkeeping done inside setMode (Alien re-reads its lives there). */
void game_after_mode(uint8_t wrapper, GameState *s, GameRamReader rd, void *ctx, int32_t mode);

/* Decimal score helpers (ALE_FACTS 11): digits above 9 are not rejected. */
int32_t game_dec1(uint8_t b);

#endif
