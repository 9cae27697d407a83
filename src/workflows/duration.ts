const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `30m`, `2h`, `1h30m` → milliseconds; undefined if the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return total;
}

/** 5400000 → `1h30m`: the inverse of parseDuration, for messages. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let left = ms;
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const amount = Math.floor(left / UNIT_MS[unit]);
    if (amount > 0) parts.push(`${amount}${unit}`);
    left -= amount * UNIT_MS[unit];
  }
  return parts.join('') || '0s';
}
