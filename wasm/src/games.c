/* Reward / lives / terminal logic of the game wrappers (ALE_FACTS 11-12). Each wrapper is a
 * few lines over RAM reads; everything else about a game is data in games_data.c. To add a
 * game: give it a GameWrapperId, a case in each switch below, and its id in the generator's
 * overlay (tools/gen-game-table.mjs). */
#include "games.h"

/* RAM read by CPU address ($80-$FF), as the reference's readRam does. */
#define RD(a) rd(ctx, (uint32_t)(a) & 0x7Fu)

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
  s->reward = 0; s->score = 0; s->terminal = 0; s->started = 0; s->last = 0; s->lives = 0;
  switch (wrapper) {
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
    default:
      s->reward = 0;
      break;
  }
}

int32_t game_lives(uint8_t wrapper, const GameState *s) {
  switch (wrapper) {
    case GAME_WRAPPER_PONG:
    case GAME_WRAPPER_FREEWAY:
    case GAME_WRAPPER_ENDURO:
      return 0;
    case GAME_WRAPPER_BREAKOUT:
    case GAME_WRAPPER_SPACE_INVADERS:
    case GAME_WRAPPER_SEAQUEST:
    case GAME_WRAPPER_MS_PACMAN:
    case GAME_WRAPPER_BEAM_RIDER:
    case GAME_WRAPPER_ASTEROIDS:
    case GAME_WRAPPER_QBERT:
      return s->terminal ? 0 : s->lives;
    default:
      /* the reference's base default: 1 while running */
      return s->terminal ? 0 : 1;
  }
}

bool game_terminal(uint8_t wrapper, const GameState *s) { return s->terminal != 0; }
