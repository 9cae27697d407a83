import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger';
import { Redactor } from '../../src/shared/redactor';

const SECRET = 'sk-live-4f3e2d1c0b';

/** A real pino logger writing into memory, as the service's does into stdout. */
function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const redactor = new Redactor();
  redactor.add('PAYMENTS_KEY', SECRET);
  return { log: createLogger('info', sink, redactor), lines };
}

describe('the log', () => {
  it('shows a secret as its name in the message and in fields', () => {
    const { log, lines } = capturedLogger();
    log.info(
      {
        url: `https://api.example.com/?key=${encodeURIComponent(SECRET)}`,
        auth: btoa(`u:${SECRET}`),
      },
      `calling with ${SECRET}`,
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line)).toMatchObject({
      msg: 'calling with [secret:PAYMENTS_KEY]',
      url: 'https://api.example.com/?key=[secret:PAYMENTS_KEY]',
    });
    expect(JSON.parse(line).auth).toContain('[secret:PAYMENTS_KEY]');
  });

  it("scrubs a secret from an error's message and stack", () => {
    const { log, lines } = capturedLogger();
    const error = new Error(`request failed: token ${SECRET} was refused`);
    log.error({ err: error }, 'tool failed');
    const entry = JSON.parse(lines[0] as string);
    expect(lines[0]).not.toContain(SECRET);
    expect(entry.err.message).toBe('request failed: token [secret:PAYMENTS_KEY] was refused');
    expect(entry.err.stack).toContain('token [secret:PAYMENTS_KEY] was refused');
  });

  it('still censors credential fields by name', () => {
    const { log, lines } = capturedLogger();
    log.info(
      { token: 'xoxb-not-a-registered-secret', headers: { authorization: 'Bearer x' } },
      'hi',
    );
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      token: '[redacted]',
      headers: { authorization: '[redacted]' },
    });
  });
});
