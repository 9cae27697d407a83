import {
  channelMention,
  clipLine,
  fitText,
  slackDate,
  usergroupMention,
  userMention,
} from '../../../src/slack/blocks/mrkdwn';

/** A high surrogate not followed by a low one: half an emoji. */
const LONE_HALF = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/;

describe('mrkdwn helpers', () => {
  it('cut text to the limit without leaving half an emoji', () => {
    const text = `a${'🚀'.repeat(50)}`;
    for (let limit = 10; limit < 60; limit++) {
      const fit = fitText(text, limit);
      expect(fit.length).toBeLessThanOrEqual(limit);
      expect(fit).toMatch(/\n…\(cut\)$/);
      expect(fit).not.toMatch(LONE_HALF);
      const clipped = clipLine(text, limit);
      expect(clipped.length).toBeLessThanOrEqual(limit);
      expect(clipped).not.toMatch(LONE_HALF);
    }
    expect(fitText('short', 10)).toBe('short');
  });

  it('clip to one line, saying when something was cut', () => {
    expect(clipLine('one\n  two\r\nthree', 100)).toBe('one two three');
    expect(clipLine('abcdef', 4)).toBe('abc…');
  });

  it("write a time Slack shows in the viewer's time zone, with a UTC fallback", () => {
    expect(slackDate(new Date('2026-03-03T10:04:05.678Z'))).toBe(
      '<!date^1772532245^{date_short_pretty} {time}|2026-03-03 10:04 UTC>',
    );
    expect(slackDate(new Date(Number.NaN))).toBe('an unknown time');
  });

  it('mention only what is shaped like a Slack id', () => {
    expect(userMention('U0ADA')).toBe('<@U0ADA>');
    expect(userMention('U0ADA|x> <!here')).toBe('`U0ADA|x&gt; &lt;!here`');
    expect(channelMention('C0GENERAL')).toBe('<#C0GENERAL>');
    expect(channelMention('#general')).toBe('`#general`');
    expect(usergroupMention('S0SRE')).toBe('<!subteam^S0SRE>');
    expect(usergroupMention('S0SRE> <!channel')).toBe('`S0SRE&gt; &lt;!channel`');
  });
});
