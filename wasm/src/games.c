/* Reward / lives / terminal logic of the game wrappers (ALE_FACTS 11-12): one step function
 * and one GameWrapper per wrapper of the reference, next to each other, gathered in WRAPPERS
 * below. Everything else about a game (modes, start and minimal actions, screen) is data in
 * games_data.c. To add a game: give it a GameWrapperId (the list in games.h), a step function
 * and a GameWrapper named after the id here, and its mode selection in the generator's overlay
 * (tools/gen-game-table.mjs). */
#include "games.h"

/* What a wrapper does besides its per-frame step; every hook is optional (0: nothing). */
typedef struct GameWrapper {
  /* Per frame: reward, score, lives and terminal from RAM; 0 = no reward function. */
  void (*step)(GameState *s, GameRamReader rd, void *ctx);
  int32_t livesAtReset;   /* the wrapper's own lives counter after reset, or NO_COUNTER */
  int32_t scoreAtReset;
  void (*reset)(GameState *s, const GameState *before);   /* more state set at reset */
  int32_t (*lives)(const GameState *s);   /* replaces the usual lives() (game_lives) */
  int32_t (*modeValue)(int32_t mode);     /* the mode number as the game stores it */
  void (*afterMode)(GameState *s, GameRamReader rd, void *ctx, int32_t mode);  /* inside setMode */
} GameWrapper;

/* livesAtReset of a wrapper without a counter: lives() is then livesBase while running. */
#define NO_COUNTER (-1)

/* RAM read by CPU address ($80-$FF), as the reference's readRam does (it folds any offset into
 * the RAM page); MRD reads any mapped address (cartridge RAM). */
#define RD(a) rd(ctx, 0x80u | ((uint32_t)(a) & 0x7Fu))
#define MRD(a) rd(ctx, (uint32_t)(a))

int32_t game_dec1(uint8_t b) { return 10 * (b >> 4) + (b & 15); }

static int32_t dec2(GameRamReader rd, void *ctx, uint8_t lo, uint8_t hi) {
  int32_t l = game_dec1(RD(lo));
  return l + 100 * game_dec1(RD(hi));
}
static int32_t dec3(GameRamReader rd, void *ctx, uint8_t lo, uint8_t mid, uint8_t hi) {
  int32_t l = game_dec1(RD(lo));
  int32_t m = game_dec1(RD(mid));
  return l + 100 * m + 10000 * game_dec1(RD(hi));
}

/* Score-delta helper: reward = new - old, remember new. */
static void score_to(GameState *s, int32_t score) { s->reward = score - s->score; s->score = score; }

/* lives() of the wrappers that report no lives at all. */
static int32_t zero_lives(const GameState *s) { return 0; }

/* ---- the wrappers ------------------------------------------------------------------------ */

static void pong_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t cpu = RD(0x8D), player = RD(0x8E);
  score_to(s, player - cpu);
  s->terminal = (cpu == 21 || player == 21);
}
static const GameWrapper PONG = { .step = pong_step, .livesAtReset = NO_COUNTER, .lives = zero_lives };

static void breakout_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t x = RD(0xCD), y = RD(0xCC);
  score_to(s, (x & 15) + 10 * ((x >> 4) & 15) + 100 * (y & 15));
  int32_t lives = RD(0xB9);
  if (!s->started && lives == 5) s->started = 1;
  s->terminal = s->started && lives == 0;
  s->lives = lives;
}
static const GameWrapper BREAKOUT = { .step = breakout_step, .livesAtReset = 5 };

static void space_invaders_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = dec2(rd, ctx, 0xE8, 0xE6);
  int32_t r = score - s->score;
  /* The score counter wraps at 10000; a drop means it wrapped, not a loss. */
  if (r < 0) r = (10000 - s->score) + score;
  s->reward = r; s->score = score;
  s->lives = RD(0xC9);
  s->terminal = (RD(0x98) & 0x80) != 0 || s->lives == 0;
}
static const GameWrapper SPACE_INVADERS = { .step = space_invaders_step, .livesAtReset = 3 };

static void freeway_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = game_dec1(RD(0xE7));
  int32_t r = score - s->score;
  if (r < 0) r = 0;
  if (r > 1) r = 1;
  s->reward = r; s->score = score;
  s->terminal = RD(0x96) == 1;
}
static const GameWrapper FREEWAY = { .step = freeway_step, .livesAtReset = NO_COUNTER, .lives = zero_lives };

static void seaquest_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xBA, 0xB9, 0xB8));
  s->terminal = RD(0xA3) != 0;
  s->lives = RD(0xBB) + 1;
}
static const GameWrapper SEAQUEST = { .step = seaquest_step, .livesAtReset = 4 };

static void ms_pacman_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xF8, 0xF9, 0xFA));
  int32_t livesByte = RD(0xFB) & 15;
  int32_t deathTimer = RD(0xA7);
  s->terminal = livesByte == 0 && deathTimer == 0x53;
  s->lives = (livesByte & 7) + 1;
}
static const GameWrapper MS_PACMAN = { .step = ms_pacman_step, .livesAtReset = 3 };

static void beam_rider_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x89, 0x8A, 0x8B));
  int32_t candidate = RD(0x85) + 1;
  /* The lives digit blinks during the death animation: accept a decrease only once
   * the animation has reached its last step ($8C == 1). */
  if (candidate == s->lives - 1) {
    if (RD(0x8C) == 1) s->lives = candidate;
  } else {
    s->lives = candidate;
  }
  s->terminal = RD(0x85) == 0xFF;
}
static const GameWrapper BEAM_RIDER = { .step = beam_rider_step, .livesAtReset = 3 };

static void asteroids_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = 10 * dec2(rd, ctx, 0xBE, 0xBD);
  int32_t r = score - s->score;
  if (r < 0) r += 100000; /* score wrapped */
  s->reward = r; s->score = score;
  int32_t b = RD(0xBC);
  s->lives = b >> 4;
  s->terminal = s->lives == 0;
}
static const GameWrapper ASTEROIDS = { .step = asteroids_step, .livesAtReset = 4 };

static void enduro_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = 0;
  int32_t level = RD(0xAD);
  if (level != 0) {
    int32_t cars = dec2(rd, ctx, 0xAB, 0xAC);
    int32_t passed = (level == 1 ? 200 : 300) - cars;
    score = passed + (level >= 2 ? 200 + 300 * (level - 2) : 0);
  }
  score_to(s, score);
  s->terminal = RD(0xAF) == 0xFF;
}
static const GameWrapper ENDURO = { .step = enduro_step, .livesAtReset = NO_COUNTER, .lives = zero_lives };

static void qbert_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t v = RD(0x88);
  s->terminal = v == 0xFE || (v == 0x02 && s->last == -1);
  int32_t sv = (int32_t)(int8_t)(uint8_t)v;
  if (s->last - 1 == sv) s->lives--;
  s->last = sv;
  /* The ROM clears the score when the game restarts on terminal frames: ignore it. */
  if (!s->terminal) score_to(s, dec3(rd, ctx, 0xDB, 0xDA, 0xD9));
  else s->reward = 0;
}
static void qbert_reset(GameState *s, const GameState *before) { s->last = 2; /* "anything but $FF" */ }
static const GameWrapper QBERT = { .step = qbert_step, .livesAtReset = 4, .reset = qbert_reset };

static void adventure_step(GameState *s, GameRamReader rd, void *ctx) {
  /* The reward is only ever set (to 1, on the winning frame), never cleared. */
  uint8_t chalice = RD(0xB9) == 0x12;
  if (chalice) s->reward = 1;
  s->terminal = RD(0xE0) == 2 || chalice;
}
static const GameWrapper ADVENTURE = { .step = adventure_step, .livesAtReset = NO_COUNTER };

static void air_raid_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xAA, 0xA9, 0xA8));
  s->terminal = RD(0xA7) == 0xFF;
}
static const GameWrapper AIR_RAID = { .step = air_raid_step, .livesAtReset = NO_COUNTER };

static void alien_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Digits are stored as graphics offsets: value >> 3, with $80 meaning a blank 0. */
  static const uint8_t addr[5] = {0x8B, 0x89, 0x87, 0x85, 0x83};
  int32_t score = 0, mul = 1;
  for (int i = 0; i < 5; i++, mul *= 10) {
    uint8_t b = RD(addr[i]);
    score += mul * (b == 0x80 ? 0 : b >> 3);
  }
  score_to(s, score * 10);
  int32_t b = RD(0xC0) & 15;
  s->terminal = b <= 0;
  s->lives = b;
}
static void alien_after_mode(GameState *s, GameRamReader rd, void *ctx, int32_t mode) {
  s->lives = RD(0xC0) & 15;
}
static const GameWrapper ALIEN = { .step = alien_step, .livesAtReset = 3, .afterMode = alien_after_mode };

static void amidar_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xD9, 0xDA, 0xDB));
  uint8_t b = RD(0xD6);
  s->terminal = b == 0x80;
  s->lives = b & 0xF;
}
static const GameWrapper AMIDAR = { .step = amidar_step, .livesAtReset = 3 };

static void assault_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x82, 0x81, 0x80));
  s->lives = RD(0xE5);
  s->terminal = s->lives == 0;
}
static const GameWrapper ASSAULT = { .step = assault_step, .livesAtReset = 4 };

static void asterix_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xE0, 0xDF, 0xDE));
  s->lives = RD(0xD3) & 0xF;
  /* Not lives == 0: on the last frame the player could restart the game with FIRE. */
  s->terminal = RD(0xC7) == 0x01 && s->lives == 1;
}
static const GameWrapper ASTERIX = { .step = asterix_step, .livesAtReset = 3 };

static void atlantis_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t old = s->score;
  score_to(s, 100 * dec3(rd, ctx, 0xA2, 0xA3, 0xA1));
  s->lives = RD(0xF1);
  s->terminal = s->lives == 0xFF;
  /* The ROM writes garbage into the score on the last frame; no score is possible there. */
  if (s->terminal) { s->reward = 0; s->score = old; }
}
static const GameWrapper ATLANTIS = { .step = atlantis_step, .livesAtReset = 6 };

static void atlantis2_step(GameState *s, GameRamReader rd, void *ctx) {
  s->lives = RD(0xF1);
  s->terminal = s->lives == 0xFF;
  if (s->terminal) s->reward = 0;
  else score_to(s, dec3(rd, ctx, 0xA1, 0xA2, 0xA3));
}
static const GameWrapper ATLANTIS2 = { .step = atlantis2_step, .livesAtReset = 0 };

static void backgammon_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Board: player pieces negative, computer pieces positive. The computer uses the board
   * as scratch space during its turn, so the counts are trusted only when both sides add up
   * to 15. The reward is set on the winning frame only, never cleared. */
  int32_t playerOut = -(int32_t)(int8_t)RD(0x80);
  int32_t computerOut = (int8_t)RD(0x8E);
  int32_t playerIn = 0, computerIn = 0;
  for (int a = 0x81; a <= 0x9B; a++) {
    if (a == 0x8E) continue;
    int32_t p = (int8_t)RD(a);
    if (p > 0) computerIn += p; else if (p < 0) playerIn -= p;
  }
  /* the reference sums into 8-bit counters */
  int8_t ci = (int8_t)computerIn, pi = (int8_t)playerIn, co = (int8_t)computerOut, po = (int8_t)playerOut;
  if (ci + co == 15 && pi + po == 15) {
    if (po == 15) { s->terminal = 1; s->reward = 1; }
    else if (co == 15) { s->terminal = 1; s->reward = -1; }
  }
}
static const GameWrapper BACKGAMMON = { .step = backgammon_step, .livesAtReset = NO_COUNTER };

static void bank_heist_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xDA, 0xD9, 0xD8));
  uint8_t death = RD(0xCE);
  s->lives = RD(0xD5);
  s->terminal = death == 0x01 && s->lives == 0;
}
static const GameWrapper BANK_HEIST = { .step = bank_heist_step, .livesAtReset = 5 };

static void basic_math_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, game_dec1(RD(0x84)));
  /* ten rounds; the final score screen shows a nonzero $86 */
  s->terminal = game_dec1(RD(0x86)) != 0;
}
static const GameWrapper BASIC_MATH = { .step = basic_math_step, .livesAtReset = NO_COUNTER };

static void battle_zone_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Digits with value 10 are blanks (leading zeros). */
  uint8_t v1 = RD(0x9D);
  int32_t l1 = v1 >> 4;
  if (l1 == 10) l1 = 0;
  uint8_t v2 = RD(0x9E);
  int32_t r2 = v2 & 15, l2 = v2 >> 4;
  if (r2 == 10) r2 = 0;
  if (l2 == 10) l2 = 0;
  score_to(s, 1000 * (l1 + 10 * r2 + 100 * l2));
  s->lives = RD(0xBA) & 0xF;
  s->terminal = s->lives == 0;
}
static const GameWrapper BATTLE_ZONE = { .step = battle_zone_step, .livesAtReset = 5 };

static void berzerk_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xDF, 0xDE, 0xDD));
  uint8_t b = RD(0xDA);
  s->terminal = b == 0xFF;
  s->lives = b + 1;
}
static const GameWrapper BERZERK = { .step = berzerk_step, .livesAtReset = 3 };

static void blackjack_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Out of chips: the score shows "0bbb". */
  uint8_t hi = RD(0x86), lo = RD(0x89);
  int bust = hi == 0x0B && lo == 0xBB;
  int32_t score = bust ? 0 : dec2(rd, ctx, 0x89, 0x86);
  score_to(s, score);
  s->terminal = bust || score >= 1000;
}
static const GameWrapper BLACKJACK = { .step = blackjack_step, .livesAtReset = NO_COUNTER };

static void bowling_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec2(rd, ctx, 0xA1, 0xA6));
  s->terminal = RD(0xA4) > 0x10;
}
static const GameWrapper BOWLING = { .step = bowling_step, .livesAtReset = NO_COUNTER, .lives = zero_lives };

static void boxing_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t me = game_dec1(RD(0x92)), them = game_dec1(RD(0x93));
  if (RD(0x92) == 0xC0) me = 100; /* knock-out */
  if (RD(0x93) == 0xC0) them = 100;
  score_to(s, me - them);
  if (me == 100 || them == 100) s->terminal = 1;
  else {
    int32_t minutes = RD(0x90) >> 4;
    int32_t seconds = (RD(0x91) & 0xF) + (RD(0x91) >> 4) * 10;
    s->terminal = minutes == 0 && seconds == 0;
  }
}
static const GameWrapper BOXING = { .step = boxing_step, .livesAtReset = NO_COUNTER, .lives = zero_lives };

static void carnival_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 10 * dec2(rd, ctx, 0xAE, 0xAD));
  s->terminal = RD(0x83) < 1;
}
static const GameWrapper CARNIVAL = {
  .step = carnival_step,
  .livesAtReset = NO_COUNTER,
  .lives = zero_lives,
};

static void casino_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = dec2(rd, ctx, 0x95, 0x8C);
  if (RD(0xD4) == 3) {
    /* Poker Solitaire: over once all cards are placed and the score awarded. */
    int finished = RD(0x9E) == 0xAA;
    s->reward = score - s->score;
    s->terminal = score > 0 && finished;
  } else {
    /* Blackjack / Stud Poker: the bank hands back 1000 chips when the game ends, so the
     * reward only counts while the player has control. */
    int inputDisabled = (RD(0xD3) & 0x80) != 0;
    if (!inputDisabled) s->reward = score - s->score;
    int32_t bet = game_dec1(RD(0x9E));
    s->terminal = score == 0 || (bet > 0 && inputDisabled);
  }
  s->score = score;
}
static const GameWrapper CASINO = { .step = casino_step, .livesAtReset = NO_COUNTER };

static void centipede_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xF6, 0xF5, 0xF4));
  if (s->reward < 0) s->reward = 0; /* the score is sometimes cleared before the end */
  s->lives = ((RD(0xED) >> 4) & 7) + 1;
  s->terminal = (RD(0xA6) & 0x40) != 0;
}
static const GameWrapper CENTIPEDE = { .step = centipede_step, .livesAtReset = 3 };

static void chopper_command_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 100 * dec2(rd, ctx, 0xEE, 0xEC));
  s->lives = RD(0xE4) & 0xF;
  s->last = s->lives == 0; /* raw terminal flag; counts only once the game has started */
  s->started |= RD(0xC2) & 1;
  s->terminal = s->started && s->last;
}
static const GameWrapper CHOPPER_COMMAND = { .step = chopper_command_step, .livesAtReset = 3 };

static void crossbow_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x8D, 0x8C, 0x8B));
  s->terminal = RD(0xE7) == 0x82; /* game-over screen */
}
static const GameWrapper CROSSBOW = { .step = crossbow_step, .livesAtReset = NO_COUNTER };

static void double_dunk_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t me = game_dec1(RD(0xF6)), them = game_dec1(RD(0xF7));
  score_to(s, me - them);
  s->terminal = (me >= 24 || them >= 24) && RD(0xFE) == 0xE7;
}
static const GameWrapper DOUBLE_DUNK = {
  .step = double_dunk_step,
  .livesAtReset = NO_COUNTER,
  .lives = zero_lives,
};

static void flag_capture_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, game_dec1(RD(0xEA)));
  s->terminal = game_dec1(RD(0xEB)) == 0; /* 75-second timer ran out */
}
static const GameWrapper FLAG_CAPTURE = { .step = flag_capture_step, .livesAtReset = NO_COUNTER };

static void gopher_step(GameState *s, GameRamReader rd, void *ctx) {
  static const uint8_t carrots[8] = {0, 1, 1, 2, 1, 2, 2, 3};
  score_to(s, dec3(rd, ctx, 0xB2, 0xB1, 0xB0));
  uint8_t bits = RD(0xB4) & 7;
  s->terminal = bits == 0;
  s->lives = carrots[bits];
}
static const GameWrapper GOPHER = { .step = gopher_step, .livesAtReset = 3 };

static void human_cannonball_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = game_dec1(RD(0xB6));
  score_to(s, score);
  int32_t misses = game_dec1(RD(0xB7));
  s->terminal = score == 7 || misses == 7;
}
static const GameWrapper HUMAN_CANNONBALL = { .step = human_cannonball_step, .livesAtReset = NO_COUNTER };

static void lost_luggage_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x96, 0x95, 0x94));
  s->lives = RD(0xCA);
  s->terminal = s->lives == 0 && RD(0xC8) == 0x0A && RD(0xA5) == 0x00 && RD(0xA9) == 0x00;
}
static const GameWrapper LOST_LUGGAGE = { .step = lost_luggage_step, .livesAtReset = 3 };

static void name_this_game_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xC6, 0xC5, 0xC4));
  s->lives = RD(0xC7) & 7;
  s->terminal = s->lives == 0;
}
static const GameWrapper NAME_THIS_GAME = { .step = name_this_game_step, .livesAtReset = 3 };

static void othello_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t white = game_dec1(RD(0xCE)), black = game_dec1(RD(0xD0));
  score_to(s, white - black);
  /* Turn indicator 0 = nobody to move; over once it stays so (the pieces finish flipping). */
  if (RD(0xC0) == 0) s->last++; else s->last = 0;
  s->terminal = s->last > 50;
}
static const GameWrapper OTHELLO = { .step = othello_step, .livesAtReset = NO_COUNTER };

static void wizard_of_wor_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = dec2(rd, ctx, 0x86, 0x88);
  if (score >= 8000) score -= 8000;
  score_to(s, score * 100);
  int32_t newLives = RD(0x8D) & 15;
  uint8_t b = RD(0xF4);
  int waiting = (RD(0xD7) & 1) == 0;
  s->terminal = newLives == 0 && b == 0xF8;
  /* The counter drops when the player enters the field; follow it only while waiting. */
  if (waiting) s->lives = newLives;
}
static const GameWrapper WIZARD_OF_WOR = { .step = wizard_of_wor_step, .livesAtReset = 3 };

static void darkchambers_step(GameState *s, GameRamReader rd, void *ctx) {
  /* last = level, aux[0] = health. A level going down or the score going down (overflow)
   * ends the game. */
  s->reward = 0;
  int32_t level = RD(0xD5);
  if (level < s->last) s->terminal = 1;
  else {
    s->last = level;
    int32_t score = 10 * dec2(rd, ctx, 0xCC, 0xCF);
    if (score < s->score) s->terminal = 1;
    else { s->reward = score - s->score; s->score = score; }
    s->aux[0] = RD(0xCA) & 0x1F; /* top bits hold items */
    if (s->aux[0] == 0) s->terminal = 1;
  }
}
static const GameWrapper DARKCHAMBERS = { .step = darkchambers_step, .livesAtReset = NO_COUNTER };

static void defender_step(GameState *s, GameRamReader rd, void *ctx) {
  /* six digits in the low nibbles of $9C..$A1; $A stands for a blank 0 */
  int32_t score = 0, mul = 1;
  for (int d = 0; d < 6; d++, mul *= 10) {
    int32_t v = RD(0x9C + d) & 0xF;
    if (v == 0xA) v = 0;
    score += v * mul;
  }
  score_to(s, score);
  s->lives = RD(0xC2);
  s->terminal = s->lives == 0;
}
static const GameWrapper DEFENDER = { .step = defender_step, .livesAtReset = 3 };

static void demon_attack_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = dec3(rd, ctx, 0x85, 0x83, 0x81);
  if (RD(0x81) == 0xAB && RD(0x83) == 0xCD && RD(0x85) == 0xEA) score = 0; /* uninitialised */
  score_to(s, score);
  int32_t shown = RD(0xF2);
  uint8_t flag = RD(0xF1);
  /* started = a mode change just happened: not a game over (set by game_after_mode) */
  s->terminal = shown == 0 && flag == 0xBD && !s->started;
  s->lives = shown + 1;
  s->started = 0;
}
/* the next frame is a level change, not a game over */
static void demon_attack_after_mode(GameState *s, GameRamReader rd, void *ctx, int32_t mode) {
  s->started = 1;
}
static const GameWrapper DEMON_ATTACK = {
  .step = demon_attack_step,
  .livesAtReset = 4,
  .afterMode = demon_attack_after_mode,
};

static void donkey_kong_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 100 * dec2(rd, ctx, 0x88, 0x87));
  s->lives = RD(0xA3);
  s->terminal = s->lives == 0 && RD(0x8F) == 0x03 && RD(0x8B) == 0x1F;
}
static const GameWrapper DONKEY_KONG = { .step = donkey_kong_step, .livesAtReset = 2 };

static void earthworld_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = game_dec1(RD(0xA7)); /* clue number */
  score_to(s, score);
  s->terminal = score == 10;
}
static const GameWrapper EARTHWORLD = { .step = earthworld_step, .livesAtReset = NO_COUNTER };

static void elevator_action_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x89, 0x88, 0x87));
  s->lives = RD(0x83);
  int startScreen = RD(0x81) == 0x00;
  s->terminal = s->lives == 0 && !startScreen;
}
static const GameWrapper ELEVATOR_ACTION = { .step = elevator_action_step, .livesAtReset = 4 };

static void entombed_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = RD(0xE3); /* plain binary */
  score_to(s, score);
  s->terminal = (RD(0xC7) & 3) == 0;
}
static const GameWrapper ENTOMBED = { .step = entombed_step, .livesAtReset = NO_COUNTER };

static void et_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xE1, 0xE0, 0xDF));
  s->lives = RD(0xE5) + 1;
  int32_t state = RD(0x80);
  s->terminal = s->lives == 0 && state == 8;
}
static const GameWrapper ET = { .step = et_step, .livesAtReset = 0 };

static void fishing_derby_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t me = game_dec1(RD(0xBD)), them = game_dec1(RD(0xBE));
  score_to(s, me - them);
  s->terminal = RD(0xBD) == 0x99 || RD(0xBE) == 0x99;
}
static const GameWrapper FISHING_DERBY = { .step = fishing_derby_step, .livesAtReset = NO_COUNTER };

static void frogger_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec2(rd, ctx, 0xCE, 0xCC));
  s->lives = RD(0xD0);
  s->terminal = RD(0xD0) == 0xFF;
}
static const GameWrapper FROGGER = { .step = frogger_step, .livesAtReset = 4 };

static void frostbite_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xCA, 0xC9, 0xC8));
  int32_t b = RD(0xCC) & 0xF;
  int32_t flag = RD(0xF1) & 0x80;
  s->terminal = b == 0 && flag != 0;
  s->lives = b + 1;
}
static const GameWrapper FROSTBITE = { .step = frostbite_step, .livesAtReset = 4 };

static void galaxian_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = dec3(rd, ctx, 0xAE, 0xAD, 0xAC);
  int32_t r = score - s->score;
  if (r < 0) r = (1000000 - s->score) + score; /* the score wrapped */
  s->reward = r; s->score = score;
  s->terminal = (RD(0xBF) & 0x80) != 0;
  s->lives = s->terminal ? 0 : RD(0xB9) + 1;
}
static const GameWrapper GALAXIAN = { .step = galaxian_step, .livesAtReset = 3 };

static void gravitar_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x89, 0x88, 0x87));
  int32_t screen = RD(0x81);
  s->terminal = screen == 0x01;
  s->lives = screen == 0 ? 6 : RD(0x84) + 1; /* start screen: 6 */
}
static void gravitar_after_mode(GameState *s, GameRamReader rd, void *ctx, int32_t mode) {
  s->lives = mode == 1 ? 15 : mode == 3 ? 100 : mode == 4 ? 25 : 6;
}
static const GameWrapper GRAVITAR = {
  .step = gravitar_step,
  .livesAtReset = 6,
  .afterMode = gravitar_after_mode,
};

static void hangman_step(GameState *s, GameRamReader rd, void *ctx) {
  /* score = player's words, aux[2] = computer's; aux[0..1] = last two game-timer values.
   * A word won or lost ends the episode; so does the timer wrapping from $FF to 0. */
  int32_t computer = game_dec1(RD(0xEC)), player = game_dec1(RD(0xEB));
  s->reward = (player - s->score) - (computer - s->aux[2]);
  s->aux[2] = computer;
  s->score = player;
  s->aux[1] = s->aux[0];
  s->aux[0] = RD(0xF1);
  int timedOut = s->aux[0] == 0 && s->aux[1] == 255;
  s->terminal = s->reward != 0 || timedOut;
}
static void hangman_reset(GameState *s, const GameState *before) { s->aux[0] = s->aux[1] = -1; }
static const GameWrapper HANGMAN = {
  .step = hangman_step,
  .livesAtReset = NO_COUNTER,
  .reset = hangman_reset,
};

static void haunted_house_step(GameState *s, GameRamReader rd, void *ctx) {
  /* last = matches used: -1 per match, +100 for escaping with the urn */
  s->reward = 0;
  int32_t matches = game_dec1(RD(0x82));
  if (matches != s->last) { s->reward--; s->last = matches; }
  s->lives = RD(0x96);
  int escaped = RD(0x99) == 0x44;
  if (escaped) s->reward += 100;
  s->terminal = s->lives == 0 || escaped;
}
static const GameWrapper HAUNTED_HOUSE = { .step = haunted_house_step, .livesAtReset = 9 };

static void hero_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xB9, 0xB8, 0xB7));
  s->lives = RD(0xB3);
  s->terminal = s->lives == 0;
}
static const GameWrapper HERO = { .step = hero_step, .livesAtReset = 4 };

static void ice_hockey_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t me = game_dec1(RD(0x8A)), them = game_dec1(RD(0x8B));
  int32_t score = me - them;
  int32_t r = score - s->score;
  s->reward = r < 1 ? r : 1;
  s->score = score;
  s->terminal = RD(0x87) == 0 && RD(0x86) == 0; /* clock ran out */
}
static const GameWrapper ICE_HOCKEY = { .step = ice_hockey_step, .livesAtReset = NO_COUNTER };

static void jamesbond_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xDC, 0xDD, 0xDE));
  int32_t b = RD(0x86) & 0xF;
  uint8_t screen = RD(0x8C);
  s->terminal = b == 0 && screen == 0x68; /* $8C = $68 on the death screen */
  s->lives = b + 1;
}
static const GameWrapper JAMESBOND = { .step = jamesbond_step, .livesAtReset = 6 };

static void journey_escape_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = dec3(rd, ctx, 0x92, 0x91, 0x90);
  int32_t r = score - s->score;
  if (r == 50000) r = 0; /* the starting cash is not a reward */
  s->reward = r; s->score = score;
  s->terminal = RD(0x95) == 0 && RD(0x96) == 0;
}
static const GameWrapper JOURNEY_ESCAPE = { .step = journey_escape_step, .livesAtReset = NO_COUNTER };

static void kaboom_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xA5, 0xA4, 0xA3));
  s->terminal = RD(0xA1) == 0 || s->score == 999999;
}
static const GameWrapper KABOOM = { .step = kaboom_step, .livesAtReset = NO_COUNTER };

static void kangaroo_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 100 * dec2(rd, ctx, 0xA8, 0xA7));
  uint8_t b = RD(0xAD);
  s->terminal = b == 0xFF;
  s->lives = (b & 7) + 1;
}
static const GameWrapper KANGAROO = { .step = kangaroo_step, .livesAtReset = 3 };

static void keystone_kapers_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec2(rd, ctx, 0x9C, 0x9B));
  s->lives = RD(0x96);
  s->terminal = s->lives == 0 && RD(0x88) == 0x00;
}
static const GameWrapper KEYSTONE_KAPERS = { .step = keystone_kapers_step, .livesAtReset = 3 };

static void king_kong_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec2(rd, ctx, 0x83, 0x82));
  s->lives = RD(0xEE);
  s->terminal = s->lives == 0;
}
static const GameWrapper KING_KONG = { .step = king_kong_step, .livesAtReset = 3 };

static void klax_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Score, misses and level live in the cartridge's extra RAM (read port $F080-$F0FF). */
  int32_t lo = game_dec1(MRD(0xF0B4)), mid = game_dec1(MRD(0xF0B5)), hi = game_dec1(MRD(0xF0B6));
  score_to(s, lo + 100 * mid + 10000 * hi);
  int32_t misses = MRD(0xF0EE), maxMisses = MRD(0xF0E9);
  int active = RD(0xA8) == 4;
  /* 25 blocks at $B3..$CB; types 0/2/6/10/14 are empty or bonus filler */
  int32_t blocks = 0;
  for (int i = 0; i < 25; i++) {
    uint8_t t = RD(0xB3 + i);
    if (t != 0 && t != 2 && t != 6 && t != 10 && t != 14) blocks++;
  }
  uint8_t level = MRD(0xF09D);
  s->terminal = (maxMisses > 0 && misses == maxMisses) || (active && blocks == 25) || level == 0x99;
}
static const GameWrapper KLAX = { .step = klax_step, .livesAtReset = NO_COUNTER };

static void koolaid_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 100 * dec2(rd, ctx, 0x81, 0x80));
  s->terminal = RD(0xD1) == 0x80;
}
static const GameWrapper KOOLAID = { .step = koolaid_step, .livesAtReset = NO_COUNTER };

static void krull_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x9E, 0x9D, 0x9C));
  int32_t l = RD(0x9F);
  uint8_t b1 = RD(0xA2), b2 = RD(0x80);
  s->terminal = l == 0 && b1 == 0x03 && b2 == 0x80;
  s->lives = (l & 7) + 1;
}
static const GameWrapper KRULL = { .step = krull_step, .livesAtReset = 3 };

static void kung_fu_master_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x9A, 0x99, 0x98));
  uint8_t b = RD(0x9D);
  s->terminal = b == 0xFF;
  s->lives = (b & 7) + 1;
}
static const GameWrapper KUNG_FU_MASTER = { .step = kung_fu_master_step, .livesAtReset = 4 };

static void laser_gates_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x82, 0x81, 0x80));
  s->terminal = RD(0x83) == 0x00;
}
static const GameWrapper LASER_GATES = { .step = laser_gates_step, .livesAtReset = NO_COUNTER };

static void mario_bros_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 100 * dec2(rd, ctx, 0x8A, 0x89));
  s->lives = RD(0x87);
  s->terminal = s->lives == 0;
}
static const GameWrapper MARIO_BROS = { .step = mario_bros_step, .livesAtReset = 0 };

static void miniature_golf_step(GameState *s, GameRamReader rd, void *ctx) {
  /* The reward is par minus strokes, given when a hole is finished. State: last = hole,
   * aux[0] = par, aux[1] = strokes carried over after the 99 wrap, aux[2] = stroke counter
   * as last shown, score = strokes at the start of the hole. */
  s->reward = 0;
  int32_t left = game_dec1(RD(0x87)), right = game_dec1(RD(0x88)), hole = game_dec1(RD(0xAF));
  if (hole != s->last) {
    int32_t total = s->aux[2] + s->aux[1];
    int32_t strokes = total - s->score;
    if (strokes > 0) s->reward = s->aux[0] - strokes;
    if (hole == 0) s->terminal = 1;
    s->last = hole;
    s->aux[1] = 0;
    s->score = s->aux[2];
  }
  if (right != 0) s->aux[0] = right; /* between holes the right display shows the par */
  else {
    if (left < s->aux[2]) s->aux[1] += s->aux[2]; /* stroke counter wrapped after 99 */
    s->aux[2] = left;
  }
}
static const GameWrapper MINIATURE_GOLF = { .step = miniature_golf_step, .livesAtReset = NO_COUNTER };

static void montezuma_revenge_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x95, 0x94, 0x93));
  int32_t l = RD(0xBA);
  uint8_t b = RD(0xFE);
  s->terminal = l == 0 && b == 0x60;
  s->lives = (l & 7) + 1;
}
static const GameWrapper MONTEZUMA_REVENGE = { .step = montezuma_revenge_step, .livesAtReset = 6 };

static void mr_do_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 10 * dec2(rd, ctx, 0x82, 0x83));
  s->lives = RD(0xDB);
  s->terminal = RD(0xDA) == 0x40;
}
static const GameWrapper MR_DO = { .step = mr_do_step, .livesAtReset = 4 };

static void pacman_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xCC, 0xCE, 0xD0));
  s->lives = RD(0x98) + 1;
  uint8_t anim = RD(0xE4);
  s->terminal = s->lives == 1 && anim == 0x3F;
}
static const GameWrapper PACMAN = { .step = pacman_step, .livesAtReset = 4 };

static void phoenix_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = 10 * dec2(rd, ctx, 0xC8, 0xC9) + (RD(0xC7) >> 4);
  score_to(s, 10 * score);
  s->terminal = RD(0xCC) == 0x80;
  s->lives = RD(0xCB) & 7;
}
static const GameWrapper PHOENIX = { .step = phoenix_step, .livesAtReset = 5 };

static void pitfall_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xD7, 0xD6, 0xD5));
  int32_t lb = RD(0x80) >> 4;
  int32_t logo = RD(0x9E); /* nonzero while the player has no control */
  s->terminal = lb == 0 && logo != 0;
  s->lives = lb == 0xA ? 3 : lb == 0x8 ? 2 : 1;
}
static const GameWrapper PITFALL = { .step = pitfall_step, .livesAtReset = 3, .scoreAtReset = 2000 };

static void pitfall2_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xC9, 0xC8, 0xC7));
  s->lives = 1;
  s->terminal = s->score == 199000;
}
static const GameWrapper PITFALL2 = { .step = pitfall2_step, .livesAtReset = 1, .scoreAtReset = 4000 };

static void pooyan_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x8A, 0x89, 0x88));
  int32_t lb = RD(0x96);
  uint8_t b = RD(0x98);
  s->terminal = lb == 0 && b == 0x05;
  s->lives = (lb & 7) + 1;
}
static const GameWrapper POOYAN = { .step = pooyan_step, .livesAtReset = 3 };

static void private_eye_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xCA, 0xC9, 0xC8));
  uint8_t t = RD(0xC2); /* copyright timer: 0 running, 1 at the start */
  s->terminal = t != 0x00 && t != 0x01;
}
static const GameWrapper PRIVATE_EYE = {
  .step = private_eye_step,
  .livesAtReset = NO_COUNTER,
  .scoreAtReset = 1000,
};

static void riverraid_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Digits are stored as graphics offsets (digit * 8); last = previous lives byte. */
  static const uint8_t addr[6] = {0xD7, 0xD5, 0xD3, 0xD1, 0xCF, 0xCD};
  int32_t score = 0, mul = 1;
  for (int i = 0; i < 6; i++, mul *= 10) {
    uint8_t v = RD(addr[i]);
    int32_t d = (v % 8 == 0 && v <= 72) ? v / 8 : 0;
    score += mul * d;
  }
  score_to(s, score);
  uint8_t b = RD(0xC0);
  s->terminal = b == 0x58 && s->last == 0x59;
  s->last = b;
}
/* $58 before the ship first appears */
static void riverraid_reset(GameState *s, const GameState *before) { s->last = 0x58; }
static int32_t riverraid_lives(const GameState *s) {
  if (s->terminal) return 0;
  return s->last == 0x58 ? 4 : s->last == 0x59 ? 1 : s->last / 8 + 1;   /* $59 = last life */
}
static const GameWrapper RIVERRAID = {
  .step = riverraid_step,
  .livesAtReset = NO_COUNTER,
  .reset = riverraid_reset,
  .lives = riverraid_lives,
};

static void road_runner_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = 0, mul = 1;
  for (int d = 0; d < 4; d++, mul *= 10) {
    int32_t v = RD(0xC9 + d) & 0xF;
    if (v == 0xA) v = 0;
    score += mul * v;
  }
  score_to(s, 100 * score);
  int32_t lb = RD(0xC4) & 7;
  int32_t yVel = RD(0xB9), xVelDeath = RD(0xBD);
  s->terminal = lb == 0 && (yVel != 0 || xVelDeath != 0);
  s->lives = lb + 1;
}
static const GameWrapper ROAD_RUNNER = { .step = road_runner_step, .livesAtReset = 3 };

static void robotank_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t squadrons = RD(0xB6), tanks = RD(0xB5);
  score_to(s, squadrons * 12 + tanks);
  uint8_t flag = RD(0xB4);
  int32_t l = RD(0xA8);
  s->terminal = l == 0 && flag == 0xFF;
  s->lives = (l & 0xF) + 1;
}
static const GameWrapper ROBOTANK = { .step = robotank_step, .livesAtReset = 4 };

static void sir_lancelot_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xA0, 0x9F, 0x9E));
  s->lives = RD(0xA9);
  s->terminal = s->lives == 0 && RD(0xA7) == 0xA0;
}
static const GameWrapper SIR_LANCELOT = { .step = sir_lancelot_step, .livesAtReset = 3 };

static void skiing_step(GameState *s, GameRamReader rd, void *ctx) {
  /* time in centiseconds; the reward is minus the time spent */
  int32_t centis = dec2(rd, ctx, 0xEA, 0xE9);
  int32_t minutes = RD(0xE8);
  int32_t score = minutes * 6000 + centis;
  s->reward = s->score - score;
  s->score = score;
  s->terminal = RD(0x91) == 0xFF;
}
static const GameWrapper SKIING = { .step = skiing_step, .livesAtReset = NO_COUNTER };

static void solaris_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 10 * dec3(rd, ctx, 0xDC, 0xDD, 0xDE));
  int32_t lb = RD(0xD9);
  s->terminal = lb == 0;
  s->lives = lb & 0xF;
}
static const GameWrapper SOLARIS = { .step = solaris_step, .livesAtReset = 3 };

static void space_war_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = game_dec1(RD(0xA7));
  score_to(s, score);
  int32_t timer = RD(0x80); /* counts up to $00 after ten minutes */
  s->terminal = score == 10 || timer == 0;
}
static const GameWrapper SPACE_WAR = { .step = space_war_step, .livesAtReset = NO_COUNTER };

static void star_gunner_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = 0, mul = 1;
  for (int d = 0; d < 4; d++, mul *= 10) {
    int32_t v = RD(0x83 + d) & 0x0F;
    if (v == 10) v = 0;
    score += mul * v;
  }
  score_to(s, 100 * score);
  int32_t lb = RD(0x87);
  s->terminal = lb == 0;
  s->started |= lb == 0x05; /* before the game starts the byte reads 6 */
  s->lives = s->started ? (lb & 0xF) : 5;
}
static const GameWrapper STAR_GUNNER = { .step = star_gunner_step, .livesAtReset = 5 };

static void superman_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t seconds = game_dec1(RD(0xE2)), minutes = game_dec1(RD(0xE3));
  int32_t t = minutes * 60 + seconds;
  int32_t room = RD(0x80) + (RD(0x81) << 8);
  int clark = (RD(0x9F) & 0x40) != 0;
  /* Over when Clark Kent enters the Daily Bugle; the faster the better. */
  s->terminal = clark && room == 0xF2AC;
  s->reward = s->terminal ? (99 * 60 + 59) - t : 0;
}
static const GameWrapper SUPERMAN = { .step = superman_step, .livesAtReset = NO_COUNTER };

static void surround_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t theirs = game_dec1(RD(0xF6)), mine = game_dec1(RD(0xF7));
  score_to(s, mine - theirs);
  s->terminal = theirs == 10 || mine == 10;
}
static const GameWrapper SURROUND = { .step = surround_step, .livesAtReset = NO_COUNTER };

static void tennis_step(GameState *s, GameRamReader rd, void *ctx) {
  /* last = previous game difference, aux[0] = previous point difference: a won or lost
   * game gives +-1, otherwise a won or lost point does. */
  int32_t myScore = RD(0xC5), theirScore = RD(0xC6), myPoints = RD(0xC7), theirPoints = RD(0xC8);
  int32_t dScore = myScore - theirScore, dPoints = myPoints - theirPoints;
  if (s->last != dPoints) s->reward = dPoints - s->last;
  else if (s->aux[0] != dScore) s->reward = dScore - s->aux[0];
  else s->reward = 0;
  s->last = dPoints;
  s->aux[0] = dScore;
  s->terminal = (myPoints >= 6 && dPoints >= 2) || (theirPoints >= 6 && -dPoints >= 2) ||
                myPoints == 7 || theirPoints == 7;
}
static const GameWrapper TENNIS = { .step = tennis_step, .livesAtReset = NO_COUNTER };

static void tetris_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = dec2(rd, ctx, 0xF1, 0xF2);
  s->reward = score > s->score ? score - s->score : 0;
  s->score = score;
  if (!s->started) s->started = 1;
  s->terminal = s->started && (RD(0xF3) & 0x80);
  if (s->terminal) { s->score = 0; s->started = 0; }
}
static const GameWrapper TETRIS = { .step = tetris_step, .livesAtReset = 0 };

static void tic_tac_toe_3d_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Game over pushes return address $F310 on the stack ($FE/$FF); $E1 = winner. A full
   * board (no empty cell in $9A..$D9) is a draw. Terminal stays set. */
  s->reward = 0;
  uint8_t lo = RD(0xFE), hi = RD(0xFF), winner = RD(0xE1);
  if (hi == 0xF3 && lo == 0x10) {
    s->reward = winner == 0x08 ? 1 : -1;
    s->terminal = 1;
  }
  int full = 1;
  for (int a = 0x9A; a <= 0xD9; a++) if (RD(a) == 0) { full = 0; break; }
  if (full) s->terminal = 1;
}
static const GameWrapper TIC_TAC_TOE_3D = { .step = tic_tac_toe_3d_step, .livesAtReset = NO_COUNTER };

static void time_pilot_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 100 * dec2(rd, ctx, 0x8D, 0x8F));
  int32_t lb = RD(0x8B) & 7;
  int32_t screen = RD(0x80) & 0xF;
  s->terminal = RD(0xA0) != 0;
  if (screen == 2) s->lives = lb + 1; /* only while flying */
}
static const GameWrapper TIME_PILOT = { .step = time_pilot_step, .livesAtReset = 5 };

static void trondead_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xBF, 0xBE, 0xBD));
  int32_t hits = RD(0xC8);
  s->terminal = hits == 5;
  s->lives = 5 - hits;
}
static const GameWrapper TRONDEAD = { .step = trondead_step, .livesAtReset = 5 };

static void turmoil_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t score = dec2(rd, ctx, 0x89, 0x8A) + RD(0xD3);
  score_to(s, 10 * score);
  int32_t lb = RD(0xB9);
  s->terminal = lb == 0 && RD(0xC5) == 0x01;
  s->lives = lb;
}
static const GameWrapper TURMOIL = { .step = turmoil_step, .livesAtReset = 4 };

static void tutankham_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec2(rd, ctx, 0x9C, 0x9A));
  int32_t lb = RD(0x9E);
  uint8_t b = RD(0x81); /* $84 after power-on, until the game starts */
  s->terminal = lb == 0 && b != 0x84;
  s->lives = lb & 3;
}
static const GameWrapper TUTANKHAM = { .step = tutankham_step, .livesAtReset = 3 };

static void up_n_down_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0x82, 0x81, 0x80));
  int32_t lb = RD(0x86) & 0xF;
  int32_t death = RD(0x94);
  s->terminal = death > 0x40 && lb == 0;
  s->lives = lb + 1;
}
static const GameWrapper UP_N_DOWN = { .step = up_n_down_step, .livesAtReset = 5 };

static void venture_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 100 * dec2(rd, ctx, 0xC8, 0xC7));
  int32_t lb = RD(0xC6);
  uint8_t audio = RD(0xCD), death = RD(0xBF);
  s->terminal = lb == 0 && audio == 0xFF && (death & 0x80);
  s->lives = (lb & 7) + 1;
}
static const GameWrapper VENTURE = { .step = venture_step, .livesAtReset = 4 };

static void video_checkers_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Count pieces on the 32 dark squares; aux[2] = reverse checkers (set by the mode). */
  static const uint8_t ranges[4][2] = {{0x80, 0x87}, {0x89, 0x90}, {0x92, 0x99}, {0x9B, 0xA2}};
  int black = 0, white = 0;
  for (int r = 0; r < 4; r++)
    for (int a = ranges[r][0]; a <= ranges[r][1]; a++) {
      uint8_t st = RD(a);
      if (st == 0x10 || st == 0x20) black++;
      else if (st == 0x90 || st == 0xA0) white++;
    }
  if (black == 0) { s->reward = s->aux[2] ? 1 : -1; s->terminal = 1; }
  else if (white == 0) { s->reward = s->aux[2] ? -1 : 1; s->terminal = 1; }
}
/* Reverse checkers: modes 11..19 are stored as 17..25. */
static int32_t video_checkers_mode_value(int32_t mode) { return mode >= 11 ? mode + 6 : mode; }
static void video_checkers_after_mode(GameState *s, GameRamReader rd, void *ctx, int32_t mode) {
  s->aux[2] = mode >= 11;
}
static const GameWrapper VIDEO_CHECKERS = {
  .step = video_checkers_step,
  .livesAtReset = NO_COUNTER,
  .modeValue = video_checkers_mode_value,
  .afterMode = video_checkers_after_mode,
};

static void video_chess_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Only look while it is white's turn: the computer plays moves out while searching. */
  s->reward = 0;
  if (RD(0xE1) == 0x82) {
    uint8_t mate = RD(0xEE);
    if (mate == 0x00) { s->reward = 1; s->terminal = 1; }
    else if (mate == 0x01) { s->reward = -1; s->terminal = 1; }
  }
}
static const GameWrapper VIDEO_CHESS = { .step = video_chess_step, .livesAtReset = 1 };

static void video_cube_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Reward = change in the number of solved faces ($A0.., 6 faces of 9); -1 and over when
   * the idle timer ($DB) wraps from $FF to 0 (aux[0..1] = last two timer values); last =
   * solved faces. */
  (void)dec3(rd, ctx, 0xDF, 0xE0, 0xE1); /* turns taken: read but unused, like the reference */
  int32_t complete = 0;
  uint8_t addr = 0xA0;
  for (int f = 0; f < 6; f++, addr += 9) {
    uint8_t first = RD(addr);
    int all = 1;
    for (int b = 1; b < 9; b++) { all = RD(addr + b) == first; if (!all) break; }
    if (all) complete++;
  }
  s->aux[1] = s->aux[0];
  s->aux[0] = RD(0xDB);
  int timedOut = s->aux[0] == 0 && s->aux[1] == 255;
  s->reward = timedOut ? -1 : complete - s->last;
  s->last = complete;
  s->terminal = timedOut || complete == 6;
}
/* The reference's wrapper keeps its last two timer values across resets. */
static void video_cube_reset(GameState *s, const GameState *before) {
  s->aux[0] = before->aux[0]; s->aux[1] = before->aux[1]; s->aux[2] = 1;
}
static const GameWrapper VIDEO_CUBE = {
  .step = video_cube_step,
  .livesAtReset = NO_COUNTER,
  .reset = video_cube_reset,
};

static void video_pinball_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xB0, 0xB2, 0xB4));
  s->terminal = (RD(0xAF) & 1) != 0;
  int32_t ball = RD(0x99) & 7;    /* ball number: #1 = 3 lives */
  int32_t extra = RD(0xA8) & 1;
  s->lives = 4 + extra - ball;
}
static const GameWrapper VIDEO_PINBALL = { .step = video_pinball_step, .livesAtReset = 3 };

static void word_zapper_step(GameState *s, GameRamReader rd, void *ctx) {
  int32_t clock = game_dec1(RD(0xCF));
  if (clock > 0) { /* the state is only valid while the wall clock runs */
    int32_t score = 2 - (int32_t)(int8_t)RD(0xDC); /* rounds left wraps to $FF */
    score_to(s, score);
    int32_t left = game_dec1(RD(0xDE));
    s->terminal = score == 3 || left == 0;
  }
}
static const GameWrapper WORD_ZAPPER = { .step = word_zapper_step, .livesAtReset = NO_COUNTER };

static void yars_revenge_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, dec3(rd, ctx, 0xE2, 0xE1, 0xE0));
  int32_t lb = RD(0x9E) >> 4;
  s->terminal = lb == 0;
  s->lives = lb;
}
static const GameWrapper YARS_REVENGE = { .step = yars_revenge_step, .livesAtReset = 4 };

static void zaxxon_step(GameState *s, GameRamReader rd, void *ctx) {
  score_to(s, 100 * dec2(rd, ctx, 0xE9, 0xE8));
  int32_t lb = RD(0xEA) & 7;
  s->terminal = lb == 0;
  s->lives = lb;
}
static const GameWrapper ZAXXON = { .step = zaxxon_step, .livesAtReset = 5 };

static void crazy_climber_step(GameState *s, GameRamReader rd, void *ctx) {
  /* one digit per byte, $82 = units */
  int32_t score = RD(0x82) + 10 * RD(0x83) + 100 * RD(0x84) + 1000 * RD(0x85);
  score *= 100;
  int32_t r = score - s->score;
  s->reward = r < 0 ? 0 : r;
  s->score = score;
  s->lives = RD(0xAA);
  s->terminal = s->lives == 0;
}
static const GameWrapper CRAZY_CLIMBER = { .step = crazy_climber_step, .livesAtReset = 5 };

static void arcade_catch_step(GameState *s, GameRamReader rd, void *ctx) {
  /* Arcade Lab's own games: BCD score at $80, lives at $81, $82 != 0 once lost or won. */
  score_to(s, game_dec1(RD(0x80)));
  s->lives = RD(0x81);
  s->terminal = RD(0x82) != 0;
}
static const GameWrapper ARCADE_CATCH = { .step = arcade_catch_step, .livesAtReset = NO_COUNTER };

/* GAME_WRAPPER_NONE: no reward function (reward 0, never terminal). */
static const GameWrapper NO_WRAPPER = { .livesAtReset = NO_COUNTER };

static const GameWrapper *const WRAPPERS[GAME_WRAPPER_COUNT] = {
  [GAME_WRAPPER_NONE] = &NO_WRAPPER,
#define WRAPPER_ROW(n) [GAME_WRAPPER_##n] = &n,
  GAME_WRAPPER_LIST(WRAPPER_ROW)
#undef WRAPPER_ROW
};

static const GameWrapper *wrapper_of(uint8_t id) {
  return id < GAME_WRAPPER_COUNT ? WRAPPERS[id] : &NO_WRAPPER;
}

/* ---- the table's interface --------------------------------------------------------------- */

static int md5_eq(const char *a, const char *b) {
  for (int i = 0; i < 32; i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'F') x = (char)(x - 'A' + 'a');
    if (x != y) return 0;
  }
  return 1;
}

const GameProps *game_find_md5(const char *md5hex) {
  for (uint32_t i = 0; i < GAME_TABLE_COUNT; i++)
    if (md5_eq(md5hex, GAME_TABLE[i].md5)) return &GAME_TABLE[i];
  return 0;
}

void game_state_reset(uint8_t wrapper, GameState *s) {
  const GameWrapper *w = wrapper_of(wrapper);
  GameState before = *s;
  s->reward = 0; s->score = w->scoreAtReset; s->terminal = 0; s->started = 0; s->last = 0;
  s->lives = w->livesAtReset;
  s->aux[0] = s->aux[1] = s->aux[2] = 0;
  s->livesBase = 1;
  if (w->reset) w->reset(s, &before);
}

void game_step(uint8_t wrapper, GameState *s, GameRamReader rd, void *ctx) {
  const GameWrapper *w = wrapper_of(wrapper);
  if (w->step) w->step(s, rd, ctx);
}

int32_t game_lives(uint8_t wrapper, const GameState *s) {
  const GameWrapper *w = wrapper_of(wrapper);
  if (w->lives) return w->lives(s);
  /* Without a counter of its own a wrapper reports the reference's base default: 1 while
   * running. Either way 0 once the game is over. */
  if (game_terminal(wrapper, s)) return 0;
  return s->lives < 0 ? s->livesBase : s->lives;
}

bool game_terminal(uint8_t wrapper, const GameState *s) { return s->terminal != 0; }

int32_t game_mode_value(uint8_t wrapper, int32_t mode) {
  const GameWrapper *w = wrapper_of(wrapper);
  return w->modeValue ? w->modeValue(mode) : mode;
}

void game_after_mode(uint8_t wrapper, GameState *s, GameRamReader rd, void *ctx, int32_t mode) {
  const GameWrapper *w = wrapper_of(wrapper);
  if (w->afterMode) w->afterMode(s, rd, ctx, mode);
}
