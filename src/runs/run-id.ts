import { randomInt } from 'node:crypto';

// No 0/o, 1/l/i: the id is read aloud and typed back into `/countersign status`.
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';

/** A short, unguessable run id such as `r-7kq2m9xd`. */
export function newRunId(): string {
  let id = 'r-';
  for (let i = 0; i < 8; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}
