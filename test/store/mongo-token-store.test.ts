import type { GatewayToken } from '../../src/gateway/ports';
import { newToken, tokenHash } from '../../src/gateway/tokens';
import { type Database, openDatabase } from '../../src/store/database';
import { TEST_AUDIT_HMAC_KEY, testMongoUri, uniqueName } from '../support/test-env';

const at = (minute: number) => new Date(Date.UTC(2026, 4, 1, 12, minute));

/** A new token's record (and its text, which only the caller sees). */
function madeToken(workflow: string, minute: number, extra: Partial<GatewayToken> = {}) {
  const { text, id } = newToken();
  const token: GatewayToken = {
    id,
    hash: tokenHash(text),
    workflow,
    userId: 'U0ADA',
    headless: false,
    createdBy: 'cli',
    createdAt: at(minute),
    ...extra,
  };
  return { text, token };
}

describe('gateway tokens on the real database', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase(testMongoUri(uniqueName('tokens')), {
      auditHmacKey: TEST_AUDIT_HMAC_KEY,
    });
  });
  afterAll(async () => {
    await db.connection.dropDatabase();
    await db.close();
  });

  it('finds a token by the hash of its text, and stores nothing of the text itself', async () => {
    const { text, token } = madeToken('claude-code', 0, {
      label: 'laptop',
      expiresAt: at(90),
      headless: true,
    });
    await db.tokens.create(token);

    expect(await db.tokens.byHash(tokenHash(text))).toEqual(token);
    expect(await db.tokens.byHash(tokenHash(`${text}x`))).toBeNull();
    const stored = await db.connection.collection('gateway_tokens').find().toArray();
    const everything = JSON.stringify(stored);
    expect(everything).toContain(token.hash);
    expect(everything).not.toContain(text);
    expect(everything).not.toContain(text.slice(4)); // not even without its cst_ prefix
  });

  it('refuses a second token with the same hash (the unique index holds)', async () => {
    const { token } = madeToken('claude-code', 1);
    await db.tokens.create(token);
    await expect(db.tokens.create({ ...token, id: 'tok_other' })).rejects.toMatchObject({
      code: 11000,
    });
  });

  it('lists tokens newest first, of one workflow when asked', async () => {
    const older = madeToken('list-a', 10).token;
    const newer = madeToken('list-a', 12).token;
    const other = madeToken('list-b', 11).token;
    for (const token of [older, other, newer]) await db.tokens.create(token);

    expect((await db.tokens.list({ workflow: 'list-a' })).map((t) => t.id)).toEqual([
      newer.id,
      older.id,
    ]);
    const all = (await db.tokens.list()).map((t) => t.id);
    expect(all.indexOf(newer.id)).toBeLessThan(all.indexOf(other.id));
    expect(all.indexOf(other.id)).toBeLessThan(all.indexOf(older.id));
  });

  it('revokes a token once, and the revoked token is still found (to be refused as revoked)', async () => {
    const { text, token } = madeToken('claude-code', 20);
    await db.tokens.create(token);

    const revoked = await db.tokens.revoke(token.id, 'cli', at(21));
    expect(revoked).toEqual({ ...token, revokedAt: at(21), revokedBy: 'cli' });
    expect(await db.tokens.revoke(token.id, 'U0LATE', at(22))).toBeNull();
    expect(await db.tokens.byHash(tokenHash(text))).toMatchObject({
      revokedAt: at(21),
      revokedBy: 'cli',
    });
  });

  it('keeps refusing a token whose revoke died half way, and lets the next revoke finish it', async () => {
    const { text, token } = madeToken('claude-code', 25);
    await db.tokens.create(token);
    // What a revoke leaves when its process dies after marking the token, before its claim.
    await db.connection
      .collection('gateway_tokens')
      .updateOne({ _id: token.id as never }, { $set: { revokeStartedAt: at(26) } });

    expect(await db.tokens.byHash(tokenHash(text))).toMatchObject({ revokedAt: at(26) });
    expect(await db.tokens.revoke(token.id, 'cli', at(27))).toMatchObject({
      revokedAt: at(27),
      revokedBy: 'cli',
    });
    expect(await db.tokens.revoke(token.id, 'cli', at(28))).toBeNull();
  });

  it('answers null for a token it never made', async () => {
    expect(await db.tokens.revoke('tok_000000000000', 'cli', at(30))).toBeNull();
  });

  it.each([40, 42, 44])(
    'lets exactly one of 12 racing revokes win, and keeps the winner’s name and time (%#)',
    async (minute) => {
      const { token } = madeToken('claude-code', minute);
      await db.tokens.create(token);

      const results = await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          db.tokens.revoke(token.id, `U0R${n}`, new Date(at(minute + 1).getTime() + n)),
        ),
      );
      const winners = results.filter((result) => result !== null);
      expect(winners).toHaveLength(1);
      const stored = (await db.tokens.list({ workflow: 'claude-code' })).find(
        (t) => t.id === token.id,
      );
      expect(stored?.revokedBy).toBe(winners[0]?.revokedBy);
      expect(stored?.revokedAt).toEqual(winners[0]?.revokedAt);
    },
  );
});
