import { createHash, randomBytes } from 'node:crypto';

/** The prefix of every gateway token's text: secret scanners and the redactor can tell one. */
export const TOKEN_PREFIX = 'cst_';

/** A new token's text (shown once) and its id (not a secret). */
export function newToken(): { text: string; id: string } {
  return {
    text: `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`,
    id: `tok_${randomBytes(6).toString('hex')}`,
  };
}

/** What is stored of a token: the sha256 of its text. */
export function tokenHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
