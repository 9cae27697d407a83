import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger';
import { outageLog } from '../../src/observability/outage-log';

const SUBJECT = 'Redis at redis://127.0.0.1:6379 (REDIS_URL)';

/** A real pino logger writing into memory, and a clock the test moves. */
function setUp(intervalMs = 30_000) {
  const lines: { level: number; msg: string; [field: string]: unknown }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  let now = Date.parse('2026-05-01T12:00:00Z');
  const outage = outageLog({
    subject: SUBJECT,
    log: createLogger('debug', sink),
    clock: () => new Date(now),
    intervalMs,
  });
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), {
    code: 'ECONNREFUSED',
  });
  return {
    outage,
    lines,
    refused,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('an outage log', () => {
  it('logs the first error of an outage once, as a warning naming what is down, with no stack', () => {
    const { outage, lines, refused } = setUp();
    for (let i = 0; i < 200; i++) outage.failed(refused);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: `${SUBJECT} is unreachable: connect ECONNREFUSED 127.0.0.1:6379; retrying, and logging at most once every 30 s until it answers`,
      code: 'ECONNREFUSED',
    });
    expect(JSON.stringify(lines[0])).not.toContain('stack');
    expect(outage.isDown()).toBe(true);
  });

  it('sums up a lasting outage in at most one line per interval', () => {
    const { outage, lines, refused, advance } = setUp(30_000);
    outage.failed(refused);
    for (let second = 1; second <= 95; second++) {
      advance(1_000);
      outage.failed(refused);
      outage.failed(refused);
    }
    expect(lines.map((line) => line.msg)).toEqual([
      expect.stringMatching(/is unreachable/),
      `${SUBJECT} still unreachable: 60 errors since 2026-05-01T12:00:00.000Z`,
      `${SUBJECT} still unreachable: 120 errors since 2026-05-01T12:00:00.000Z`,
      `${SUBJECT} still unreachable: 180 errors since 2026-05-01T12:00:00.000Z`,
    ]);
  });

  it('logs the recovery once, then a new outage afresh', () => {
    const { outage, lines, refused, advance } = setUp();
    outage.recovered();
    expect(lines).toEqual([]);
    outage.failed(refused);
    advance(12_000);
    outage.failed(refused);
    outage.recovered();
    outage.recovered();
    expect(outage.isDown()).toBe(false);
    expect(lines.slice(1)).toEqual([
      expect.objectContaining({
        level: 30,
        msg: `${SUBJECT} reachable again after 12 s (2 errors)`,
        errors: 2,
        downMs: 12_000,
      }),
    ]);
    outage.failed(refused);
    expect(lines.map((line) => line.level)).toEqual([40, 30, 40]);
  });
});
