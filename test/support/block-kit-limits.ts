/**
 * Block Kit validation with Slack's documented limits, worded the way Slack words its
 * `response_metadata.messages` (`must be less than 3001 characters`, `no more than 50 items
 * allowed`, `missing required field: text`), so the fake Slack API rejects what Slack rejects.
 *
 * Lengths are counted in UTF-16 code units (`string.length`): never more lenient than Slack.
 */

/** One complaint: what is wrong, and the JSON pointer to where. */
export interface BlockKitProblem {
  pointer: string;
  message: string;
}

/** Slack's limits, from the Block Kit reference (docs.slack.dev/reference/block-kit). */
export const BLOCK_KIT_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** `chat.postMessage` answers `msg_too_long` above this. */
  messageText: 40_000,
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  markdownText: 12_000,
  actionsElements: 25,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  accessibilityLabel: 75,
  imageUrl: 3000,
  imageAltText: 2000,
  imageTitle: 2000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  checkboxOptions: 10,
  radioOptions: 10,
  overflowOptionsMin: 2,
  overflowOptionsMax: 5,
  textInputLength: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  viewTitle: 24,
  viewButton: 24,
  viewCallbackId: 255,
  viewExternalId: 255,
  viewPrivateMetadata: 3000,
} as const;

const L = BLOCK_KIT_LIMITS;

/** `[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]` */
export function formatProblem(problem: BlockKitProblem): string {
  return `[ERROR] ${problem.message} [json-pointer:${problem.pointer}]`;
}

/** Problems with a message's `blocks` (chat.postMessage, chat.update, response_url...). */
export function validateMessageBlocks(blocks: unknown, pointer = '/blocks'): BlockKitProblem[] {
  const problems: BlockKitProblem[] = [];
  checkBlocks(blocks, pointer, L.messageBlocks, problems);
  return problems;
}

/** Problems with a view (views.open, views.update, views.push, views.publish). */
export function validateView(view: unknown, pointer = '/view'): BlockKitProblem[] {
  const problems: BlockKitProblem[] = [];
  if (!isRecord(view)) {
    problems.push({ pointer, message: 'must be an object' });
    return problems;
  }
  checkKeys(view, VIEW_KEYS, pointer, problems);
  const type = view.type;
  if (type === undefined) {
    problems.push({ pointer, message: 'missing required field: type' });
  } else if (type !== 'modal' && type !== 'home') {
    problems.push({ pointer: `${pointer}/type`, message: 'must be one of: modal, home' });
  }
  const isModal = type === 'modal';
  checkText(view, 'title', pointer, problems, {
    required: isModal,
    max: L.viewTitle,
    plainOnly: true,
  });
  checkText(view, 'submit', pointer, problems, { max: L.viewButton, plainOnly: true });
  checkText(view, 'close', pointer, problems, { max: L.viewButton, plainOnly: true });
  checkString(view, 'callback_id', pointer, problems, { max: L.viewCallbackId });
  checkString(view, 'external_id', pointer, problems, { max: L.viewExternalId });
  checkString(view, 'private_metadata', pointer, problems, {
    max: L.viewPrivateMetadata,
    min: 0,
  });
  if (view.blocks === undefined) {
    problems.push({ pointer, message: 'missing required field: blocks' });
  } else {
    checkBlocks(view.blocks, `${pointer}/blocks`, L.viewBlocks, problems);
  }
  const hasInput =
    Array.isArray(view.blocks) && view.blocks.some((b) => isRecord(b) && b.type === 'input');
  if (isModal && hasInput && view.submit === undefined) {
    problems.push({ pointer, message: 'must provide submit text when using input blocks' });
  }
  return problems;
}

const VIEW_KEYS = [
  'type',
  'title',
  'blocks',
  'close',
  'submit',
  'private_metadata',
  'callback_id',
  'clear_on_close',
  'notify_on_close',
  'external_id',
  'submit_disabled',
] as const;

/** Block types checked field by field, with the fields each accepts. */
const BLOCK_KEYS: Record<string, readonly string[]> = {
  section: ['type', 'block_id', 'text', 'fields', 'accessory', 'expand'],
  header: ['type', 'block_id', 'text'],
  divider: ['type', 'block_id'],
  context: ['type', 'block_id', 'elements'],
  actions: ['type', 'block_id', 'elements'],
  image: ['type', 'block_id', 'image_url', 'slack_file', 'alt_text', 'title'],
  input: ['type', 'block_id', 'label', 'element', 'dispatch_action', 'hint', 'optional'],
  markdown: ['type', 'block_id', 'text'],
};

/** Real block types whose inner structure this validator does not check. */
const OPAQUE_BLOCK_TYPES = new Set([
  'rich_text',
  'file',
  'video',
  'table',
  'context_actions',
  'call',
]);

const INTERACTIVE_ELEMENT_TYPES = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'timepicker',
  'email_text_input',
  'number_input',
  'url_text_input',
  'plain_text_input',
  'rich_text_input',
  'file_input',
  'overflow',
  'radio_buttons',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'workflow_button',
]);

const BUTTON_KEYS = [
  'type',
  'text',
  'action_id',
  'url',
  'value',
  'style',
  'confirm',
  'accessibility_label',
] as const;

function checkBlocks(
  blocks: unknown,
  pointer: string,
  maxBlocks: number,
  problems: BlockKitProblem[],
): void {
  if (!Array.isArray(blocks)) {
    problems.push({ pointer, message: 'must be an array' });
    return;
  }
  if (blocks.length > maxBlocks) {
    problems.push({ pointer, message: `no more than ${maxBlocks} items allowed` });
  }
  const seenBlockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const blockPointer = `${pointer}/${index}`;
    checkBlock(block, blockPointer, problems);
    if (isRecord(block) && typeof block.block_id === 'string') {
      if (seenBlockIds.has(block.block_id)) {
        problems.push({
          pointer: `${blockPointer}/block_id`,
          message: `\`block_id\` "${block.block_id}" already exists`,
        });
      }
      seenBlockIds.add(block.block_id);
    }
  });
}

function checkBlock(block: unknown, pointer: string, problems: BlockKitProblem[]): void {
  if (!isRecord(block)) {
    problems.push({ pointer, message: 'must be an object' });
    return;
  }
  const type = block.type;
  if (type === undefined) {
    problems.push({ pointer, message: 'missing required field: type' });
    return;
  }
  checkString(block, 'block_id', pointer, problems, { max: L.blockId });
  if (typeof type === 'string' && OPAQUE_BLOCK_TYPES.has(type)) return;
  const keys = typeof type === 'string' ? BLOCK_KEYS[type] : undefined;
  if (keys === undefined) {
    problems.push({
      pointer: `${pointer}/type`,
      message: `unsupported block type: ${String(type)}`,
    });
    return;
  }
  checkKeys(block, keys, pointer, problems);
  switch (type) {
    case 'section':
      checkSection(block, pointer, problems);
      return;
    case 'header':
      checkText(block, 'text', pointer, problems, {
        required: true,
        max: L.headerText,
        plainOnly: true,
      });
      return;
    case 'context':
      checkContext(block, pointer, problems);
      return;
    case 'actions':
      checkActions(block, pointer, problems);
      return;
    case 'image':
      checkImage(block, pointer, problems);
      return;
    case 'input':
      checkText(block, 'label', pointer, problems, {
        required: true,
        max: L.inputLabel,
        plainOnly: true,
      });
      checkText(block, 'hint', pointer, problems, { max: L.inputHint, plainOnly: true });
      if (block.element === undefined) {
        problems.push({ pointer, message: 'missing required field: element' });
      } else {
        checkElement(block.element, `${pointer}/element`, problems);
      }
      return;
    case 'markdown':
      checkString(block, 'text', pointer, problems, { required: true, max: L.markdownText });
      return;
    default:
      return;
  }
}

function checkSection(
  block: Record<string, unknown>,
  pointer: string,
  problems: BlockKitProblem[],
): void {
  if (block.text === undefined && block.fields === undefined) {
    problems.push({ pointer, message: 'must provide either text or fields' });
  }
  checkText(block, 'text', pointer, problems, { max: L.sectionText });
  if (block.fields !== undefined) {
    const fieldsPointer = `${pointer}/fields`;
    if (!Array.isArray(block.fields)) {
      problems.push({ pointer: fieldsPointer, message: 'must be an array' });
    } else {
      if (block.fields.length > L.sectionFields) {
        problems.push({
          pointer: fieldsPointer,
          message: `no more than ${L.sectionFields} items allowed`,
        });
      }
      block.fields.forEach((field, index) => {
        checkTextObject(field, `${fieldsPointer}/${index}`, problems, {
          max: L.sectionFieldText,
        });
      });
    }
  }
  if (block.accessory !== undefined) {
    checkElement(block.accessory, `${pointer}/accessory`, problems, { allowImage: true });
  }
}

function checkContext(
  block: Record<string, unknown>,
  pointer: string,
  problems: BlockKitProblem[],
): void {
  const elements = block.elements;
  const elementsPointer = `${pointer}/elements`;
  if (!checkArray(block, 'elements', pointer, problems, 1, L.contextElements)) return;
  (elements as unknown[]).forEach((element, index) => {
    const elementPointer = `${elementsPointer}/${index}`;
    if (isRecord(element) && element.type === 'image') {
      checkImageElement(element, elementPointer, problems);
    } else {
      checkTextObject(element, elementPointer, problems, {});
    }
  });
}

function checkActions(
  block: Record<string, unknown>,
  pointer: string,
  problems: BlockKitProblem[],
): void {
  if (!checkArray(block, 'elements', pointer, problems, 1, L.actionsElements)) return;
  const seenActionIds = new Set<string>();
  (block.elements as unknown[]).forEach((element, index) => {
    const elementPointer = `${pointer}/elements/${index}`;
    checkElement(element, elementPointer, problems);
    if (isRecord(element) && typeof element.action_id === 'string') {
      if (seenActionIds.has(element.action_id)) {
        problems.push({
          pointer: `${elementPointer}/action_id`,
          message: `\`action_id\` "${element.action_id}" already exists`,
        });
      }
      seenActionIds.add(element.action_id);
    }
  });
}

function checkImage(
  block: Record<string, unknown>,
  pointer: string,
  problems: BlockKitProblem[],
): void {
  checkImageSource(block, pointer, problems);
  checkString(block, 'alt_text', pointer, problems, { required: true, max: L.imageAltText });
  checkText(block, 'title', pointer, problems, { max: L.imageTitle, plainOnly: true });
}

function checkImageElement(
  element: Record<string, unknown>,
  pointer: string,
  problems: BlockKitProblem[],
): void {
  checkKeys(element, ['type', 'image_url', 'slack_file', 'alt_text'], pointer, problems);
  checkImageSource(element, pointer, problems);
  checkString(element, 'alt_text', pointer, problems, { required: true, max: L.imageAltText });
}

function checkImageSource(
  image: Record<string, unknown>,
  pointer: string,
  problems: BlockKitProblem[],
): void {
  if (image.image_url === undefined && image.slack_file === undefined) {
    problems.push({ pointer, message: 'missing required field: image_url' });
  }
  checkString(image, 'image_url', pointer, problems, { max: L.imageUrl });
}

function checkElement(
  element: unknown,
  pointer: string,
  problems: BlockKitProblem[],
  { allowImage = false } = {},
): void {
  if (!isRecord(element)) {
    problems.push({ pointer, message: 'must be an object' });
    return;
  }
  const type = element.type;
  if (type === undefined) {
    problems.push({ pointer, message: 'missing required field: type' });
    return;
  }
  if (allowImage && type === 'image') {
    checkImageElement(element, pointer, problems);
    return;
  }
  if (typeof type !== 'string' || !INTERACTIVE_ELEMENT_TYPES.has(type)) {
    problems.push({
      pointer: `${pointer}/type`,
      message: `unsupported element type: ${String(type)}`,
    });
    return;
  }
  // A block_id on an element (instead of its block) is a classic mistake; Slack rejects it.
  // (Buttons get the same answer from their full list of allowed keys.)
  if ('block_id' in element && type !== 'button') {
    problems.push({ pointer, message: 'invalid additional property: block_id' });
  }
  checkString(element, 'action_id', pointer, problems, { max: L.actionId });
  checkText(element, 'placeholder', pointer, problems, { max: L.placeholder, plainOnly: true });
  if (element.confirm !== undefined) checkConfirm(element.confirm, `${pointer}/confirm`, problems);
  switch (type) {
    case 'button':
      checkKeys(element, BUTTON_KEYS, pointer, problems);
      checkText(element, 'text', pointer, problems, {
        required: true,
        max: L.buttonText,
        plainOnly: true,
      });
      checkString(element, 'value', pointer, problems, { max: L.buttonValue });
      checkString(element, 'url', pointer, problems, { max: L.url });
      checkString(element, 'accessibility_label', pointer, problems, {
        max: L.accessibilityLabel,
      });
      if (
        element.style !== undefined &&
        element.style !== 'primary' &&
        element.style !== 'danger'
      ) {
        problems.push({ pointer: `${pointer}/style`, message: 'must be one of: primary, danger' });
      }
      return;
    case 'static_select':
    case 'multi_static_select':
      if (element.options === undefined && element.option_groups === undefined) {
        problems.push({ pointer, message: 'must provide either options or option_groups' });
      }
      checkOptions(element, pointer, problems, 0, L.selectOptions, true);
      return;
    case 'overflow':
      checkOptions(element, pointer, problems, L.overflowOptionsMin, L.overflowOptionsMax, true);
      return;
    case 'checkboxes':
      checkOptions(element, pointer, problems, 1, L.checkboxOptions, false);
      return;
    case 'radio_buttons':
      checkOptions(element, pointer, problems, 1, L.radioOptions, false);
      return;
    case 'plain_text_input':
      for (const key of ['min_length', 'max_length'] as const) {
        const value = element[key];
        if (typeof value === 'number' && value > L.textInputLength) {
          problems.push({
            pointer: `${pointer}/${key}`,
            message: `must be less than ${L.textInputLength + 1}`,
          });
        }
      }
      return;
    default:
      return;
  }
}

function checkOptions(
  element: Record<string, unknown>,
  pointer: string,
  problems: BlockKitProblem[],
  min: number,
  max: number,
  plainOnly: boolean,
): void {
  if (element.options === undefined && min === 0) return;
  if (!checkArray(element, 'options', pointer, problems, min, max)) return;
  (element.options as unknown[]).forEach((option, index) => {
    const optionPointer = `${pointer}/options/${index}`;
    if (!isRecord(option)) {
      problems.push({ pointer: optionPointer, message: 'must be an object' });
      return;
    }
    checkText(option, 'text', optionPointer, problems, {
      required: true,
      max: L.optionText,
      plainOnly,
    });
    checkString(option, 'value', optionPointer, problems, { required: true, max: L.optionValue });
    checkText(option, 'description', optionPointer, problems, { max: L.optionDescription });
    checkString(option, 'url', optionPointer, problems, { max: L.url });
  });
}

function checkConfirm(confirm: unknown, pointer: string, problems: BlockKitProblem[]): void {
  if (!isRecord(confirm)) {
    problems.push({ pointer, message: 'must be an object' });
    return;
  }
  checkKeys(confirm, ['title', 'text', 'confirm', 'deny', 'style'], pointer, problems);
  const plain = { required: true, plainOnly: true };
  checkText(confirm, 'title', pointer, problems, { ...plain, max: L.confirmTitle });
  checkText(confirm, 'text', pointer, problems, { required: true, max: L.confirmText });
  checkText(confirm, 'confirm', pointer, problems, { ...plain, max: L.confirmButton });
  checkText(confirm, 'deny', pointer, problems, { ...plain, max: L.confirmButton });
}

interface TextRules {
  required?: boolean;
  max?: number;
  plainOnly?: boolean;
}

/** Checks `parent[key]` as a text object (`{ type: 'plain_text' | 'mrkdwn', text }`). */
function checkText(
  parent: Record<string, unknown>,
  key: string,
  pointer: string,
  problems: BlockKitProblem[],
  rules: TextRules,
): void {
  const value = parent[key];
  if (value === undefined) {
    if (rules.required) problems.push({ pointer, message: `missing required field: ${key}` });
    return;
  }
  checkTextObject(value, `${pointer}/${key}`, problems, rules);
}

function checkTextObject(
  value: unknown,
  pointer: string,
  problems: BlockKitProblem[],
  rules: TextRules,
): void {
  if (!isRecord(value)) {
    problems.push({ pointer, message: 'must be a text object' });
    return;
  }
  const type = value.type;
  if (type === undefined) {
    problems.push({ pointer, message: 'missing required field: type' });
  } else if (rules.plainOnly && type !== 'plain_text') {
    problems.push({ pointer: `${pointer}/type`, message: 'must be one of: plain_text' });
  } else if (type !== 'plain_text' && type !== 'mrkdwn') {
    problems.push({ pointer: `${pointer}/type`, message: 'must be one of: plain_text, mrkdwn' });
  }
  const extra = type === 'mrkdwn' ? 'verbatim' : 'emoji';
  checkKeys(value, ['type', 'text', extra], pointer, problems);
  checkString(value, 'text', pointer, problems, { required: true, max: rules.max });
}

interface StringRules {
  required?: boolean;
  max?: number | undefined;
  /** Slack rejects empty strings in most fields. */
  min?: number;
}

function checkString(
  parent: Record<string, unknown>,
  key: string,
  pointer: string,
  problems: BlockKitProblem[],
  { required = false, max, min = 1 }: StringRules,
): void {
  const value = parent[key];
  const fieldPointer = `${pointer}/${key}`;
  if (value === undefined) {
    if (required) problems.push({ pointer, message: `missing required field: ${key}` });
    return;
  }
  if (typeof value !== 'string') {
    problems.push({ pointer: fieldPointer, message: 'must be a string' });
    return;
  }
  if (value.length < min) {
    problems.push({ pointer: fieldPointer, message: `must be more than ${min - 1} characters` });
  }
  if (max !== undefined && value.length > max) {
    problems.push({ pointer: fieldPointer, message: `must be less than ${max + 1} characters` });
  }
}

/** Checks `parent[key]` is an array of min..max items; true when its items can be checked. */
function checkArray(
  parent: Record<string, unknown>,
  key: string,
  pointer: string,
  problems: BlockKitProblem[],
  min: number,
  max: number,
): boolean {
  const value = parent[key];
  const fieldPointer = `${pointer}/${key}`;
  if (value === undefined) {
    problems.push({ pointer, message: `missing required field: ${key}` });
    return false;
  }
  if (!Array.isArray(value)) {
    problems.push({ pointer: fieldPointer, message: 'must be an array' });
    return false;
  }
  if (value.length < min) {
    problems.push({ pointer: fieldPointer, message: `no less than ${min} items allowed` });
  }
  if (value.length > max) {
    problems.push({ pointer: fieldPointer, message: `no more than ${max} items allowed` });
  }
  return true;
}

function checkKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  pointer: string,
  problems: BlockKitProblem[],
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      problems.push({ pointer, message: `invalid additional property: ${key}` });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
