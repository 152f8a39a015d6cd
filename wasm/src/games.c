/* Reward / lives / terminal logic of the game wrappers (ALE_FACTS 11-12). Each wrapper is a
 * few lines over RAM reads; everything else about a game is data in games_data.c. To add a
 * game: give it a GameWrapperId, a case in each switch below, and its id in the generator's
 * overlay (tools/gen-game-table.mjs). */
#include "games.h"

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
  /* Video Cube's wrapper keeps its last two timer values across resets. */
  int32_t keep0 = s->aux[0], keep1 = s->aux[1];
  s->reward = 0; s->score = 0; s->terminal = 0; s->started = 0; s->last = 0; s->lives = -1;
  s->aux[0] = s->aux[1] = s->aux[2] = 0;
  s->livesBase = 1;
  switch (wrapper) {
    case GAME_WRAPPER_DEFENDER: case GAME_WRAPPER_GALAXIAN: s->lives = 3; break;
    case GAME_WRAPPER_DEMON_ATTACK: case GAME_WRAPPER_ELEVATOR_ACTION: case GAME_WRAPPER_FROGGER:
    case GAME_WRAPPER_FROSTBITE:
      s->lives = 4; break;
    case GAME_WRAPPER_DONKEY_KONG: s->lives = 2; break;
    case GAME_WRAPPER_ET: s->lives = 0; break;
    case GAME_WRAPPER_GRAVITAR: s->lives = 6; break;
    case GAME_WRAPPER_HAUNTED_HOUSE: s->lives = 9; break;
    case GAME_WRAPPER_HANGMAN: s->aux[0] = s->aux[1] = -1; break;
    case GAME_WRAPPER_HERO: case GAME_WRAPPER_KUNG_FU_MASTER: case GAME_WRAPPER_MR_DO:
    case GAME_WRAPPER_PACMAN:
      s->lives = 4; break;
    case GAME_WRAPPER_JAMESBOND: case GAME_WRAPPER_MONTEZUMA_REVENGE: s->lives = 6; break;
    case GAME_WRAPPER_KANGAROO: case GAME_WRAPPER_KEYSTONE_KAPERS: case GAME_WRAPPER_KING_KONG:
    case GAME_WRAPPER_KRULL:
      s->lives = 3; break;
    case GAME_WRAPPER_MARIO_BROS: case GAME_WRAPPER_TETRIS: s->lives = 0; break;
    case GAME_WRAPPER_PHOENIX: case GAME_WRAPPER_STAR_GUNNER: case GAME_WRAPPER_TIME_PILOT:
    case GAME_WRAPPER_TRONDEAD: case GAME_WRAPPER_UP_N_DOWN: case GAME_WRAPPER_ZAXXON:
      s->lives = 5; break;
    case GAME_WRAPPER_PITFALL: s->lives = 3; s->score = 2000; break;
    case GAME_WRAPPER_PITFALL2: s->lives = 1; s->score = 4000; break;
    case GAME_WRAPPER_POOYAN: case GAME_WRAPPER_ROAD_RUNNER: case GAME_WRAPPER_SIR_LANCELOT:
    case GAME_WRAPPER_SOLARIS: case GAME_WRAPPER_TUTANKHAM: case GAME_WRAPPER_VIDEO_PINBALL:
      s->lives = 3; break;
    case GAME_WRAPPER_ROBOTANK: case GAME_WRAPPER_TURMOIL: case GAME_WRAPPER_VENTURE:
    case GAME_WRAPPER_YARS_REVENGE:
      s->lives = 4; break;
    case GAME_WRAPPER_PRIVATE_EYE: s->score = 1000; break;
    case GAME_WRAPPER_CRAZY_CLIMBER: s->lives = 5; break;
    case GAME_WRAPPER_RIVERRAID: s->last = 0x58; break;
    case GAME_WRAPPER_VIDEO_CHESS: s->lives = 1; break;
    case GAME_WRAPPER_VIDEO_CUBE: s->aux[0] = keep0; s->aux[1] = keep1; s->aux[2] = 1; break;
    case GAME_WRAPPER_ALIEN: case GAME_WRAPPER_AMIDAR: case GAME_WRAPPER_ASTERIX:
    case GAME_WRAPPER_BERZERK: case GAME_WRAPPER_CENTIPEDE: case GAME_WRAPPER_CHOPPER_COMMAND:
    case GAME_WRAPPER_GOPHER: case GAME_WRAPPER_LOST_LUGGAGE: case GAME_WRAPPER_NAME_THIS_GAME:
    case GAME_WRAPPER_WIZARD_OF_WOR:
      s->lives = 3; break;
    case GAME_WRAPPER_ASSAULT: s->lives = 4; break;
    case GAME_WRAPPER_BANK_HEIST: case GAME_WRAPPER_BATTLE_ZONE: s->lives = 5; break;
    case GAME_WRAPPER_ATLANTIS: s->lives = 6; break;
    case GAME_WRAPPER_ATLANTIS2: s->lives = 0; break;
    case GAME_WRAPPER_BREAKOUT: s->lives = 5; break;
    case GAME_WRAPPER_SPACE_INVADERS: s->lives = 3; break;
    case GAME_WRAPPER_SEAQUEST: s->lives = 4; break;
    case GAME_WRAPPER_MS_PACMAN: s->lives = 3; break;
    case GAME_WRAPPER_BEAM_RIDER: s->lives = 3; break;
    case GAME_WRAPPER_ASTEROIDS: s->lives = 4; break;
    case GAME_WRAPPER_QBERT: s->lives = 4; s->last = 2; break; /* "anything but $FF" */
    default: break;
  }
}

/* Score-delta helper: reward = new - old, remember new. */
static void score_to(GameState *s, int32_t score) { s->reward = score - s->score; s->score = score; }

void game_step(uint8_t wrapper, GameState *s, GameRamReader rd, void *ctx) {
  switch (wrapper) {
    case GAME_WRAPPER_PONG: {
      int32_t cpu = RD(0x8D), player = RD(0x8E);
      score_to(s, player - cpu);
      s->terminal = (cpu == 21 || player == 21);
      break;
    }
    case GAME_WRAPPER_BREAKOUT: {
      int32_t x = RD(0xCD), y = RD(0xCC);
      score_to(s, (x & 15) + 10 * ((x >> 4) & 15) + 100 * (y & 15));
      int32_t lives = RD(0xB9);
      if (!s->started && lives == 5) s->started = 1;
      s->terminal = s->started && lives == 0;
      s->lives = lives;
      break;
    }
    case GAME_WRAPPER_SPACE_INVADERS: {
      int32_t score = dec2(rd, ctx, 0xE8, 0xE6);
      int32_t r = score - s->score;
      /* The score counter wraps at 10000; a drop means it wrapped, not a loss. */
      if (r < 0) r = (10000 - s->score) + score;
      s->reward = r; s->score = score;
      s->lives = RD(0xC9);
      s->terminal = (RD(0x98) & 0x80) != 0 || s->lives == 0;
      break;
    }
    case GAME_WRAPPER_FREEWAY: {
      int32_t score = game_dec1(RD(0xE7));
      int32_t r = score - s->score;
      if (r < 0) r = 0;
      if (r > 1) r = 1;
      s->reward = r; s->score = score;
      s->terminal = RD(0x96) == 1;
      break;
    }
    case GAME_WRAPPER_SEAQUEST: {
      score_to(s, dec3(rd, ctx, 0xBA, 0xB9, 0xB8));
      s->terminal = RD(0xA3) != 0;
      s->lives = RD(0xBB) + 1;
      break;
    }
    case GAME_WRAPPER_MS_PACMAN: {
      score_to(s, dec3(rd, ctx, 0xF8, 0xF9, 0xFA));
      int32_t livesByte = RD(0xFB) & 15;
      int32_t deathTimer = RD(0xA7);
      s->terminal = livesByte == 0 && deathTimer == 0x53;
      s->lives = (livesByte & 7) + 1;
      break;
    }
    case GAME_WRAPPER_BEAM_RIDER: {
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
      break;
    }
    case GAME_WRAPPER_ASTEROIDS: {
      int32_t score = 10 * dec2(rd, ctx, 0xBE, 0xBD);
      int32_t r = score - s->score;
      if (r < 0) r += 100000; /* score wrapped */
      s->reward = r; s->score = score;
      int32_t b = RD(0xBC);
      s->lives = b >> 4;
      s->terminal = s->lives == 0;
      break;
    }
    case GAME_WRAPPER_ENDURO: {
      int32_t score = 0;
      int32_t level = RD(0xAD);
      if (level != 0) {
        int32_t cars = dec2(rd, ctx, 0xAB, 0xAC);
        int32_t passed = (level == 1 ? 200 : 300) - cars;
        score = passed + (level >= 2 ? 200 + 300 * (level - 2) : 0);
      }
      score_to(s, score);
      s->terminal = RD(0xAF) == 0xFF;
      break;
    }
    case GAME_WRAPPER_QBERT: {
      int32_t v = RD(0x88);
      s->terminal = v == 0xFE || (v == 0x02 && s->last == -1);
      int32_t sv = (int32_t)(int8_t)(uint8_t)v;
      if (s->last - 1 == sv) s->lives--;
      s->last = sv;
      /* The ROM clears the score when the game restarts on terminal frames: ignore it. */
      if (!s->terminal) score_to(s, dec3(rd, ctx, 0xDB, 0xDA, 0xD9));
      else s->reward = 0;
      break;
    }

    case GAME_WRAPPER_ADVENTURE: {
      /* The reward is only ever set (to 1, on the winning frame), never cleared. */
      uint8_t chalice = RD(0xB9) == 0x12;
      if (chalice) s->reward = 1;
      s->terminal = RD(0xE0) == 2 || chalice;
      break;
    }
    case GAME_WRAPPER_AIR_RAID:
      score_to(s, dec3(rd, ctx, 0xAA, 0xA9, 0xA8));
      s->terminal = RD(0xA7) == 0xFF;
      break;
    case GAME_WRAPPER_ALIEN: {
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
      break;
    }
    case GAME_WRAPPER_AMIDAR: {
      score_to(s, dec3(rd, ctx, 0xD9, 0xDA, 0xDB));
      uint8_t b = RD(0xD6);
      s->terminal = b == 0x80;
      s->lives = b & 0xF;
      break;
    }
    case GAME_WRAPPER_ASSAULT:
      score_to(s, dec3(rd, ctx, 0x82, 0x81, 0x80));
      s->lives = RD(0xE5);
      s->terminal = s->lives == 0;
      break;
    case GAME_WRAPPER_ASTERIX: {
      score_to(s, dec3(rd, ctx, 0xE0, 0xDF, 0xDE));
      s->lives = RD(0xD3) & 0xF;
      /* Not lives == 0: on the last frame the player could restart the game with FIRE. */
      s->terminal = RD(0xC7) == 0x01 && s->lives == 1;
      break;
    }
    case GAME_WRAPPER_ATLANTIS: {
      int32_t old = s->score;
      score_to(s, 100 * dec3(rd, ctx, 0xA2, 0xA3, 0xA1));
      s->lives = RD(0xF1);
      s->terminal = s->lives == 0xFF;
      /* The ROM writes garbage into the score on the last frame; no score is possible there. */
      if (s->terminal) { s->reward = 0; s->score = old; }
      break;
    }
    case GAME_WRAPPER_ATLANTIS2:
      s->lives = RD(0xF1);
      s->terminal = s->lives == 0xFF;
      if (s->terminal) s->reward = 0;
      else score_to(s, dec3(rd, ctx, 0xA1, 0xA2, 0xA3));
      break;
    case GAME_WRAPPER_BACKGAMMON: {
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
      break;
    }
    case GAME_WRAPPER_BANK_HEIST: {
      score_to(s, dec3(rd, ctx, 0xDA, 0xD9, 0xD8));
      uint8_t death = RD(0xCE);
      s->lives = RD(0xD5);
      s->terminal = death == 0x01 && s->lives == 0;
      break;
    }
    case GAME_WRAPPER_BASIC_MATH:
      score_to(s, game_dec1(RD(0x84)));
      /* ten rounds; the final score screen shows a nonzero $86 */
      s->terminal = game_dec1(RD(0x86)) != 0;
      break;
    case GAME_WRAPPER_BATTLE_ZONE: {
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
      break;
    }
    case GAME_WRAPPER_BERZERK: {
      score_to(s, dec3(rd, ctx, 0xDF, 0xDE, 0xDD));
      uint8_t b = RD(0xDA);
      s->terminal = b == 0xFF;
      s->lives = b + 1;
      break;
    }
    case GAME_WRAPPER_BLACKJACK: {
      /* Out of chips: the score shows "0bbb". */
      uint8_t hi = RD(0x86), lo = RD(0x89);
      int bust = hi == 0x0B && lo == 0xBB;
      int32_t score = bust ? 0 : dec2(rd, ctx, 0x89, 0x86);
      score_to(s, score);
      s->terminal = bust || score >= 1000;
      break;
    }
    case GAME_WRAPPER_BOWLING:
      score_to(s, dec2(rd, ctx, 0xA1, 0xA6));
      s->terminal = RD(0xA4) > 0x10;
      break;
    case GAME_WRAPPER_BOXING: {
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
      break;
    }
    case GAME_WRAPPER_CARNIVAL:
      score_to(s, 10 * dec2(rd, ctx, 0xAE, 0xAD));
      s->terminal = RD(0x83) < 1;
      break;
    case GAME_WRAPPER_CASINO: {
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
      break;
    }
    case GAME_WRAPPER_CENTIPEDE: {
      score_to(s, dec3(rd, ctx, 0xF6, 0xF5, 0xF4));
      if (s->reward < 0) s->reward = 0; /* the score is sometimes cleared before the end */
      s->lives = ((RD(0xED) >> 4) & 7) + 1;
      s->terminal = (RD(0xA6) & 0x40) != 0;
      break;
    }
    case GAME_WRAPPER_CHOPPER_COMMAND:
      score_to(s, 100 * dec2(rd, ctx, 0xEE, 0xEC));
      s->lives = RD(0xE4) & 0xF;
      s->last = s->lives == 0; /* raw terminal flag; counts only once the game has started */
      s->started |= RD(0xC2) & 1;
      s->terminal = s->started && s->last;
      break;
    case GAME_WRAPPER_CROSSBOW:
      score_to(s, dec3(rd, ctx, 0x8D, 0x8C, 0x8B));
      s->terminal = RD(0xE7) == 0x82; /* game-over screen */
      break;
    case GAME_WRAPPER_DOUBLE_DUNK: {
      int32_t me = game_dec1(RD(0xF6)), them = game_dec1(RD(0xF7));
      score_to(s, me - them);
      s->terminal = (me >= 24 || them >= 24) && RD(0xFE) == 0xE7;
      break;
    }
    case GAME_WRAPPER_FLAG_CAPTURE:
      score_to(s, game_dec1(RD(0xEA)));
      s->terminal = game_dec1(RD(0xEB)) == 0; /* 75-second timer ran out */
      break;
    case GAME_WRAPPER_GOPHER: {
      static const uint8_t carrots[8] = {0, 1, 1, 2, 1, 2, 2, 3};
      score_to(s, dec3(rd, ctx, 0xB2, 0xB1, 0xB0));
      uint8_t bits = RD(0xB4) & 7;
      s->terminal = bits == 0;
      s->lives = carrots[bits];
      break;
    }
    case GAME_WRAPPER_HUMAN_CANNONBALL: {
      int32_t score = game_dec1(RD(0xB6));
      score_to(s, score);
      int32_t misses = game_dec1(RD(0xB7));
      s->terminal = score == 7 || misses == 7;
      break;
    }
    case GAME_WRAPPER_LOST_LUGGAGE:
      score_to(s, dec3(rd, ctx, 0x96, 0x95, 0x94));
      s->lives = RD(0xCA);
      s->terminal = s->lives == 0 && RD(0xC8) == 0x0A && RD(0xA5) == 0x00 && RD(0xA9) == 0x00;
      break;
    case GAME_WRAPPER_NAME_THIS_GAME:
      score_to(s, dec3(rd, ctx, 0xC6, 0xC5, 0xC4));
      s->lives = RD(0xC7) & 7;
      s->terminal = s->lives == 0;
      break;
    case GAME_WRAPPER_OTHELLO: {
      int32_t white = game_dec1(RD(0xCE)), black = game_dec1(RD(0xD0));
      score_to(s, white - black);
      /* Turn indicator 0 = nobody to move; over once it stays so (the pieces finish flipping). */
      if (RD(0xC0) == 0) s->last++; else s->last = 0;
      s->terminal = s->last > 50;
      break;
    }
    case GAME_WRAPPER_WIZARD_OF_WOR: {
      int32_t score = dec2(rd, ctx, 0x86, 0x88);
      if (score >= 8000) score -= 8000;
      score_to(s, score * 100);
      int32_t newLives = RD(0x8D) & 15;
      uint8_t b = RD(0xF4);
      int waiting = (RD(0xD7) & 1) == 0;
      s->terminal = newLives == 0 && b == 0xF8;
      /* The counter drops when the player enters the field; follow it only while waiting. */
      if (waiting) s->lives = newLives;
      break;
    }
    case GAME_WRAPPER_DARKCHAMBERS: {
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
      break;
    }
    case GAME_WRAPPER_DEFENDER: {
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
      break;
    }
    case GAME_WRAPPER_DEMON_ATTACK: {
      int32_t score = dec3(rd, ctx, 0x85, 0x83, 0x81);
      if (RD(0x81) == 0xAB && RD(0x83) == 0xCD && RD(0x85) == 0xEA) score = 0; /* uninitialised */
      score_to(s, score);
      int32_t shown = RD(0xF2);
      uint8_t flag = RD(0xF1);
      /* started = a mode change just happened: not a game over (set by game_after_mode) */
      s->terminal = shown == 0 && flag == 0xBD && !s->started;
      s->lives = shown + 1;
      s->started = 0;
      break;
    }
    case GAME_WRAPPER_DONKEY_KONG:
      score_to(s, 100 * dec2(rd, ctx, 0x88, 0x87));
      s->lives = RD(0xA3);
      s->terminal = s->lives == 0 && RD(0x8F) == 0x03 && RD(0x8B) == 0x1F;
      break;
    case GAME_WRAPPER_EARTHWORLD: {
      int32_t score = game_dec1(RD(0xA7)); /* clue number */
      score_to(s, score);
      s->terminal = score == 10;
      break;
    }
    case GAME_WRAPPER_ELEVATOR_ACTION: {
      score_to(s, dec3(rd, ctx, 0x89, 0x88, 0x87));
      s->lives = RD(0x83);
      int startScreen = RD(0x81) == 0x00;
      s->terminal = s->lives == 0 && !startScreen;
      break;
    }
    case GAME_WRAPPER_ENTOMBED: {
      int32_t score = RD(0xE3); /* plain binary */
      score_to(s, score);
      s->terminal = (RD(0xC7) & 3) == 0;
      break;
    }
    case GAME_WRAPPER_ET: {
      score_to(s, dec3(rd, ctx, 0xE1, 0xE0, 0xDF));
      s->lives = RD(0xE5) + 1;
      int32_t state = RD(0x80);
      s->terminal = s->lives == 0 && state == 8;
      break;
    }
    case GAME_WRAPPER_FISHING_DERBY: {
      int32_t me = game_dec1(RD(0xBD)), them = game_dec1(RD(0xBE));
      score_to(s, me - them);
      s->terminal = RD(0xBD) == 0x99 || RD(0xBE) == 0x99;
      break;
    }
    case GAME_WRAPPER_FROGGER:
      score_to(s, dec2(rd, ctx, 0xCE, 0xCC));
      s->lives = RD(0xD0);
      s->terminal = RD(0xD0) == 0xFF;
      break;
    case GAME_WRAPPER_FROSTBITE: {
      score_to(s, dec3(rd, ctx, 0xCA, 0xC9, 0xC8));
      int32_t b = RD(0xCC) & 0xF;
      int32_t flag = RD(0xF1) & 0x80;
      s->terminal = b == 0 && flag != 0;
      s->lives = b + 1;
      break;
    }
    case GAME_WRAPPER_GALAXIAN: {
      int32_t score = dec3(rd, ctx, 0xAE, 0xAD, 0xAC);
      int32_t r = score - s->score;
      if (r < 0) r = (1000000 - s->score) + score; /* the score wrapped */
      s->reward = r; s->score = score;
      s->terminal = (RD(0xBF) & 0x80) != 0;
      s->lives = s->terminal ? 0 : RD(0xB9) + 1;
      break;
    }
    case GAME_WRAPPER_GRAVITAR: {
      score_to(s, dec3(rd, ctx, 0x89, 0x88, 0x87));
      int32_t screen = RD(0x81);
      s->terminal = screen == 0x01;
      s->lives = screen == 0 ? 6 : RD(0x84) + 1; /* start screen: 6 */
      break;
    }
    case GAME_WRAPPER_HANGMAN: {
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
      break;
    }
    case GAME_WRAPPER_HAUNTED_HOUSE: {
      /* last = matches used: -1 per match, +100 for escaping with the urn */
      s->reward = 0;
      int32_t matches = game_dec1(RD(0x82));
      if (matches != s->last) { s->reward--; s->last = matches; }
      s->lives = RD(0x96);
      int escaped = RD(0x99) == 0x44;
      if (escaped) s->reward += 100;
      s->terminal = s->lives == 0 || escaped;
      break;
    }
    case GAME_WRAPPER_HERO:
      score_to(s, dec3(rd, ctx, 0xB9, 0xB8, 0xB7));
      s->lives = RD(0xB3);
      s->terminal = s->lives == 0;
      break;
    case GAME_WRAPPER_ICE_HOCKEY: {
      int32_t me = game_dec1(RD(0x8A)), them = game_dec1(RD(0x8B));
      int32_t score = me - them;
      int32_t r = score - s->score;
      s->reward = r < 1 ? r : 1;
      s->score = score;
      s->terminal = RD(0x87) == 0 && RD(0x86) == 0; /* clock ran out */
      break;
    }
    case GAME_WRAPPER_JAMESBOND: {
      score_to(s, dec3(rd, ctx, 0xDC, 0xDD, 0xDE));
      int32_t b = RD(0x86) & 0xF;
      uint8_t screen = RD(0x8C);
      s->terminal = b == 0 && screen == 0x68; /* $8C = $68 on the death screen */
      s->lives = b + 1;
      break;
    }
    case GAME_WRAPPER_JOURNEY_ESCAPE: {
      int32_t score = dec3(rd, ctx, 0x92, 0x91, 0x90);
      int32_t r = score - s->score;
      if (r == 50000) r = 0; /* the starting cash is not a reward */
      s->reward = r; s->score = score;
      s->terminal = RD(0x95) == 0 && RD(0x96) == 0;
      break;
    }
    case GAME_WRAPPER_KABOOM:
      score_to(s, dec3(rd, ctx, 0xA5, 0xA4, 0xA3));
      s->terminal = RD(0xA1) == 0 || s->score == 999999;
      break;
    case GAME_WRAPPER_KANGAROO: {
      score_to(s, 100 * dec2(rd, ctx, 0xA8, 0xA7));
      uint8_t b = RD(0xAD);
      s->terminal = b == 0xFF;
      s->lives = (b & 7) + 1;
      break;
    }
    case GAME_WRAPPER_KEYSTONE_KAPERS:
      score_to(s, dec2(rd, ctx, 0x9C, 0x9B));
      s->lives = RD(0x96);
      s->terminal = s->lives == 0 && RD(0x88) == 0x00;
      break;
    case GAME_WRAPPER_KING_KONG:
      score_to(s, dec2(rd, ctx, 0x83, 0x82));
      s->lives = RD(0xEE);
      s->terminal = s->lives == 0;
      break;
    case GAME_WRAPPER_KLAX: {
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
      break;
    }
    case GAME_WRAPPER_KOOLAID:
      score_to(s, 100 * dec2(rd, ctx, 0x81, 0x80));
      s->terminal = RD(0xD1) == 0x80;
      break;
    case GAME_WRAPPER_KRULL: {
      score_to(s, dec3(rd, ctx, 0x9E, 0x9D, 0x9C));
      int32_t l = RD(0x9F);
      uint8_t b1 = RD(0xA2), b2 = RD(0x80);
      s->terminal = l == 0 && b1 == 0x03 && b2 == 0x80;
      s->lives = (l & 7) + 1;
      break;
    }
    case GAME_WRAPPER_KUNG_FU_MASTER: {
      score_to(s, dec3(rd, ctx, 0x9A, 0x99, 0x98));
      uint8_t b = RD(0x9D);
      s->terminal = b == 0xFF;
      s->lives = (b & 7) + 1;
      break;
    }
    case GAME_WRAPPER_LASER_GATES:
      score_to(s, dec3(rd, ctx, 0x82, 0x81, 0x80));
      s->terminal = RD(0x83) == 0x00;
      break;
    case GAME_WRAPPER_MARIO_BROS:
      score_to(s, 100 * dec2(rd, ctx, 0x8A, 0x89));
      s->lives = RD(0x87);
      s->terminal = s->lives == 0;
      break;
    case GAME_WRAPPER_MINIATURE_GOLF: {
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
      break;
    }
    case GAME_WRAPPER_MONTEZUMA_REVENGE: {
      score_to(s, dec3(rd, ctx, 0x95, 0x94, 0x93));
      int32_t l = RD(0xBA);
      uint8_t b = RD(0xFE);
      s->terminal = l == 0 && b == 0x60;
      s->lives = (l & 7) + 1;
      break;
    }
    case GAME_WRAPPER_MR_DO:
      score_to(s, 10 * dec2(rd, ctx, 0x82, 0x83));
      s->lives = RD(0xDB);
      s->terminal = RD(0xDA) == 0x40;
      break;
    case GAME_WRAPPER_PACMAN: {
      score_to(s, dec3(rd, ctx, 0xCC, 0xCE, 0xD0));
      s->lives = RD(0x98) + 1;
      uint8_t anim = RD(0xE4);
      s->terminal = s->lives == 1 && anim == 0x3F;
      break;
    }
    case GAME_WRAPPER_PHOENIX: {
      int32_t score = 10 * dec2(rd, ctx, 0xC8, 0xC9) + (RD(0xC7) >> 4);
      score_to(s, 10 * score);
      s->terminal = RD(0xCC) == 0x80;
      s->lives = RD(0xCB) & 7;
      break;
    }
    case GAME_WRAPPER_PITFALL: {
      score_to(s, dec3(rd, ctx, 0xD7, 0xD6, 0xD5));
      int32_t lb = RD(0x80) >> 4;
      int32_t logo = RD(0x9E); /* nonzero while the player has no control */
      s->terminal = lb == 0 && logo != 0;
      s->lives = lb == 0xA ? 3 : lb == 0x8 ? 2 : 1;
      break;
    }
    case GAME_WRAPPER_PITFALL2:
      score_to(s, dec3(rd, ctx, 0xC9, 0xC8, 0xC7));
      s->lives = 1;
      s->terminal = s->score == 199000;
      break;
    case GAME_WRAPPER_POOYAN: {
      score_to(s, dec3(rd, ctx, 0x8A, 0x89, 0x88));
      int32_t lb = RD(0x96);
      uint8_t b = RD(0x98);
      s->terminal = lb == 0 && b == 0x05;
      s->lives = (lb & 7) + 1;
      break;
    }
    case GAME_WRAPPER_PRIVATE_EYE: {
      score_to(s, dec3(rd, ctx, 0xCA, 0xC9, 0xC8));
      uint8_t t = RD(0xC2); /* copyright timer: 0 running, 1 at the start */
      s->terminal = t != 0x00 && t != 0x01;
      break;
    }
    case GAME_WRAPPER_RIVERRAID: {
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
      break;
    }
    case GAME_WRAPPER_ROAD_RUNNER: {
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
      break;
    }
    case GAME_WRAPPER_ROBOTANK: {
      int32_t squadrons = RD(0xB6), tanks = RD(0xB5);
      score_to(s, squadrons * 12 + tanks);
      uint8_t flag = RD(0xB4);
      int32_t l = RD(0xA8);
      s->terminal = l == 0 && flag == 0xFF;
      s->lives = (l & 0xF) + 1;
      break;
    }
    case GAME_WRAPPER_SIR_LANCELOT:
      score_to(s, dec3(rd, ctx, 0xA0, 0x9F, 0x9E));
      s->lives = RD(0xA9);
      s->terminal = s->lives == 0 && RD(0xA7) == 0xA0;
      break;
    case GAME_WRAPPER_SKIING: {
      /* time in centiseconds; the reward is minus the time spent */
      int32_t centis = dec2(rd, ctx, 0xEA, 0xE9);
      int32_t minutes = RD(0xE8);
      int32_t score = minutes * 6000 + centis;
      s->reward = s->score - score;
      s->score = score;
      s->terminal = RD(0x91) == 0xFF;
      break;
    }
    case GAME_WRAPPER_SOLARIS: {
      score_to(s, 10 * dec3(rd, ctx, 0xDC, 0xDD, 0xDE));
      int32_t lb = RD(0xD9);
      s->terminal = lb == 0;
      s->lives = lb & 0xF;
      break;
    }
    case GAME_WRAPPER_SPACE_WAR: {
      int32_t score = game_dec1(RD(0xA7));
      score_to(s, score);
      int32_t timer = RD(0x80); /* counts up to $00 after ten minutes */
      s->terminal = score == 10 || timer == 0;
      break;
    }
    case GAME_WRAPPER_STAR_GUNNER: {
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
      break;
    }
    case GAME_WRAPPER_SUPERMAN: {
      int32_t seconds = game_dec1(RD(0xE2)), minutes = game_dec1(RD(0xE3));
      int32_t t = minutes * 60 + seconds;
      int32_t room = RD(0x80) + (RD(0x81) << 8);
      int clark = (RD(0x9F) & 0x40) != 0;
      /* Over when Clark Kent enters the Daily Bugle; the faster the better. */
      s->terminal = clark && room == 0xF2AC;
      s->reward = s->terminal ? (99 * 60 + 59) - t : 0;
      break;
    }
    case GAME_WRAPPER_SURROUND: {
      int32_t theirs = game_dec1(RD(0xF6)), mine = game_dec1(RD(0xF7));
      score_to(s, mine - theirs);
      s->terminal = theirs == 10 || mine == 10;
      break;
    }
    case GAME_WRAPPER_TENNIS: {
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
      break;
    }
    case GAME_WRAPPER_TETRIS: {
      int32_t score = dec2(rd, ctx, 0xF1, 0xF2);
      s->reward = score > s->score ? score - s->score : 0;
      s->score = score;
      if (!s->started) s->started = 1;
      s->terminal = s->started && (RD(0xF3) & 0x80);
      if (s->terminal) { s->score = 0; s->started = 0; }
      break;
    }
    case GAME_WRAPPER_TIC_TAC_TOE_3D: {
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
      break;
    }
    case GAME_WRAPPER_TIME_PILOT: {
      score_to(s, 100 * dec2(rd, ctx, 0x8D, 0x8F));
      int32_t lb = RD(0x8B) & 7;
      int32_t screen = RD(0x80) & 0xF;
      s->terminal = RD(0xA0) != 0;
      if (screen == 2) s->lives = lb + 1; /* only while flying */
      break;
    }
    case GAME_WRAPPER_TRONDEAD: {
      score_to(s, dec3(rd, ctx, 0xBF, 0xBE, 0xBD));
      int32_t hits = RD(0xC8);
      s->terminal = hits == 5;
      s->lives = 5 - hits;
      break;
    }
    case GAME_WRAPPER_TURMOIL: {
      int32_t score = dec2(rd, ctx, 0x89, 0x8A) + RD(0xD3);
      score_to(s, 10 * score);
      int32_t lb = RD(0xB9);
      s->terminal = lb == 0 && RD(0xC5) == 0x01;
      s->lives = lb;
      break;
    }
    case GAME_WRAPPER_TUTANKHAM: {
      score_to(s, dec2(rd, ctx, 0x9C, 0x9A));
      int32_t lb = RD(0x9E);
      uint8_t b = RD(0x81); /* $84 after power-on, until the game starts */
      s->terminal = lb == 0 && b != 0x84;
      s->lives = lb & 3;
      break;
    }
    case GAME_WRAPPER_UP_N_DOWN: {
      score_to(s, dec3(rd, ctx, 0x82, 0x81, 0x80));
      int32_t lb = RD(0x86) & 0xF;
      int32_t death = RD(0x94);
      s->terminal = death > 0x40 && lb == 0;
      s->lives = lb + 1;
      break;
    }
    case GAME_WRAPPER_VENTURE: {
      score_to(s, 100 * dec2(rd, ctx, 0xC8, 0xC7));
      int32_t lb = RD(0xC6);
      uint8_t audio = RD(0xCD), death = RD(0xBF);
      s->terminal = lb == 0 && audio == 0xFF && (death & 0x80);
      s->lives = (lb & 7) + 1;
      break;
    }
    case GAME_WRAPPER_VIDEO_CHECKERS: {
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
      break;
    }
    case GAME_WRAPPER_VIDEO_CHESS: {
      /* Only look while it is white's turn: the computer plays moves out while searching. */
      s->reward = 0;
      if (RD(0xE1) == 0x82) {
        uint8_t mate = RD(0xEE);
        if (mate == 0x00) { s->reward = 1; s->terminal = 1; }
        else if (mate == 0x01) { s->reward = -1; s->terminal = 1; }
      }
      break;
    }
    case GAME_WRAPPER_VIDEO_CUBE: {
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
      break;
    }
    case GAME_WRAPPER_VIDEO_PINBALL: {
      score_to(s, dec3(rd, ctx, 0xB0, 0xB2, 0xB4));
      s->terminal = (RD(0xAF) & 1) != 0;
      int32_t ball = RD(0x99) & 7;    /* ball number: #1 = 3 lives */
      int32_t extra = RD(0xA8) & 1;
      s->lives = 4 + extra - ball;
      break;
    }
    case GAME_WRAPPER_WORD_ZAPPER: {
      int32_t clock = game_dec1(RD(0xCF));
      if (clock > 0) { /* the state is only valid while the wall clock runs */
        int32_t score = 2 - (int32_t)(int8_t)RD(0xDC); /* rounds left wraps to $FF */
        score_to(s, score);
        int32_t left = game_dec1(RD(0xDE));
        s->terminal = score == 3 || left == 0;
      }
      break;
    }
    case GAME_WRAPPER_YARS_REVENGE: {
      score_to(s, dec3(rd, ctx, 0xE2, 0xE1, 0xE0));
      int32_t lb = RD(0x9E) >> 4;
      s->terminal = lb == 0;
      s->lives = lb;
      break;
    }
    case GAME_WRAPPER_ZAXXON: {
      score_to(s, 100 * dec2(rd, ctx, 0xE9, 0xE8));
      int32_t lb = RD(0xEA) & 7;
      s->terminal = lb == 0;
      s->lives = lb;
      break;
    }
    case GAME_WRAPPER_CRAZY_CLIMBER: {
      /* one digit per byte, $82 = units */
      int32_t score = RD(0x82) + 10 * RD(0x83) + 100 * RD(0x84) + 1000 * RD(0x85);
      score *= 100;
      int32_t r = score - s->score;
      s->reward = r < 0 ? 0 : r;
      s->score = score;
      s->lives = RD(0xAA);
      s->terminal = s->lives == 0;
      break;
    }
    case GAME_WRAPPER_ARCADE_CATCH: {
      /* Arcade Lab's own games: BCD score at $80, lives at $81, $82 != 0 once lost or won. */
      score_to(s, game_dec1(RD(0x80)));
      s->lives = RD(0x81);
      s->terminal = RD(0x82) != 0;
      break;
    }
    default:
      break;
  }
}

int32_t game_lives(uint8_t wrapper, const GameState *s) {
  switch (wrapper) {
    /* wrappers whose lives() is always 0 */
    case GAME_WRAPPER_PONG: case GAME_WRAPPER_FREEWAY: case GAME_WRAPPER_ENDURO:
    case GAME_WRAPPER_BOWLING: case GAME_WRAPPER_BOXING: case GAME_WRAPPER_CARNIVAL:
    case GAME_WRAPPER_DOUBLE_DUNK:
      return 0;
    default:
      /* Without a counter of its own a wrapper reports the reference's base default: 1 while
       * running. Either way 0 once the game is over. */
      if (game_terminal(wrapper, s)) return 0;
      if (wrapper == GAME_WRAPPER_RIVERRAID) /* $58 before the ship first appears, $59 = last */
        return s->last == 0x58 ? 4 : s->last == 0x59 ? 1 : s->last / 8 + 1;
      return s->lives < 0 ? s->livesBase : s->lives;
  }
}

bool game_terminal(uint8_t wrapper, const GameState *s) { return s->terminal != 0; }

int32_t game_mode_value(uint8_t wrapper, int32_t mode) {
  if (wrapper == GAME_WRAPPER_VIDEO_CHECKERS && mode >= 11) return mode + 6;
  return mode;
}

void game_after_mode(uint8_t wrapper, GameState *s, GameRamReader rd, void *ctx, int32_t mode) {
  switch (wrapper) {
    case GAME_WRAPPER_ALIEN: s->lives = RD(0xC0) & 15; break;
    case GAME_WRAPPER_DEMON_ATTACK: s->started = 1; break; /* the next frame is a level change */
    case GAME_WRAPPER_VIDEO_CHECKERS: s->aux[2] = mode >= 11; break;
    case GAME_WRAPPER_GRAVITAR:
      s->lives = mode == 1 ? 15 : mode == 3 ? 100 : mode == 4 ? 25 : 6;
      break;
    default: break;
  }
}
