/* The kernels' thread pool: worker instances of this module share its memory (shared
 * WebAssembly.Memory) and park in tk_worker_loop; the calling thread publishes a parallel loop
 * with tk_parallel_for, takes items itself and waits for the workers to finish.
 *
 * Every parallel loop here is over *items with disjoint outputs*, and each output is computed
 * in an order that does not depend on the thread count (items cut from the shape alone, or, for
 * the filter gradient, sums that run over all positions in order inside any item); so results
 * are bit-identical for any number of threads (1 runs the same items in a plain loop).
 *
 * Failure: a worker that traps is reported by its JS (tk_worker_failed); one that vanishes
 * (terminated, killed) is caught by a bounded wait. Either way tk_parallel_for returns
 * TK_ERR_THREADS / TK_ERR_TIMEOUT without finishing the loop, the pool stays broken, and the
 * caller (src/tfjs/kernels-module.ts) redoes the kernel call on a fresh 1-thread instance.
 */
#ifndef TRAIN_KERNELS_THREADS_H
#define TRAIN_KERNELS_THREADS_H
#include <stdint.h>

#define TK_MAX_THREADS 16      /* workers + the calling thread */
#define TK_ERR_THREADS (-4)    /* a worker failed (trapped) during a parallel loop */
#define TK_ERR_TIMEOUT (-5)    /* the workers did not finish within the timeout */

typedef void (*tk_item_fn)(const void *ctx, int32_t item);

/* Threads a parallel loop may use (workers + the caller), for kernels whose bits do not depend
 * on how their items are cut and that size items to the pool. */
int32_t tk_pool_threads(void);

/* Runs fn(ctx, i) for i in [0, items), each exactly once, across the pool. */
int32_t tk_parallel_for(tk_item_fn fn, const void *ctx, int32_t items);

/* Exported (JS side in src/tfjs/kernels-module.ts):
 *   tk_set_threads(workers, timeout_ms)  workers parked in tk_worker_loop that take part
 *   tk_thread_stack_top(tid)             where worker tid's shadow stack starts (tid 1..)
 *   tk_worker_register(tid)              before the worker reports ready (see threads.c)
 *   tk_worker_loop(tid)                  runs jobs until tk_pool_quit
 *   tk_worker_failed(tid)                the worker's JS caught a trap out of the loop
 *   tk_pool_quit()                       every worker returns from tk_worker_loop
 *   tk_debug_trap_worker(tid)            test hook: worker tid traps in its next job
 *                                        (-tid: stays inside it until tk_pool_quit) */
#endif
