/** Garbage collection on demand for tests of native memory that the collector frees. */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** Runs GC until `done()` holds (finalizers of native objects may run a tick after a collection). */
export async function collectUntil(done: () => boolean): Promise<boolean> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let attempt = 0; attempt < 50 && !done(); attempt++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done();
}
