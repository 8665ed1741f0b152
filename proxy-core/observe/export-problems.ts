// What a user hears about a collector that cannot be reached: the first failure at once, then
// at most one line a minute while it lasts (with how many failed since), and one line when it
// works again. A collector down for a day is ~1,440 lines, not one per push. Pure but for `write`.

/** Tells failed and working exports apart, and says so as rarely as that allows. */
export interface ExportProblems {
  failed(reason: string): void;
  succeeded(): void;
}

/** The quiet span between two lines about the same outage. */
export const PROBLEM_EVERY_MS = 60_000;

export function createExportProblems(
  target: string,
  write: (line: string) => void,
  now: () => number = Date.now,
): ExportProblems {
  let failing = false;
  let lastWrittenAt = 0;
  let unsaid = 0;
  return {
    failed(reason) {
      const time = now();
      if (failing && time - lastWrittenAt < PROBLEM_EVERY_MS) {
        unsaid++;
        return;
      }
      const since = unsaid === 0 ? '' : ` (${unsaid} more failed since the last message)`;
      write(`OTLP export to ${target} failed: ${reason}${since}; retrying every push`);
      failing = true;
      lastWrittenAt = time;
      unsaid = 0;
    },
    succeeded() {
      if (!failing) return;
      failing = false;
      unsaid = 0;
      write(`OTLP export to ${target} works again`);
    },
  };
}
