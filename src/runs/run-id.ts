import { randomInt } from 'node:crypto';

// No 0/o, 1/l/i: the id is read aloud and typed back into `/countersign status`.
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

const RUN_ID = new RegExp(`^r-[${ALPHABET}]{8}$`);

/** A short, unguessable run id such as `r-7kq2m9xd`. */
export function newRunId(): string {
  let id = 'r-';
  for (let i = 0; i < 8; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/** Whether `text` is shaped like an id newRunId() makes (it may still name no run). */
export function isRunId(text: string): boolean {
  return RUN_ID.test(text);
}
