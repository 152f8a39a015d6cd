// The benchmark loop shared by Node (tools/bench-emu.ts) and the headless Chromium page
// (tools/bench-emu/index.html), so both run exactly the same code over the raw wasm exports:
// one emulator, frame_skip 1, sticky actions off, random minimal-set actions from xorshift32
// seeded 1 (the same sequence as wasm/tools/bench_native.c), reset at game over; with `pp`,
// every 4th frame also computes the preprocessed 84x84 observation the env uses
// (pp_observe: gray, max-pool of the last two frames, INTER_AREA resize).

/** Instantiates arcade.wasm over a fresh shared memory (as src/ale/arcade.ts does). */
export async function instantiate(bytes) {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 16384, shared: true });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  return { x: instance.exports, memory };
}

/**
 * Opens one emulator on a ROM for benchmarking; `step(frames)` runs that many more frames of
 * the benchmark loop (continuing the same game and action sequence) and returns the elapsed
 * ms (performance.now() around the loop); `close()` frees it. With `pp`, every 4th frame also
 * computes a preprocessed observation.
 */
export function benchSession(core, romBytes, pp) {
  const { x, memory } = core;
  const ale = x.ale_create();
  if (!ale) throw new Error('ale_create failed');
  x.ale_set_random_seed(ale, 1);
  x.ale_set_repeat_action_probability(ale, 0);
  x.ale_set_frame_skip(ale, 1);
  const rom = x.arcade_alloc(romBytes.length);
  new Uint8Array(memory.buffer).set(romBytes, rom);
  const rc = x.ale_load_rom(ale, rom, romBytes.length);
  x.arcade_free(rom);
  if (rc < 0) {
    x.ale_destroy(ale);
    throw new Error(`ale_load_rom failed (${rc})`);
  }
  const list = x.arcade_alloc(18 * 4);
  const n = x.ale_minimal_actions(ale, list);
  const actions = Int32Array.from(new Int32Array(memory.buffer, list, n));
  x.arcade_free(list);
  let ctx = 0, obs = 0;
  if (pp) {
    ctx = x.arcade_alloc(x.pp_sizeof());
    obs = x.arcade_alloc(84 * 84);
    const prc = x.pp_init(ctx, 160, x.ale_screen_height(ale), 84, 84);
    if (prc < 0) throw new Error(`pp_init failed (${prc})`);
  }
  let s = 1;
  let frame = 0;
  return {
    step(frames) {
      const t0 = performance.now();
      for (let i = 0; i < frames; i++, frame++) {
        s ^= s << 13; s >>>= 0;
        s ^= s >>> 17;
        s ^= s << 5; s >>>= 0;
        x.ale_act(ale, actions[s % n], 1);
        if (pp && (frame & 3) === 3) x.pp_observe(ctx, ale, 1, obs);
        if (x.ale_game_over(ale)) x.ale_reset(ale);
      }
      return performance.now() - t0;
    },
    close() {
      if (pp) {
        x.arcade_free(ctx);
        x.arcade_free(obs);
      }
      x.ale_destroy(ale);
    },
  };
}

/** Runs `frames` frames on one ROM in a fresh emulator; returns { frames, ms }. */
export function benchRom(core, romBytes, frames, pp) {
  const session = benchSession(core, romBytes, pp);
  try {
    return { frames, ms: session.step(frames) };
  } finally {
    session.close();
  }
}
