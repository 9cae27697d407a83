/**
 * Values shorter than this are not scrubbed: replacing every "abc" in every log line, message
 * and document would mangle ordinary text and, by where `[secret:NAME]` shows up, reveal the
 * value anyway. {@link Redactor.add} refuses them and says so; the broker logs a warning.
 */
export const MIN_SCRUBBED_LENGTH = 4;

/** Below this many bytes, base64 shifted by 1 or 2 bytes leaves too few stable characters. */
const MIN_SHIFTED_BASE64_BYTES = 6;

/**
 * The characters of `base64(k filler bytes + value + anything)` that depend on the value alone,
 * for an offset `k` of 0, 1 or 2 (any offset is one of these mod 3). The first characters mix
 * in the filler bytes and the last one mixes in whatever follows, so both are left out.
 */
function stableBase64(bytes: Buffer, offset: 0 | 1 | 2): string {
  const length = offset + bytes.length;
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  const start = [0, 2, 3][offset] as number;
  const end = 4 * Math.floor(length / 3) + ([0, 1, 2][length % 3] as number);
  return encoded.slice(start, end);
}

const toBase64Url = (base64: string) => base64.replaceAll('+', '-').replaceAll('/', '_');

/** Every form in which `value` may show up in text we send or store. */
function formsOf(value: string): Set<string> {
  const bytes = Buffer.from(value, 'utf8');
  const base64: string[] = [bytes.toString('base64'), stableBase64(bytes, 0)];
  if (bytes.length >= MIN_SHIFTED_BASE64_BYTES) {
    base64.push(stableBase64(bytes, 1), stableBase64(bytes, 2));
  }
  const hex = bytes.toString('hex');
  return new Set([
    value,
    // Inside JSON text (a log line, a Block Kit payload): quotes, backslashes, newlines escaped.
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    // application/x-www-form-urlencoded: spaces as `+`, and `!'()~` escaped too.
    new URLSearchParams({ v: value }).toString().slice(2),
    ...base64,
    ...base64.map(toBase64Url),
    ...base64.map((form) => form.replace(/=+$/, '')),
    hex,
    hex.toUpperCase(),
  ]);
}

/** A form as a pattern: percent escapes match in either case (`%2f` as well as `%2F`). */
function patternOf(form: string): string {
  return form
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%([0-9A-F])([0-9A-F])/g, (_, high: string, low: string) => {
      const either = (digit: string) =>
        /[A-F]/.test(digit) ? `[${digit}${digit.toLowerCase()}]` : digit;
      return `%${either(high)}${either(low)}`;
    });
}

interface Form {
  text: string;
  name: string;
}

const isPlainObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * Replaces every known secret value, and its JSON-escaped, URL-encoded, form-encoded, base64,
 * base64url and hex forms, with `[secret:NAME]`. One pass, leftmost match first; at a given
 * position the longest form wins, so a secret that contains another is replaced whole.
 */
export class Redactor {
  private readonly names = new Map<string, string>();
  private forms: Form[] = [];
  private compiled: RegExp | undefined;

  /** How many secret values are scrubbed. */
  get size(): number {
    return this.names.size;
  }

  /**
   * Scrubs `value` (and, if it has surrounding whitespace, its trimmed form) from now on.
   * @returns false, and scrubs nothing, for a value shorter than {@link MIN_SCRUBBED_LENGTH}.
   */
  add(name: string, value: string): boolean {
    if (value.length < MIN_SCRUBBED_LENGTH) return false;
    const trimmed = value.trim();
    for (const known of trimmed.length >= MIN_SCRUBBED_LENGTH ? [value, trimmed] : [value]) {
      if (this.names.has(known)) continue;
      this.names.set(known, name);
      for (const text of formsOf(known)) this.forms.push({ text, name });
      this.compiled = undefined;
    }
    return true;
  }

  scrub(text: string): string {
    if (this.names.size === 0 || text.length < MIN_SCRUBBED_LENGTH) return text;
    const pattern = this.pattern();
    return text.replace(pattern, (...match: unknown[]) => {
      // Group i + 1 is form i; exactly one group matched.
      const group = match.slice(1, this.forms.length + 1).findIndex((part) => part !== undefined);
      return `[secret:${this.forms[group]?.name ?? '?'}]`;
    });
  }

  /**
   * Scrubs every string in a JSON-like value: strings, array items, object keys and values, at
   * any depth. Returns the same reference where nothing changed. Anything that is not a plain
   * object or array (Date, Buffer, ObjectId, a class instance) is left as it is.
   */
  scrubDeep<T>(value: T): T {
    if (this.names.size === 0) return value;
    return this.deep(value, new WeakSet()) as T;
  }

  private deep(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (value === null || typeof value !== 'object' || seen.has(value)) return value;
    if (Array.isArray(value)) {
      seen.add(value);
      const items = value.map((item) => this.deep(item, seen));
      return items.some((item, index) => item !== value[index]) ? items : value;
    }
    if (!isPlainObject(value)) return value;
    seen.add(value);
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const scrubbed: [string, unknown] = [this.scrub(key), this.deep(item, seen)];
      if (scrubbed[0] !== key || scrubbed[1] !== item) changed = true;
      return scrubbed;
    });
    return changed ? Object.fromEntries(entries) : value;
  }

  private pattern(): RegExp {
    if (this.compiled === undefined) {
      // Longest first: the regex tries alternatives in order at each position.
      this.forms.sort((a, b) => b.text.length - a.text.length);
      this.compiled = new RegExp(
        this.forms.map((form) => `(${patternOf(form.text)})`).join('|'),
        'g',
      );
    }
    this.compiled.lastIndex = 0;
    return this.compiled;
  }
}
