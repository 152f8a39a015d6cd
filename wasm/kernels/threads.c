/* Thread pool over shared memory (see threads.h). Synchronisation is wasm atomics on fields of
 * one static block (it lives in the shared memory, so every instance sees the same one);
 * workers sleep in memory.atomic.wait32 between jobs, so an idle pool costs no CPU time. */
#include "threads.h"
#include "conv_grad.h" /* TK_OK */

#define EXPORT(name) __attribute__((export_name(name)))
#define LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)

/* Shadow stacks for the workers (tid 1..): the linker's stack belongs to the instance that
 * calls the kernels, and every instance starts with __stack_pointer at its top. 32 KiB is ample:
 * the kernels keep only small tiles on the stack. */
#define WORKER_STACK 32768
static unsigned char worker_stacks[TK_MAX_THREADS][WORKER_STACK] __attribute__((aligned(16)));

static struct {
  int32_t gen;        /* bumped once per published job; workers wait on it */
  int32_t open;       /* 1 while the current job admits workers */
  int32_t entered;    /* workers inside the current job (they may read its fields) */
  int32_t quit;
  int32_t workers;    /* how many workers may take part in each job */
  int32_t timeout_ms; /* how long the caller waits for them */
  int32_t broken;     /* set once a job failed: the pool is never used again */
  int32_t failed;     /* tid of a worker that trapped, 0 if none */
  int32_t trap_tid;   /* test hook: tid traps, -tid hangs in its next job */
  int32_t next;       /* next item to claim */
  int32_t done;       /* items finished */
  int32_t items;
  tk_item_fn fn;
  const void *ctx;
  int32_t seen[TK_MAX_THREADS]; /* generation each worker last looked at */
} pool;

static void run_items(void) {
  const int32_t n = pool.items;
  for (;;) {
    int32_t i = ADD(&pool.next, 1);
    if (i >= n) return;
    pool.fn(pool.ctx, i);
    if (ADD(&pool.done, 1) == n - 1) __builtin_wasm_memory_atomic_notify(&pool.done, 1);
  }
}

/* Waits (1 ms steps, counted: the module has no clock) until *p == want; 0, or an error. */
static int32_t wait_for(int32_t *p, int32_t want, int32_t *waited_ms) {
  for (;;) {
    int32_t v = LOAD(p);
    if (v == want) return TK_OK;
    if (LOAD(&pool.failed)) return TK_ERR_THREADS;
    if (__builtin_wasm_memory_atomic_wait32(p, v, 1000000) == 2 && ++*waited_ms > pool.timeout_ms)
      return TK_ERR_TIMEOUT;
  }
}

/* The caller never waits for a worker that has not joined the job yet: on a machine whose
 * other cores are busy, it just does every item itself. It waits for (1) all items, then, after
 * closing the job, (2) the workers still inside it, so none reads the next job's fields. */
int32_t tk_parallel_for(tk_item_fn fn, const void *ctx, int32_t items) {
  if (items <= 0) return TK_OK;
  const int32_t workers = pool.workers;
  if (workers == 0 || items == 1) {
    for (int32_t i = 0; i < items; i++) fn(ctx, i);
    return TK_OK;
  }
  if (LOAD(&pool.broken)) return TK_ERR_THREADS;
  pool.fn = fn;
  pool.ctx = ctx;
  pool.items = items;
  STORE(&pool.next, 0);
  STORE(&pool.done, 0);
  STORE(&pool.open, 1);
  ADD(&pool.gen, 1); /* publishes the fields above (seq_cst) */
  __builtin_wasm_memory_atomic_notify(&pool.gen, (uint32_t)workers);
  run_items();
  int32_t waited_ms = 0;
  int32_t rc = wait_for(&pool.done, items, &waited_ms);
  STORE(&pool.open, 0);
  if (!rc) rc = wait_for(&pool.entered, 0, &waited_ms);
  if (rc) {
    STORE(&pool.broken, 1);
    STORE(&pool.next, items); /* survivors claim nothing more */
  }
  return rc;
}

int32_t tk_pool_threads(void) { return pool.workers + 1; }

EXPORT("tk_set_threads") int32_t tk_set_threads(int32_t workers, int32_t timeout_ms) {
  if (workers < 0 || workers >= TK_MAX_THREADS) return TK_ERR_SHAPE;
  pool.workers = workers;
  pool.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
  return TK_OK;
}

EXPORT("tk_thread_stack_top") uint32_t tk_thread_stack_top(int32_t tid) {
  if (tid < 1 || tid >= TK_MAX_THREADS) return 0;
  return (uint32_t)(uintptr_t)&worker_stacks[tid][WORKER_STACK];
}

/* Called before the worker tells JS it is ready: it records the current generation, so a job
 * published between "ready" and entering the loop is still seen as new. */
EXPORT("tk_worker_register") void tk_worker_register(int32_t tid) { STORE(&pool.seen[tid], LOAD(&pool.gen)); }

EXPORT("tk_worker_loop") int32_t tk_worker_loop(int32_t tid) {
  if (tid < 1 || tid >= TK_MAX_THREADS) return TK_ERR_SHAPE;
  int32_t seen = LOAD(&pool.seen[tid]);
  for (;;) {
    int32_t g;
    while ((g = LOAD(&pool.gen)) == seen) {
      if (LOAD(&pool.quit)) return TK_OK;
      __builtin_wasm_memory_atomic_wait32(&pool.gen, seen, -1);
    }
    seen = g;
    STORE(&pool.seen[tid], g);
    ADD(&pool.entered, 1);
    /* Join only a job still open and still the one we woke for (seq_cst: the caller closes
     * the job before it reads `entered`, so either it sees us or we see it closed). */
    if (LOAD(&pool.open) && LOAD(&pool.gen) == g && tid <= pool.workers) {
      if (LOAD(&pool.trap_tid) == tid) __builtin_trap();
      if (LOAD(&pool.trap_tid) == -tid) /* test hook: a worker stuck inside a job */
        while (!LOAD(&pool.quit)) __builtin_wasm_memory_atomic_wait32(&pool.quit, 0, 1000000);
      run_items();
    }
    ADD(&pool.entered, -1);
    __builtin_wasm_memory_atomic_notify(&pool.entered, 1);
  }
}

EXPORT("tk_worker_failed") void tk_worker_failed(int32_t tid) {
  STORE(&pool.failed, tid > 0 ? tid : -1);
  STORE(&pool.broken, 1);
  __builtin_wasm_memory_atomic_notify(&pool.done, 1);
  __builtin_wasm_memory_atomic_notify(&pool.entered, 1);
}

EXPORT("tk_pool_quit") void tk_pool_quit(void) {
  STORE(&pool.quit, 1);
  __builtin_wasm_memory_atomic_notify(&pool.gen, (uint32_t)TK_MAX_THREADS);
}

EXPORT("tk_debug_trap_worker") void tk_debug_trap_worker(int32_t tid) { STORE(&pool.trap_tid, tid); }
