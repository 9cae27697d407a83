import {
  BLOCK_KIT_LIMITS,
  formatProblem,
  validateMessageBlocks,
  validateView,
} from './block-kit-limits';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section',
  text: mrkdwn(text),
  ...extra,
});
const button = (actionId: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain('Approve'),
  action_id: actionId,
  ...extra,
});
const actions = (elements: unknown[], extra: Record<string, unknown> = {}) => ({
  type: 'actions',
  elements,
  ...extra,
});
const times = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));
const chars = (n: number) => 'x'.repeat(n);

describe('Block Kit limits', () => {
  it('accept an approval card that uses every common block', () => {
    const card = [
      { type: 'header', text: plain('Approve deploy-api to prod?') },
      section('*Tool:* `http.post`', { block_id: 'summary' }),
      { type: 'section', fields: [mrkdwn('*Requester*\n<@U1>'), mrkdwn('*Risk*\nhigh')] },
      { type: 'divider' },
      { type: 'context', elements: [mrkdwn('Expires in 30 min'), plain('run r-1')] },
      actions([
        button('approve', { style: 'primary', value: 'run-1' }),
        button('deny', {
          style: 'danger',
          confirm: {
            title: plain('Deny?'),
            text: mrkdwn('The run stops.'),
            confirm: plain('Deny'),
            deny: plain('Back'),
          },
        }),
      ]),
    ];
    expect(validateMessageBlocks(card)).toEqual([]);
  });

  it.each([
    {
      rule: 'a message holds at most 50 blocks',
      blocks: times(51, () => ({ type: 'divider' })),
      problem: { pointer: '/blocks', message: 'no more than 50 items allowed' },
    },
    {
      rule: 'section text is at most 3000 characters',
      blocks: [section(chars(3001))],
      problem: { pointer: '/blocks/0/text/text', message: 'must be less than 3001 characters' },
    },
    {
      rule: 'section field text is at most 2000 characters',
      blocks: [{ type: 'section', fields: [mrkdwn(chars(2001))] }],
      problem: { pointer: '/blocks/0/fields/0/text', message: 'must be less than 2001 characters' },
    },
    {
      rule: 'a section holds at most 10 fields',
      blocks: [{ type: 'section', fields: times(11, () => mrkdwn('f')) }],
      problem: { pointer: '/blocks/0/fields', message: 'no more than 10 items allowed' },
    },
    {
      rule: 'header text is at most 150 characters',
      blocks: [{ type: 'header', text: plain(chars(151)) }],
      problem: { pointer: '/blocks/0/text/text', message: 'must be less than 151 characters' },
    },
    {
      rule: 'header text is plain_text',
      blocks: [{ type: 'header', text: mrkdwn('*bold*') }],
      problem: { pointer: '/blocks/0/text/type', message: 'must be one of: plain_text' },
    },
    {
      rule: 'button text is at most 75 characters',
      blocks: [actions([button('a', { text: plain(chars(76)) })])],
      problem: {
        pointer: '/blocks/0/elements/0/text/text',
        message: 'must be less than 76 characters',
      },
    },
    {
      rule: 'button value is at most 2000 characters',
      blocks: [actions([button('a', { value: chars(2001) })])],
      problem: {
        pointer: '/blocks/0/elements/0/value',
        message: 'must be less than 2001 characters',
      },
    },
    {
      rule: 'action_id is at most 255 characters',
      blocks: [actions([button(chars(256))])],
      problem: {
        pointer: '/blocks/0/elements/0/action_id',
        message: 'must be less than 256 characters',
      },
    },
    {
      rule: 'block_id is at most 255 characters',
      blocks: [section('hi', { block_id: chars(256) })],
      problem: { pointer: '/blocks/0/block_id', message: 'must be less than 256 characters' },
    },
    {
      rule: 'block_ids are unique within a message',
      blocks: [section('a', { block_id: 'card' }), section('b', { block_id: 'card' })],
      problem: { pointer: '/blocks/1/block_id', message: '`block_id` "card" already exists' },
    },
    {
      rule: 'action_ids are unique within an actions block',
      blocks: [actions([button('decide'), button('decide')])],
      problem: {
        pointer: '/blocks/0/elements/1/action_id',
        message: '`action_id` "decide" already exists',
      },
    },
    {
      rule: 'an actions block holds at most 25 elements',
      blocks: [actions(times(26, (i) => button(`b${i}`)))],
      problem: { pointer: '/blocks/0/elements', message: 'no more than 25 items allowed' },
    },
    {
      rule: 'a context block holds at most 10 elements',
      blocks: [{ type: 'context', elements: times(11, () => mrkdwn('c')) }],
      problem: { pointer: '/blocks/0/elements', message: 'no more than 10 items allowed' },
    },
    {
      rule: 'block types are ones Slack knows',
      blocks: [{ type: 'sectoin', text: mrkdwn('typo') }],
      problem: { pointer: '/blocks/0/type', message: 'unsupported block type: sectoin' },
    },
    {
      rule: 'every block has a type',
      blocks: [{ text: mrkdwn('no type') }],
      problem: { pointer: '/blocks/0', message: 'missing required field: type' },
    },
    {
      rule: 'a button has text',
      blocks: [actions([{ type: 'button', action_id: 'a' }])],
      problem: { pointer: '/blocks/0/elements/0', message: 'missing required field: text' },
    },
    {
      rule: 'a section has text or fields',
      blocks: [{ type: 'section' }],
      problem: { pointer: '/blocks/0', message: 'must provide either text or fields' },
    },
    {
      rule: 'text is not empty',
      blocks: [section('')],
      problem: { pointer: '/blocks/0/text/text', message: 'must be more than 0 characters' },
    },
    {
      rule: 'block_id belongs on the block, not on its elements',
      blocks: [actions([{ type: 'static_select', action_id: 's', block_id: 'x', options: [] }])],
      problem: {
        pointer: '/blocks/0/elements/0',
        message: 'invalid additional property: block_id',
      },
    },
    {
      rule: 'button style is primary or danger',
      blocks: [actions([button('a', { style: 'success' })])],
      problem: {
        pointer: '/blocks/0/elements/0/style',
        message: 'must be one of: primary, danger',
      },
    },
    {
      rule: 'an input block has an element',
      blocks: [{ type: 'input', label: plain('Reason') }],
      problem: { pointer: '/blocks/0', message: 'missing required field: element' },
    },
  ])('$rule', ({ blocks, problem }) => {
    expect(validateMessageBlocks(blocks)).toContainEqual(problem);
  });

  it('accept values exactly at each limit', () => {
    const blocks = [
      { type: 'header', text: plain(chars(BLOCK_KIT_LIMITS.headerText)) },
      section(chars(BLOCK_KIT_LIMITS.sectionText), { block_id: chars(BLOCK_KIT_LIMITS.blockId) }),
      actions(
        times(BLOCK_KIT_LIMITS.actionsElements, (i) =>
          button(`${i}`.padStart(BLOCK_KIT_LIMITS.actionId, 'a'), {
            text: plain(chars(BLOCK_KIT_LIMITS.buttonText)),
            value: chars(BLOCK_KIT_LIMITS.buttonValue),
          }),
        ),
      ),
      { type: 'context', elements: times(BLOCK_KIT_LIMITS.contextElements, () => plain('c')) },
      ...times(BLOCK_KIT_LIMITS.messageBlocks - 4, () => ({ type: 'divider' })),
    ];
    expect(validateMessageBlocks(blocks)).toEqual([]);
  });

  it('format a problem the way Slack writes it in response_metadata.messages', () => {
    expect(
      formatProblem({
        pointer: '/blocks/0/text/text',
        message: 'must be less than 3001 characters',
      }),
    ).toBe('[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]');
  });

  describe('for modal views', () => {
    const modal = (extra: Record<string, unknown> = {}) => ({
      type: 'modal',
      title: plain('Deny request'),
      submit: plain('Deny'),
      blocks: [
        {
          type: 'input',
          block_id: 'reason',
          label: plain('Reason'),
          element: { type: 'plain_text_input', action_id: 'reason', multiline: true },
        },
      ],
      ...extra,
    });

    it('accept a deny-reason modal', () => {
      expect(validateView(modal())).toEqual([]);
    });

    it('allow 100 blocks, not 101', () => {
      expect(validateView(modal({ blocks: times(100, () => ({ type: 'divider' })) }))).toEqual([]);
      expect(
        validateView(modal({ blocks: times(101, () => ({ type: 'divider' })) })),
      ).toContainEqual({ pointer: '/view/blocks', message: 'no more than 100 items allowed' });
    });

    it('limit the title to 24 characters', () => {
      expect(validateView(modal({ title: plain(chars(25)) }))).toContainEqual({
        pointer: '/view/title/text',
        message: 'must be less than 25 characters',
      });
    });

    it('require a title', () => {
      expect(validateView(modal({ title: undefined }))).toContainEqual({
        pointer: '/view',
        message: 'missing required field: title',
      });
    });

    it('require submit text when the modal has input blocks', () => {
      expect(validateView(modal({ submit: undefined }))).toContainEqual({
        pointer: '/view',
        message: 'must provide submit text when using input blocks',
      });
    });

    it('limit private_metadata to 3000 characters', () => {
      expect(validateView(modal({ private_metadata: chars(3001) }))).toContainEqual({
        pointer: '/view/private_metadata',
        message: 'must be less than 3001 characters',
      });
    });
  });
});
