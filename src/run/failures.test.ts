import { describe, expect, it } from 'vitest';
import { OUT_OF_MEMORY_ADVICE, describeError, isOutOfMemory, stoppedMessage } from './failures';

describe('failure wording', () => {
  it.each([
    'Array buffer allocation failed',
    'Invalid typed array length: 28224000000000',
    'Invalid array buffer length',
    'WebAssembly.Memory(): could not allocate memory',
    'Aborted(OOM)',
    'Cannot enlarge memory arrays to size 2147549184 bytes (OOM).',
    'train_kernels.wasm: out of memory allocating 1048576 bytes',
    'Out of memory',
  ])('an allocation failure (%s) says what happened and what to do, keeping the engine\'s words', (raw) => {
    expect(isOutOfMemory(raw)).toBe(true);
    const t = describeError(new RangeError(raw));
    expect(t).toBe(`The browser ran out of memory (${raw}). ${OUT_OF_MEMORY_ADVICE}`);
  });

  it('other errors keep their own message, and a message that already gives the advice is not wrapped again', () => {
    expect(describeError(new Error('Storage is full: this save was not written'))).toBe('Storage is full: this save was not written');
    expect(describeError('plain text')).toBe('plain text');
    const stopped = stoppedMessage('the browser ran out of memory in a training step (Aborted(OOM))', 1200, 1000, 'on the same backend', OUT_OF_MEMORY_ADVICE);
    expect(describeError(new Error(stopped))).toBe(stopped);
  });

  it('a stopped run says what happened, what was kept, what to do (with advice when given)', () => {
    expect(stoppedMessage('the browser ran out of memory in a training step (Aborted(OOM))', 1200, 1000, 'on the same backend', OUT_OF_MEMORY_ADVICE)).toBe(
      'Training stopped: the browser ran out of memory in a training step (Aborted(OOM)) at step 1,200. Nothing was saved after that, so the last checkpoint (step 1,000) is intact. ' +
      `${OUT_OF_MEMORY_ADVICE} Press "Resume from last save": the run reopens from it in a new learner, on the same backend.`);
    expect(stoppedMessage('x', null, null)).toBe('Training stopped: x. Nothing was saved after that, so no checkpoint exists yet: this run cannot be resumed. Close it and start a new run.');
  });
});
