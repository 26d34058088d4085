import { setFlagsFromString } from 'node:v8';

/**
 * The runner's heap settings, in force before the rest of it is loaded: runner/cli.ts imports this
 * module first.
 *
 * Every chunk of a flood passes through the main thread as a short-lived Buffer: from the pty, to
 * the page's socket, to the screens' worker. V8 answered the bench's floods by growing the young
 * generation from 8 to 32 MiB, and kept it grown; the Buffers it held kept their native memory
 * meanwhile, and malloc kept much of it once they were freed. Kept at its first size, the young
 * generation is collected more often: the runner's RSS after the floods was 30–35 MiB lower, at
 * the same throughput within the runs' spread (docs/performance.md). `--max-semi-space-size`
 * would say the same on Node's command line only; the growth factor takes effect at run time.
 */
const youngGenerationFlag = '--semi-space-growth-factor=1';

setFlagsFromString(youngGenerationFlag);
