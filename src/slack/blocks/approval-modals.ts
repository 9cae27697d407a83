import type { types } from '@slack/bolt';
import { type ApprovalRecord, ApprovalStatus } from '../../approvals/approval';
import { callSummary } from './approval-text';
import { approvalValue, DENY_REASON_VIEW } from './approval-value';
import { argumentsText, codeFence, splitText } from './arguments-text';
import { note, SECTION_TEXT, section } from './sections';

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
export function approvalArgumentsModal(approval: ApprovalRecord): types.ModalView {
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
