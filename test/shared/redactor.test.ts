import { Types } from 'mongoose';
import { MIN_SCRUBBED_LENGTH, Redactor } from '../../src/shared/redactor';

const TOKEN = 'tok_9f8e7d6c5b4a/+?';

function redactor(secrets: Record<string, string> = { OPS_TOKEN: TOKEN }): Redactor {
  const r = new Redactor();
  for (const [name, value] of Object.entries(secrets)) r.add(name, value);
  return r;
}

const base64 = (text: string) => Buffer.from(text).toString('base64');
const base64url = (text: string) => Buffer.from(text).toString('base64url');

describe('the redactor', () => {
  it('replaces a secret in plain text with its name', () => {
    expect(redactor().scrub(`curl -H "Authorization: Bearer ${TOKEN}" then ${TOKEN}`)).toBe(
      'curl -H "Authorization: Bearer [secret:OPS_TOKEN]" then [secret:OPS_TOKEN]',
    );
  });

  it('scrubs the secret inside a JSON string, even when JSON escapes some of its characters', () => {
    const quoted = 'pa"ss\\word\nline2';
    const r = redactor({ OPS_TOKEN: TOKEN, DB_PASSWORD: quoted });
    const json = JSON.stringify({ token: TOKEN, password: quoted });
    const scrubbed = r.scrub(json);
    expect(JSON.parse(scrubbed)).toEqual({
      token: '[secret:OPS_TOKEN]',
      password: '[secret:DB_PASSWORD]',
    });
  });

  it('scrubs its URL-encoded and form-encoded forms, percent escapes in either case', () => {
    const spaced = 'open sesame!(42)';
    const r = redactor({ OPS_TOKEN: TOKEN, PHRASE: spaced });
    const encoded = encodeURIComponent(TOKEN);
    const lowerEscapes = encoded.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase());
    const query = `?token=${encoded}&lower=${lowerEscapes}`;
    expect(r.scrub(query)).toBe('?token=[secret:OPS_TOKEN]&lower=[secret:OPS_TOKEN]');
    const form = new URLSearchParams({ text: `say ${spaced} now` }).toString();
    expect(form).toContain('open+sesame');
    expect(r.scrub(form)).toBe('text=say+[secret:PHRASE]+now');
  });

  it('scrubs the base64 in a Basic authorization header, whatever the user name before it', () => {
    const r = redactor();
    for (const user of ['', 'a', 'ab', 'admin', 'deploy-bot']) {
      const header = `Authorization: Basic ${base64(`${user}:${TOKEN}`)}`;
      const scrubbed = r.scrub(header);
      expect(scrubbed).toContain('[secret:OPS_TOKEN]');
      // What is left of the encoding decodes to nothing of the secret.
      const left = scrubbed.replace('Authorization: Basic ', '').split('[secret:OPS_TOKEN]');
      for (const part of left) expect(Buffer.from(part, 'base64').toString()).not.toContain('9f8e');
    }
  });

  it('scrubs base64 and base64url of the secret embedded at any offset of a longer encoding', () => {
    const r = redactor();
    for (const prefix of ['', 'x', 'xy', 'xyz', '{"k":"']) {
      for (const encoded of [base64(`${prefix}${TOKEN}"}`), base64url(`${prefix}${TOKEN}"}`)]) {
        expect(r.scrub(encoded)).toContain('[secret:OPS_TOKEN]');
      }
    }
    expect(r.scrub(base64(TOKEN))).toBe('[secret:OPS_TOKEN]');
    expect(r.scrub(base64url(TOKEN))).toBe('[secret:OPS_TOKEN]');
  });

  it('scrubs the hex forms of the secret', () => {
    const hex = Buffer.from(TOKEN).toString('hex');
    expect(redactor().scrub(`dump ${hex} ${hex.toUpperCase()}`)).toBe(
      'dump [secret:OPS_TOKEN] [secret:OPS_TOKEN]',
    );
  });

  it('replaces a secret that contains another one whole, under its own name', () => {
    const r = redactor({ SHORT: 'abcd1234', LONG: 'xx-abcd1234-yy' });
    expect(r.scrub('a xx-abcd1234-yy and abcd1234')).toBe('a [secret:LONG] and [secret:SHORT]');
    expect(r.size).toBe(2);
  });

  it('scrubs a value registered with a trailing newline also where it is printed without it', () => {
    const r = redactor({ KEY: 'line-of-key-material\n' });
    expect(r.scrub('key=line-of-key-material;')).toBe('key=[secret:KEY];');
  });

  it(`refuses values shorter than ${MIN_SCRUBBED_LENGTH} characters and leaves text alone`, () => {
    const r = new Redactor();
    expect(r.add('PIN', '123')).toBe(false);
    expect(r.add('EMPTY', '')).toBe(false);
    expect(r.size).toBe(0);
    expect(r.scrub('call 123 now')).toBe('call 123 now');
  });

  it('scrubs keys and values at any depth and leaves dates, buffers and object ids alone', () => {
    const r = redactor();
    const at = new Date('2026-05-01T00:00:00Z');
    const buffer = Buffer.from(TOKEN);
    const id = new Types.ObjectId();
    const scrubbed = r.scrubDeep({
      args: { [TOKEN]: [`Bearer ${TOKEN}`, 7, true, null], at, buffer, id },
      note: 'nothing secret',
    });
    expect(scrubbed).toEqual({
      args: { '[secret:OPS_TOKEN]': ['Bearer [secret:OPS_TOKEN]', 7, true, null], at, buffer, id },
      note: 'nothing secret',
    });
    expect(scrubbed.args.at).toBe(at);
    expect(scrubbed.args.buffer).toBe(buffer);
    expect(scrubbed.args.id).toBe(id);
  });

  it('returns the very same value when there is nothing to scrub', () => {
    const value = { a: ['b', { c: 'd' }] };
    expect(redactor().scrubDeep(value)).toBe(value);
  });
});
