/* The wasm exports: a flat C API over struct Ale for the TypeScript binding (src/ale/).
 * Pointers are byte offsets into the shared linear memory. Every entry point checks its
 * arguments and returns an error code instead of trapping. */
#include "ale.h"
#include "alloc.h"
#include "util.h"

WASM_EXPORT("arcade_alloc") void *api_alloc(uint32_t n) { return arcade_alloc(n); }
WASM_EXPORT("arcade_free") void api_free(void *p) { arcade_free(p); }

WASM_EXPORT("ale_create") Ale *api_create(void) {
  Ale *a = (Ale *)arcade_alloc(sizeof(Ale));
  if (a) ale_init(a);
  return a;
}
WASM_EXPORT("ale_destroy") void api_destroy(Ale *a) { arcade_free(a); }
WASM_EXPORT("ale_sizeof") uint32_t api_sizeof(void) { return (uint32_t)sizeof(Ale); }

/* Returns 0 or a negative ALE_ERR_* code. */
WASM_EXPORT("ale_load_rom") int api_load_rom(Ale *a, const uint8_t *rom, uint32_t size) {
  if (!a) return ALE_ERR_NOT_LOADED;
  return ale_load_rom(a, rom, size);
}

/* Re-seeds the environment RNG and powers on again with the same ROM (ALE's reset with a new
 * random_seed reloads the ROM). */
WASM_EXPORT("ale_reseed") int api_reseed(Ale *a, int32_t seed) {
  if (!a) return ALE_ERR_NOT_LOADED;
  a->settings.randomSeed = seed;
  return ale_reload(a);
}

/* ---- settings (take effect at the next load) ---- */
WASM_EXPORT("ale_set_random_seed") void api_set_seed(Ale *a, int32_t v) { if (a) a->settings.randomSeed = v; }
WASM_EXPORT("ale_set_repeat_action_probability") int api_set_rap(Ale *a, float v) {
  if (!a || !(v >= 0.0f && v <= 1.0f)) return ALE_ERR_BAD_VALUE;
  a->settings.repeatActionProbability = v;
  return ALE_OK;
}
WASM_EXPORT("ale_set_frame_skip") void api_set_fs(Ale *a, int32_t v) { if (a) a->settings.frameSkip = v < 1 ? 1 : v; }
WASM_EXPORT("ale_set_max_num_frames_per_episode") void api_set_maxf(Ale *a, int32_t v) { if (a) a->settings.maxNumFramesPerEpisode = v < 0 ? 0 : v; }
WASM_EXPORT("ale_set_truncate_on_loss_of_life") void api_set_tol(Ale *a, int32_t v) { if (a) a->settings.truncateOnLossOfLife = v != 0; }
WASM_EXPORT("ale_set_color_averaging") void api_set_ca(Ale *a, int32_t v) { if (a) a->settings.colorAveraging = v != 0; }
WASM_EXPORT("ale_set_reward_range") void api_set_rr(Ale *a, int32_t lo, int32_t hi) { if (a) { a->settings.rewardMin = lo; a->settings.rewardMax = hi; } }
WASM_EXPORT("ale_set_paddle_range") void api_set_pr(Ale *a, int32_t lo, int32_t hi) { if (a) { a->settings.paddleMin = lo; a->settings.paddleMax = hi; } }
WASM_EXPORT("ale_set_system_random_seed") void api_set_srs(Ale *a, uint32_t v) { if (a) a->settings.systemRandomSeed = v; }
WASM_EXPORT("ale_set_mode") int api_set_mode(Ale *a, int32_t m) { return a ? ale_set_mode(a, m) : ALE_ERR_NOT_LOADED; }
WASM_EXPORT("ale_set_difficulty") int api_set_diff(Ale *a, int32_t d) { return a ? ale_set_difficulty(a, d) : ALE_ERR_NOT_LOADED; }
WASM_EXPORT("ale_get_mode") int32_t api_get_mode(Ale *a) { return a ? a->rt.mode : 0; }
WASM_EXPORT("ale_get_difficulty") int32_t api_get_diff(Ale *a) { return a ? a->rt.difficulty : 0; }

/* ---- playing ---- */
WASM_EXPORT("ale_reset") int api_reset(Ale *a) {
  if (!a || !a->loaded) return ALE_ERR_NOT_LOADED;
  ale_reset_game(a);
  return ALE_OK;
}
WASM_EXPORT("ale_act") int32_t api_act(Ale *a, int32_t action, float strength) { return a ? ale_act(a, action, strength) : 0; }
WASM_EXPORT("ale_lives") int32_t api_lives(Ale *a) { return a ? ale_lives(a) : 0; }
WASM_EXPORT("ale_game_over") int32_t api_game_over(Ale *a) { return a ? ale_game_over(a) : 1; }
WASM_EXPORT("ale_terminal") int32_t api_terminal(Ale *a) { return a ? ale_terminal(a) : 1; }
WASM_EXPORT("ale_truncated") int32_t api_truncated(Ale *a) { return a ? ale_truncated(a) : 0; }
WASM_EXPORT("ale_sticky_action") int32_t api_sticky(Ale *a) { return a ? a->rt.actionA : 0; }
WASM_EXPORT("ale_frame_number") int32_t api_fn(Ale *a) { return a ? a->rt.frameNumber : 0; }
WASM_EXPORT("ale_episode_frame_number") int32_t api_efn(Ale *a) { return a ? a->rt.episodeFrameNumber : 0; }

/* ---- observations ---- */
WASM_EXPORT("ale_screen_ptr") const uint8_t *api_screen(Ale *a) { return (a && a->loaded) ? ale_screen(a) : 0; }
WASM_EXPORT("ale_screen_width") uint32_t api_sw(Ale *a) { return TIA_WIDTH; }
WASM_EXPORT("ale_screen_height") uint32_t api_sh(Ale *a) { return (a && a->loaded) ? a->height : 0; }
WASM_EXPORT("ale_screen_grayscale") int api_gray(Ale *a, uint8_t *out) {
  if (!a || !a->loaded || !out) return ALE_ERR_NOT_LOADED;
  ale_screen_grayscale(a, out);
  return ALE_OK;
}
WASM_EXPORT("ale_screen_rgb") int api_rgb(Ale *a, uint8_t *out) {
  if (!a || !a->loaded || !out) return ALE_ERR_NOT_LOADED;
  ale_screen_rgb(a, out);
  return ALE_OK;
}
WASM_EXPORT("ale_ram_ptr") const uint8_t *api_ram(Ale *a) { return a ? ale_ram(a) : 0; }
WASM_EXPORT("ale_ram_read") int32_t api_ram_read(Ale *a, uint32_t i) { return (a && i < 128) ? a->rt.ram[i] : -1; }

/* Action sets: write up to 18 int32 into out, return the count. */
WASM_EXPORT("ale_minimal_actions") uint32_t api_min(Ale *a, int32_t *out) { return a ? ale_minimal_actions(a, out) : 0; }
WASM_EXPORT("ale_legal_actions") uint32_t api_legal(Ale *a, int32_t *out) { return a ? ale_legal_actions(a, out) : 0; }

/* ---- game info ---- */
/* Writes the rom id (NUL-terminated, at most cap bytes) and returns its length; "" when unknown. */
WASM_EXPORT("ale_rom_id") uint32_t api_rom_id(Ale *a, char *out, uint32_t cap) {
  const char *id = (a && a->game) ? a->game->romId : "";
  uint32_t n = 0;
  while (id[n]) n++;
  if (out && cap) {
    uint32_t k = n < cap - 1 ? n : cap - 1;
    mem_copy(out, id, k);
    out[k] = 0;
  }
  return n;
}
WASM_EXPORT("ale_md5") const char *api_md5(Ale *a) { return a ? a->md5 : 0; }
WASM_EXPORT("ale_scheme") int32_t api_scheme(Ale *a) { return a ? (int32_t)a->scheme : 0; }
WASM_EXPORT("ale_is_pal") int32_t api_pal(Ale *a) { return a ? a->pal : 0; }
WASM_EXPORT("ale_has_reward") int32_t api_has_reward(Ale *a) { return (a && a->wrapper != GAME_WRAPPER_NONE) ? 1 : 0; }
WASM_EXPORT("ale_is_supported") int32_t api_supported(Ale *a) { return (a && a->game && a->game->supported) ? 1 : 0; }
WASM_EXPORT("ale_uses_paddles") int32_t api_paddles(Ale *a) { return a ? a->usePaddles : 0; }
/* Modes: write up to cap uint32 values into out, return the total count. */
WASM_EXPORT("ale_modes") uint32_t api_modes(Ale *a, uint32_t *out, uint32_t cap) {
  if (!a || !a->game) { if (out && cap) out[0] = 0; return 1; }
  for (uint32_t i = 0; i < a->game->numModes && i < cap; i++) out[i] = a->game->modes[i];
  return a->game->numModes;
}
WASM_EXPORT("ale_difficulty_mask") uint32_t api_diffs(Ale *a) { return (a && a->game) ? a->game->difficultyMask : 1; }

/* ---- state ---- */
WASM_EXPORT("ale_state_size") uint32_t api_state_size(void) { return ale_state_size(); }
WASM_EXPORT("ale_clone_state") int api_clone(Ale *a, uint8_t *out, uint32_t cap, int32_t includeRng) {
  return a ? ale_clone_state(a, out, cap, includeRng != 0) : ALE_ERR_NOT_LOADED;
}
WASM_EXPORT("ale_restore_state") int api_restore(Ale *a, const uint8_t *in, uint32_t size) {
  return a ? ale_restore_state(a, in, size) : ALE_ERR_NOT_LOADED;
}
