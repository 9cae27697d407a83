/** The q-th percentile (0–100) of `samples`, nearest-rank: p99 of 50 samples is their maximum. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** One row of the table: a figure, and what it is compared with where there is a baseline. */
export interface Figure {
  measurement: string;
  value: number;
  baseline?: number;
  unit: string;
  /** What the value means, in a few words (docs/performance.md says more). */
  note?: string;
}

/** value / baseline, where a baseline exists. */
export function ratioOf(figure: Figure): number | undefined {
  return figure.baseline === undefined || figure.baseline === 0
    ? undefined
    : Number((figure.value / figure.baseline).toPrecision(3));
}

/** Runs `work` for each item with at most `limit` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
