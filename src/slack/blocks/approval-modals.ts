import type { types } from '@slack/bolt';
import { type ApprovalRecord, ApprovalStatus } from '../../approvals/approval';
import { callSummary } from './approval-text';
import { APPROVAL_ACTION, approvalValue, DENY_REASON_VIEW } from './approval-value';
import { argumentsText, codeFence, splitText } from './arguments-text';
import { note, SECTION_TEXT, section } from './sections';
import { sessionCallView } from './session-call';

/** Slack's limit on a view's blocks. */
const VIEW_BLOCKS = 100;
/** A code block's fences and line breaks take 8 of a section's characters. */
const PIECE_CHARS = SECTION_TEXT - 8;

const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text });
const count = (n: number) => n.toLocaleString('en-US');

/**
 * The call's arguments in full (opened by "Show all"), split into as many code blocks as a view
 * holds; what still does not fit is counted. Only shows: no submit.
 */
export function approvalArgumentsModal(approval: ApprovalRecord, page = 0): types.ModalView {
  if (approval.session !== undefined) return sessionCallModal(approval, page);
  const { text, isJson } = argumentsText(approval.args);
  // One block for the heading, one kept for the note on what did not fit.
  const pieces = splitText(text, PIECE_CHARS, VIEW_BLOCKS - 2);
  const shown = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const how = isJson
    ? "Pretty-printed JSON. Copied whole (every block below, in order), it is JSON of the same value as the call's arguments."
    : 'Not JSON: shown as stored.';
  const status = approval.status === ApprovalStatus.Pending ? '' : ` (${approval.status})`;
  const blocks: types.KnownBlock[] = [
    section(`*Arguments* of ${callSummary(approval)}${status}\n${how}`),
    ...pieces.map((piece) => section(codeFence(piece))),
  ];
  if (shown < text.length) {
    const left = text.length - shown;
    blocks.push(
      note(
        `…and ${count(left)} more characters (${Math.ceil((100 * left) / text.length)}% of ${count(text.length)}) that do not fit in one view.`,
      ),
    );
  }
  return { type: 'modal', title: plain('Call arguments'), close: plain('Close'), blocks };
}

/** Of a view's blocks, a page of a session's call holds this many pieces: one heading, one for the buttons. */
const PAGE_PIECES = VIEW_BLOCKS - 2;

/** The value of a "Show all" page button: the approval it shows, and which page. */
export function argumentsPageValue(approval: ApprovalRecord, page: number): string {
  return `${approvalValue(approval)}|${page}`;
}

/**
 * A session's call in full (the command, the diff, the new text), as the card renders it; a call
 * longer than a view holds is split into parts, with buttons to the next and previous ones.
 */
function sessionCallModal(approval: ApprovalRecord, page: number): types.ModalView {
  const view = sessionCallView(approval);
  const pieces = splitText(view.code, PIECE_CHARS, Number.POSITIVE_INFINITY);
  const pages = Math.max(1, Math.ceil(pieces.length / PAGE_PIECES));
  const at = Math.min(Math.max(0, Math.trunc(page)), pages - 1);
  const status = approval.status === ApprovalStatus.Pending ? '' : ` (${approval.status})`;
  const part =
    pages > 1 ? `\nPart ${at + 1} of ${pages}: copied in order, every part makes the whole.` : '';
  const blocks: types.KnownBlock[] = [
    section(`${view.heading}\nof ${callSummary(approval)}${status}${part}`),
    ...pieces
      .slice(at * PAGE_PIECES, (at + 1) * PAGE_PIECES)
      .map((piece) => section(codeFence(piece))),
  ];
  if (view.code === '') blocks.push(note('Nothing to show.'));
  if (pages > 1) {
    const go = (text: string, to: number): types.Button => ({
      type: 'button',
      text: plain(text),
      action_id:
        to < at ? APPROVAL_ACTION.showArgumentsPrevious : APPROVAL_ACTION.showArgumentsNext,
      value: argumentsPageValue(approval, to),
    });
    blocks.push({
      type: 'actions',
      block_id: 'arguments_pages',
      elements: [
        ...(at > 0 ? [go(`Part ${at}`, at - 1)] : []),
        ...(at < pages - 1 ? [go(`Part ${at + 2}`, at + 1)] : []),
      ],
    });
  }
  return { type: 'modal', title: plain('The call in full'), close: plain('Close'), blocks };
}

/** Asks the denier why (Deny opens it); the reason is shown on the card. */
export function denyReasonModal(
  approval: ApprovalRecord,
  { fromHome = false }: { fromHome?: boolean } = {},
): types.ModalView {
  return {
    type: 'modal',
    callback_id: fromHome ? DENY_REASON_VIEW.homeCallbackId : DENY_REASON_VIEW.callbackId,
    private_metadata: approvalValue(approval),
    title: plain('Deny this call'),
    submit: plain('Deny'),
    close: plain('Cancel'),
    blocks: [
      section(
        `You are denying ${callSummary(approval)}.\nYour reason is shown on the card, to everyone who can see it.`,
      ),
      {
        type: 'input',
        block_id: DENY_REASON_VIEW.blockId,
        label: plain('Why deny it?'),
        element: {
          type: 'plain_text_input',
          action_id: DENY_REASON_VIEW.actionId,
          multiline: true,
          max_length: DENY_REASON_VIEW.maxLength,
          placeholder: plain('What is wrong with this call, or what should happen instead'),
        },
      },
    ],
  };
}
