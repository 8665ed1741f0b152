// When the supervisor restarts a crashed worker and when it gives up: constants and one pure
// function, so the schedule is tested as a table.

/** Consecutive crashes after which the supervisor stops restarting and reports `failed`. */
export const MAX_CRASHES = 5;
/** A worker that had been running this long when it crashed starts a fresh count. */
export const HEALTHY_MS = 60_000;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/**
 * How long to wait before restart number `attempt` (1 after the first crash): 0.5 s, doubling
 * each time, at most 30 s. With MAX_CRASHES at 5 the delays in use are 0.5, 1, 2 and 4 s.
 */
export function restartDelay(attempt: number): number {
  return Math.min(FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1), MAX_DELAY_MS);
}
