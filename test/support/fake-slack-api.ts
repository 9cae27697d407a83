/**
 * A fake Slack Web API on 127.0.0.1 that answers the real `@slack/web-api` WebClient (and so
 * Bolt) the way Slack does: HTTP 200 with `{ ok: true, ... }` or `{ ok: false, error }`, 429 with
 * `Retry-After` when rate limited. It records every call, keeps the messages and views it was
 * sent, validates Block Kit like Slack, and can be told to fail the next calls to a method.
 *
 * Usage: `const slack = await startFakeSlackApi();` then
 * `new WebClient('xoxb-test', { slackApiUrl: slack.url })` or Bolt's
 * `clientOptions: { slackApiUrl: slack.url }`; `await slack.close()` when done.
 *
 * Timers (`waitForCall` timeouts, fault delays) are real timers in the test process: do not
 * combine them with jest fake timers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  BLOCK_KIT_LIMITS,
  type BlockKitProblem,
  formatProblem,
  validateMessageBlocks,
  validateView,
} from './block-kit-limits';
import { closeServer, isRecord, listenOnLoopback, readBody } from './loopback-server';

/** The workspace every fake answers for. */
export const FAKE_SLACK_TEAM = {
  id: 'T0TEST',
  name: 'Countersign Test',
  domain: 'countersign-test',
} as const;

/** The bot the fake's tokens belong to. */
export const FAKE_SLACK_BOT = {
  userId: 'U0BOT',
  botId: 'B0BOT',
  appId: 'A0APP',
  name: 'countersign',
} as const;

/** One request the fake received, decoded, with what it answered. */
export interface SlackCall {
  /** Web API method (`chat.postMessage`), or `response_url` for a POST to a response URL. */
  method: string;
  /** Arguments, decoded: JSON-encoded fields such as `blocks` and `view` are parsed. */
  args: Record<string, unknown>;
  /** The token Slack reads: the `token` argument if sent, else the bearer; never kept in `args`. */
  token: string | undefined;
  at: Date;
  /** Request path, e.g. `/api/chat.postMessage` or `/response/cmd-1`. */
  path: string;
  response: { status: number; body: unknown };
}

/** What `failNext` makes the fake answer instead of doing the work. */
export interface SlackFault {
  /** `{ ok: false, error }`; `ratelimited` answers HTTP 429. */
  error?: string;
  /** Seconds for the `Retry-After` header; implies HTTP 429 `ratelimited`. */
  retryAfter?: number;
  /** Answer this HTTP status (e.g. 500, 503) with a plain-text body. */
  status?: number;
  /** Wait this long before answering; alone, the call then proceeds normally. */
  delayMs?: number;
}

/** A message the bot posted, as the fake holds it now (after any update). */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  metadata?: unknown;
  user: string;
  bot_id: string;
  edited?: { user: string; ts: string };
}

/** A Slack user object; unspecified fields get plausible defaults. */
export interface FakeSlackUser {
  id: string;
  name?: string;
  real_name?: string;
  is_bot?: boolean;
  deleted?: boolean;
  tz?: string;
  profile?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface FakeSlackApiOptions {
  /** Tokens accepted; by default any token starting with `xoxb-`. */
  tokens?: readonly string[];
  /**
   * Seconds part of the first message `ts`.
   * @defaultValue 1700000000
   */
  firstTs?: number;
}

/** A method implementation: returns the response body (with `ok`) or throws FakeSlackError. */
export type SlackMethodHandler = (
  args: Record<string, unknown>,
  token: string,
) => Record<string, unknown>;

/** Thrown by a method handler to answer `{ ok: false, error, ...extra }`. */
export class FakeSlackError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
    this.name = 'FakeSlackError';
  }
}

/** Arguments the WebClient sends JSON-encoded inside a form body. */
const JSON_FIELDS = new Set([
  'blocks',
  'attachments',
  'view',
  'metadata',
  'user_auth_blocks',
  'unfurls',
]);

/** Slack lets a response_url be used five times (in 30 minutes). */
const RESPONSE_URL_USES = 5;

/** Starts a fake Slack Web API on 127.0.0.1 (a free port). */
export async function startFakeSlackApi(options: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const fake = new FakeSlackApi(options);
  await fake.listen();
  return fake;
}

interface Waiter {
  method: string;
  predicate: (call: SlackCall) => boolean;
  resolve: (call: SlackCall) => void;
}

interface ResponseUrlTarget {
  channel: string;
  ts: string;
}

export class FakeSlackApi {
  /** Every call received, oldest first. Cleared in place by `reset()`. */
  readonly calls: SlackCall[] = [];
  private readonly server: Server;
  private origin = '';
  private readonly builtins: Record<string, SlackMethodHandler>;
  private tsCounter = 0;
  private viewCounter = 0;
  private readonly waiters = new Set<Waiter>();
  private faults = new Map<
    string,
    { fault: SlackFault; remaining: number; when?: (args: Record<string, unknown>) => boolean }[]
  >();
  private handlers = new Map<string, SlackMethodHandler>();
  private messageStore = new Map<string, FakeSlackMessage>();
  private views = new Map<string, Record<string, unknown>>();
  /** Each user's Home tab view, as last published. */
  private homeViews = new Map<string, Record<string, unknown>>();
  private users = new Map<string, FakeSlackUser>();
  private usergroups = new Map<string, string[]>();
  private channelsWithoutBot = new Set<string>();
  private archivedChannels = new Set<string>();
  private expiredTriggers = new Set<string>();
  private usedTriggers = new Set<string>();
  private openedConversations = new Set<string>();
  private responseUrls = new Map<string, { target?: ResponseUrlTarget; uses: number }>();
  private revokedTokens = new Set<string>();
  /** What `hang()` holds unanswered: `web_api` calls only, or response URLs too. */
  private hanging: 'web_api' | 'all' | undefined;
  private readonly held = new Set<ServerResponse>();
  /** Requests held by `hang()`, oldest first: the method (or `response_url`) and when it came. */
  readonly hung: { method: string; at: Date }[] = [];

  constructor(private readonly options: FakeSlackApiOptions = {}) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake-slack: ${error instanceof Error ? error.stack : String(error)}`);
      });
    });
    this.builtins = {
      'auth.test': () => this.authTest(),
      'chat.postMessage': (args) => this.postMessage(args),
      'chat.update': (args) => this.updateMessage(args),
      'chat.postEphemeral': (args) => this.postEphemeral(args),
      'views.open': (args) => this.openView(args, 'views.open'),
      'views.push': (args) => this.openView(args, 'views.push'),
      'views.update': (args) => this.updateView(args),
      'views.publish': (args) => this.publishView(args),
      'conversations.open': (args) => this.openConversation(args),
      'usergroups.users.list': (args) => this.listUsergroupUsers(args),
      'users.info': (args) => this.userInfo(args),
    };
    this.addBotUser();
  }

  /** Web API base, ending in `/api/`: Bolt's `clientOptions.slackApiUrl`. */
  get url(): string {
    return `${this.origin}/api/`;
  }

  /** `http://127.0.0.1:port`, without a trailing slash. */
  get baseUrl(): string {
    return this.origin;
  }

  /** @internal */
  async listen(): Promise<void> {
    this.origin = await listenOnLoopback(this.server);
  }

  close(): Promise<void> {
    this.stopHanging();
    return closeServer(this.server);
  }

  /**
   * From now on requests are read and never answered, as by a Slack that accepts connections and
   * then hangs: Web API calls only, or with `'all'` response URLs too, until `stopHanging()`.
   */
  hang(which: 'web_api' | 'all' = 'web_api'): void {
    this.hanging = which;
  }

  /** Drops the connections `hang()` held (their callers see a reset) and answers normally again. */
  stopHanging(): void {
    this.hanging = undefined;
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  /**
   * Forgets calls, faults, messages, views (Home tabs too), users, usergroups, channel states and
   * revoked tokens.
   */
  reset(): void {
    this.stopHanging();
    this.hung.length = 0;
    this.calls.length = 0;
    this.faults = new Map();
    this.handlers = new Map();
    this.messageStore = new Map();
    this.views = new Map();
    this.homeViews = new Map();
    this.users = new Map();
    this.usergroups = new Map();
    this.channelsWithoutBot = new Set();
    this.archivedChannels = new Set();
    this.expiredTriggers = new Set();
    this.usedTriggers = new Set();
    this.openedConversations = new Set();
    this.responseUrls = new Map();
    this.revokedTokens = new Set();
    this.addBotUser();
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /**
   * Resolves with the first call to `method` (already received or still to come) that matches
   * `predicate`; rejects after `timeoutMs` listing the calls seen.
   */
  waitForCall(
    method: string,
    predicate?: (call: SlackCall) => boolean,
    timeoutMs = 5000,
  ): Promise<SlackCall> {
    const matches = predicate ?? (() => true);
    const seen = this.calls.find((call) => call.method === method && matches(call));
    if (seen) return Promise.resolve(seen);
    return new Promise<SlackCall>((resolve, reject) => {
      const waiter: Waiter = {
        method,
        predicate: matches,
        resolve: (call) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `fake-slack: no ${method} call${predicate ? ' matching the predicate' : ''} ` +
              `within ${timeoutMs} ms; calls seen: ${this.describeCalls()}`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.waiters.add(waiter);
    });
  }

  /**
   * The next `times` calls to `method` (or `response_url`) answer `fault` instead; with `when`,
   * only calls whose decoded arguments it accepts (e.g. the card, not the headline).
   */
  failNext(
    method: string,
    fault: SlackFault,
    times = 1,
    when?: (args: Record<string, unknown>) => boolean,
  ): void {
    const queue = this.faults.get(method) ?? [];
    queue.push({ fault, remaining: times, ...(when ? { when } : {}) });
    this.faults.set(method, queue);
  }

  /** Replaces (or adds) a method's implementation until `reset()`. */
  setHandler(method: string, handler: SlackMethodHandler): void {
    this.handlers.set(method, handler);
  }

  /**
   * A response URL on this server (like `https://hooks.slack.com/commands/...`). With a
   * `target` message, `replace_original` / `delete_original` act on that message.
   */
  responseUrl(id: string, target?: ResponseUrlTarget): string {
    this.responseUrls.set(id, { target, uses: 0 });
    return `${this.origin}/response/${encodeURIComponent(id)}`;
  }

  setUsergroup(usergroupId: string, userIds: readonly string[]): void {
    this.usergroups.set(usergroupId, [...userIds]);
  }

  setUser(user: FakeSlackUser): void {
    this.users.set(user.id, user);
  }

  /** Every call made with `token` now answers `token_revoked`, as after an uninstall. */
  revokeToken(token: string): void {
    this.revokedTokens.add(token);
  }

  /** Posting to this channel now answers `not_in_channel`. */
  removeBotFromChannel(channelId: string): void {
    this.channelsWithoutBot.add(channelId);
  }

  /** Posting to this channel now answers `is_archived`. */
  archiveChannel(channelId: string): void {
    this.archivedChannels.add(channelId);
  }

  /** views.open with this trigger now answers `expired_trigger_id`. */
  expireTriggerId(triggerId: string): void {
    this.expiredTriggers.add(triggerId);
  }

  /** The message as it stands now, after any update. */
  message(channel: string, ts: string): FakeSlackMessage | undefined {
    return this.messageStore.get(messageKey(channel, ts));
  }

  /** Messages the bot posted (in `channel`, if given), oldest first. */
  messages(channel?: string): FakeSlackMessage[] {
    return [...this.messageStore.values()]
      .filter((message) => channel === undefined || message.channel === channel)
      .sort((a, b) => Number(a.ts) - Number(b.ts));
  }

  /** A view opened or updated through the fake, by its id. */
  view(viewId: string): Record<string, unknown> | undefined {
    return this.views.get(viewId);
  }

  /** The Home tab view last published for `userId` (views.publish). */
  homeView(userId: string): Record<string, unknown> | undefined {
    return this.homeViews.get(userId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const body = await readBody(req);
    const method = url.pathname.startsWith('/api/')
      ? decodeURIComponent(url.pathname.slice('/api/'.length))
      : 'response_url';
    if (this.hanging === 'all' || (this.hanging === 'web_api' && method !== 'response_url')) {
      this.hung.push({ method, at: new Date() });
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      return this.handleApiCall(method, req, url, body, res);
    }
    if (url.pathname.startsWith('/response/') && req.method === 'POST') {
      const id = decodeURIComponent(url.pathname.slice('/response/'.length));
      return this.handleResponseUrl(id, url.pathname, body, res);
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`fake-slack: nothing at ${req.method} ${url.pathname}`);
  }

  private async handleApiCall(
    method: string,
    req: IncomingMessage,
    url: URL,
    body: string,
    res: ServerResponse,
  ): Promise<void> {
    const { args, token, parseError } = decodeArgs(req, url, body);
    const answer = (status: number, responseBody: unknown, headers: Record<string, string> = {}) =>
      this.answer(res, { method, args, token, path: url.pathname }, status, responseBody, headers);

    const fault = this.takeFault(method, args);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault && (fault.status !== undefined || fault.error || fault.retryAfter !== undefined)) {
      return this.answerFault(fault, answer);
    }

    const handler = this.handlers.get(method) ?? this.builtins[method];
    if (!handler) return answer(200, { ok: false, error: 'unknown_method' });
    if (parseError) return answer(200, { ok: false, error: parseError });
    if (!token) return answer(200, { ok: false, error: 'not_authed' });
    if (!this.acceptsToken(token)) return answer(200, { ok: false, error: 'invalid_auth' });
    if (this.revokedTokens.has(token)) return answer(200, { ok: false, error: 'token_revoked' });
    try {
      return answer(200, handler(args, token));
    } catch (error) {
      if (error instanceof FakeSlackError) {
        return answer(200, { ok: false, error: error.error, ...error.extra });
      }
      throw error;
    }
  }

  private async handleResponseUrl(
    id: string,
    path: string,
    body: string,
    res: ServerResponse,
  ): Promise<void> {
    let args: Record<string, unknown> = {};
    let parseError: string | undefined;
    try {
      const parsed: unknown = JSON.parse(body);
      if (isRecord(parsed)) args = parsed;
      else parseError = 'invalid_payload';
    } catch {
      parseError = 'invalid_payload';
    }
    const method = 'response_url';
    const answer = (status: number, responseBody: unknown, headers: Record<string, string> = {}) =>
      this.answer(res, { method, args, token: undefined, path }, status, responseBody, headers);

    const fault = this.takeFault(method, args);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault && (fault.status !== undefined || fault.error || fault.retryAfter !== undefined)) {
      return this.answerFault(fault, answer);
    }
    if (parseError) return answer(400, { ok: false, error: parseError });

    const entry = this.responseUrls.get(id) ?? { uses: 0 };
    this.responseUrls.set(id, entry);
    entry.uses += 1;
    if (entry.uses > RESPONSE_URL_USES) return answer(404, { ok: false, error: 'used_url' });

    const target = entry.target;
    const targetMessage = target ? this.message(target.channel, target.ts) : undefined;
    try {
      if (args.delete_original === true || args.delete_original === 'true') {
        if (target) this.messageStore.delete(messageKey(target.channel, target.ts));
        return answer(200, { ok: true });
      }
      const content = checkContent(args);
      const replace = args.replace_original === true || args.replace_original === 'true';
      if (replace && targetMessage) {
        targetMessage.text = content.text ?? '';
        targetMessage.blocks = content.blocks;
        targetMessage.attachments = content.attachments;
        targetMessage.edited = { user: FAKE_SLACK_BOT.userId, ts: this.nextTs() };
      } else if (args.response_type === 'in_channel' && target) {
        this.storeMessage(target.channel, content, args);
      }
      return answer(200, { ok: true });
    } catch (error) {
      if (error instanceof FakeSlackError) {
        return answer(400, { ok: false, error: error.error, ...error.extra });
      }
      throw error;
    }
  }

  private answerFault(
    fault: SlackFault,
    answer: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const rateLimited =
      fault.status === 429 || fault.error === 'ratelimited' || fault.retryAfter !== undefined;
    if (rateLimited) {
      const retryAfter = String(fault.retryAfter ?? 1);
      answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': retryAfter });
    } else if (fault.status !== undefined && fault.status !== 200) {
      answer(fault.status, `fake-slack: injected HTTP ${fault.status}`);
    } else {
      answer(200, { ok: false, error: fault.error });
    }
  }

  private answer(
    res: ServerResponse,
    request: Pick<SlackCall, 'method' | 'args' | 'token' | 'path'>,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    const isText = typeof body === 'string';
    res.writeHead(status, {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      ...headers,
    });
    res.end(isText ? body : JSON.stringify(body));
    const call: SlackCall = { ...request, at: new Date(), response: { status, body } };
    this.calls.push(call);
    for (const waiter of [...this.waiters]) {
      if (waiter.method === call.method && waiter.predicate(call)) waiter.resolve(call);
    }
  }

  private takeFault(method: string, args: Record<string, unknown>): SlackFault | undefined {
    const queue = this.faults.get(method);
    const index = queue?.findIndex((entry) => entry.when === undefined || entry.when(args)) ?? -1;
    const next = queue?.[index];
    if (!queue || !next) return undefined;
    next.remaining -= 1;
    if (next.remaining <= 0) queue.splice(index, 1);
    return next.fault;
  }

  private acceptsToken(token: string): boolean {
    const tokens = this.options.tokens;
    return tokens ? tokens.includes(token) : token.startsWith('xoxb-');
  }

  private describeCalls(): string {
    if (this.calls.length === 0) return '(none)';
    return this.calls.map(describeCall).join(', ');
  }

  /** Unique, increasing, in Slack's `seconds.micro` shape: 1700000000.000100, ...000200. */
  private nextTs(): string {
    this.tsCounter += 100;
    const seconds = (this.options.firstTs ?? 1_700_000_000) + Math.floor(this.tsCounter / 1e6);
    return `${seconds}.${String(this.tsCounter % 1e6).padStart(6, '0')}`;
  }

  private addBotUser(): void {
    this.users.set(FAKE_SLACK_BOT.userId, {
      id: FAKE_SLACK_BOT.userId,
      name: FAKE_SLACK_BOT.name,
      real_name: 'Countersign',
      is_bot: true,
    });
  }

  // --- methods -----------------------------------------------------------------------------

  private authTest(): Record<string, unknown> {
    return {
      ok: true,
      url: `https://${FAKE_SLACK_TEAM.domain}.slack.com/`,
      team: FAKE_SLACK_TEAM.name,
      user: FAKE_SLACK_BOT.name,
      team_id: FAKE_SLACK_TEAM.id,
      user_id: FAKE_SLACK_BOT.userId,
      bot_id: FAKE_SLACK_BOT.botId,
      is_enterprise_install: false,
    };
  }

  private postMessage(args: Record<string, unknown>): Record<string, unknown> {
    const channel = this.postableChannel(args);
    const content = checkContent(args);
    const message = this.storeMessage(channel, content, args);
    return { ok: true, channel, ts: message.ts, message: messageBody(message) };
  }

  private updateMessage(args: Record<string, unknown>): Record<string, unknown> {
    const channelArg = stringArg(args.channel);
    if (!channelArg) throw new FakeSlackError('channel_not_found');
    const channel = dmChannelFor(channelArg);
    const ts = stringArg(args.ts);
    const message = ts ? this.message(channel, ts) : undefined;
    if (!message) throw new FakeSlackError('message_not_found');
    const content = checkContent(args);
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) message.blocks = content.blocks;
    if (content.attachments !== undefined) message.attachments = content.attachments;
    if (args.metadata !== undefined) message.metadata = args.metadata;
    message.edited = { user: FAKE_SLACK_BOT.userId, ts: this.nextTs() };
    return {
      ok: true,
      channel,
      ts: message.ts,
      text: message.text,
      message: messageBody(message),
    };
  }

  private postEphemeral(args: Record<string, unknown>): Record<string, unknown> {
    this.postableChannel(args);
    if (!stringArg(args.user)) {
      throw invalidArguments([{ pointer: '/user', message: 'missing required field: user' }]);
    }
    checkContent(args);
    return { ok: true, message_ts: this.nextTs() };
  }

  private openView(args: Record<string, unknown>, method: string): Record<string, unknown> {
    const triggerId = stringArg(args.trigger_id);
    if (!triggerId) {
      throw invalidArguments([{ pointer: '/', message: 'missing required field: trigger_id' }]);
    }
    if (this.expiredTriggers.has(triggerId)) throw new FakeSlackError('expired_trigger_id');
    if (this.usedTriggers.has(triggerId)) throw new FakeSlackError('exchanged_trigger_id');
    const view = this.checkModal(args.view);
    this.usedTriggers.add(triggerId);
    this.viewCounter += 1;
    const id = `V${String(this.viewCounter).padStart(10, '0')}`;
    const stored = this.viewBody(id, view, method === 'views.push' ? null : id);
    this.views.set(id, stored);
    return { ok: true, view: stored };
  }

  private updateView(args: Record<string, unknown>): Record<string, unknown> {
    const viewId = stringArg(args.view_id);
    const externalId = stringArg(args.external_id);
    if (!viewId && !externalId) {
      throw invalidArguments([{ pointer: '/', message: 'missing required field: view_id' }]);
    }
    const existing = viewId
      ? this.views.get(viewId)
      : [...this.views.values()].find((view) => view.external_id === externalId);
    if (!existing) throw new FakeSlackError('not_found');
    const hash = stringArg(args.hash);
    if (hash && hash !== existing.hash) throw new FakeSlackError('hash_conflict');
    const view = this.checkModal(args.view);
    const id = String(existing.id);
    const stored = this.viewBody(id, view, existing.root_view_id as string | null);
    this.views.set(id, stored);
    return { ok: true, view: stored };
  }

  /**
   * views.publish: a `home` view for one user, checked as Slack checks it. Each user's Home keeps
   * its view id across publishes; a `hash` that is not the current one answers `hash_conflict`.
   */
  private publishView(args: Record<string, unknown>): Record<string, unknown> {
    const userId = stringArg(args.user_id);
    if (!userId) {
      throw invalidArguments([{ pointer: '/', message: 'missing required field: user_id' }]);
    }
    if (!/^[UW][A-Z0-9]+$/.test(userId)) {
      throw invalidArguments([{ pointer: '/user_id', message: 'invalid `user_id`' }]);
    }
    if (args.view === undefined) {
      throw invalidArguments([{ pointer: '/', message: 'missing required field: view' }]);
    }
    const view = args.view;
    const problems = validateView(view);
    if (isRecord(view) && view.type !== 'home') {
      problems.push({ pointer: '/view/type', message: 'must be one of: home' });
    }
    if (problems.length > 0 || !isRecord(view)) throw invalidArguments(problems);
    const existing = this.homeViews.get(userId);
    const hash = stringArg(args.hash);
    if (hash && existing && hash !== existing.hash) throw new FakeSlackError('hash_conflict');
    let id = existing?.id as string | undefined;
    if (id === undefined) {
      this.viewCounter += 1;
      id = `V${String(this.viewCounter).padStart(10, '0')}`;
    }
    const stored = this.viewBody(id, view, id);
    this.homeViews.set(userId, stored);
    return { ok: true, view: stored };
  }

  private checkModal(view: unknown): Record<string, unknown> {
    if (view === undefined) {
      throw invalidArguments([{ pointer: '/', message: 'missing required field: view' }]);
    }
    const problems = validateView(view);
    if (isRecord(view) && view.type === 'home') {
      problems.push({ pointer: '/view/type', message: 'must be one of: modal' });
    }
    if (problems.length > 0 || !isRecord(view)) throw invalidArguments(problems);
    return view;
  }

  private viewBody(
    id: string,
    view: Record<string, unknown>,
    rootViewId: string | null,
  ): Record<string, unknown> {
    return {
      id,
      team_id: FAKE_SLACK_TEAM.id,
      state: { values: {} },
      private_metadata: '',
      callback_id: '',
      external_id: '',
      clear_on_close: false,
      notify_on_close: false,
      ...view,
      hash: `${Date.now()}.${id}${this.nextTs().replace('.', '')}`,
      previous_view_id: null,
      root_view_id: rootViewId ?? id,
      app_id: FAKE_SLACK_BOT.appId,
      bot_id: FAKE_SLACK_BOT.botId,
    };
  }

  private openConversation(args: Record<string, unknown>): Record<string, unknown> {
    const channel = stringArg(args.channel);
    if (channel) return { ok: true, channel: { id: channel } };
    const users = (stringArg(args.users) ?? '')
      .split(',')
      .map((user) => user.trim())
      .filter((user) => user !== '');
    if (users.length === 0) throw new FakeSlackError('users_list_not_supplied');
    if (users.length > 8) throw new FakeSlackError('too_many_users');
    const [only] = users;
    const id = users.length === 1 && only ? dmChannelFor(only) : `G${[...users].sort().join('')}`;
    const alreadyOpen = this.openedConversations.has(id);
    this.openedConversations.add(id);
    return alreadyOpen
      ? { ok: true, no_op: true, already_open: true, channel: { id } }
      : { ok: true, channel: { id } };
  }

  private listUsergroupUsers(args: Record<string, unknown>): Record<string, unknown> {
    const usergroup = stringArg(args.usergroup);
    if (!usergroup) {
      throw invalidArguments([{ pointer: '/', message: 'missing required field: usergroup' }]);
    }
    const users = this.usergroups.get(usergroup);
    if (!users) throw new FakeSlackError('no_such_subteam');
    return { ok: true, users: [...users] };
  }

  private userInfo(args: Record<string, unknown>): Record<string, unknown> {
    const id = stringArg(args.user);
    const user = id ? this.users.get(id) : undefined;
    if (!user) throw new FakeSlackError('user_not_found');
    const name = user.name ?? user.id.toLowerCase();
    const realName = user.real_name ?? name;
    return {
      ok: true,
      user: {
        team_id: FAKE_SLACK_TEAM.id,
        name,
        real_name: realName,
        deleted: false,
        is_bot: false,
        is_admin: false,
        tz: 'UTC',
        ...user,
        profile: { real_name: realName, display_name: name, ...user.profile },
      },
    };
  }

  /** The channel id to post to, after the checks Slack makes before posting. */
  private postableChannel(args: Record<string, unknown>): string {
    const channelArg = stringArg(args.channel);
    if (!channelArg) throw new FakeSlackError('channel_not_found');
    const channel = dmChannelFor(channelArg);
    if (this.channelsWithoutBot.has(channel)) throw new FakeSlackError('not_in_channel');
    if (this.archivedChannels.has(channel)) throw new FakeSlackError('is_archived');
    return channel;
  }

  private storeMessage(
    channel: string,
    content: MessageContent,
    args: Record<string, unknown>,
  ): FakeSlackMessage {
    const message: FakeSlackMessage = {
      channel,
      ts: this.nextTs(),
      text: content.text ?? '',
      user: FAKE_SLACK_BOT.userId,
      bot_id: FAKE_SLACK_BOT.botId,
    };
    if (content.blocks !== undefined) message.blocks = content.blocks;
    if (content.attachments !== undefined) message.attachments = content.attachments;
    const threadTs = stringArg(args.thread_ts);
    if (threadTs) message.thread_ts = threadTs;
    if (args.metadata !== undefined) message.metadata = args.metadata;
    this.messageStore.set(messageKey(channel, message.ts), message);
    return message;
  }
}

interface MessageContent {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/** Checks a message's text / blocks / attachments the way chat.postMessage does. */
function checkContent(args: Record<string, unknown>): MessageContent {
  const content: MessageContent = {};
  if (args.text !== undefined && args.text !== null) content.text = String(args.text);
  if (args.blocks !== undefined) {
    if (!Array.isArray(args.blocks)) throw new FakeSlackError('invalid_blocks_format');
    content.blocks = args.blocks;
  }
  if (args.attachments !== undefined) {
    if (!Array.isArray(args.attachments)) throw new FakeSlackError('invalid_attachments');
    content.attachments = args.attachments;
  }
  const hasContent =
    Boolean(content.text) ||
    (content.blocks?.length ?? 0) > 0 ||
    (content.attachments?.length ?? 0) > 0;
  if (!hasContent) throw new FakeSlackError('no_text');
  if ((content.text?.length ?? 0) > BLOCK_KIT_LIMITS.messageText) {
    throw new FakeSlackError('msg_too_long');
  }
  if (content.blocks) {
    const problems = validateMessageBlocks(content.blocks);
    if (problems.length > 0) throw schemaError('invalid_blocks', problems);
  }
  return content;
}

function invalidArguments(problems: BlockKitProblem[]): FakeSlackError {
  return schemaError('invalid_arguments', problems);
}

/** Slack's shape for schema errors: `errors` plus `[ERROR]` lines in response_metadata. */
function schemaError(error: string, problems: BlockKitProblem[]): FakeSlackError {
  return new FakeSlackError(error, {
    errors: problems.map((problem) => `${problem.message} [json-pointer:${problem.pointer}]`),
    response_metadata: { messages: problems.map(formatProblem) },
  });
}

function messageBody(message: FakeSlackMessage): Record<string, unknown> {
  const { channel: _channel, ...fields } = message;
  return { type: 'message', app_id: FAKE_SLACK_BOT.appId, team: FAKE_SLACK_TEAM.id, ...fields };
}

/** Posting to a user id posts to the DM with that user. */
function dmChannelFor(channel: string): string {
  return /^[UW][A-Z0-9]+$/.test(channel) ? `D${channel}` : channel;
}

function messageKey(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

function decodeArgs(
  req: IncomingMessage,
  url: URL,
  body: string,
): { args: Record<string, unknown>; token: string | undefined; parseError?: string } {
  const args: Record<string, unknown> = {};
  let parseError: string | undefined;
  for (const [key, value] of url.searchParams) args[key] = value;
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType === 'application/json') {
    try {
      const parsed: unknown = body === '' ? {} : JSON.parse(body);
      if (isRecord(parsed)) Object.assign(args, parsed);
      else parseError = 'invalid_json';
    } catch {
      parseError = 'invalid_json';
    }
  } else if (contentType === 'multipart/form-data') {
    parseError = 'invalid_form_data';
  } else {
    for (const [key, value] of new URLSearchParams(body)) args[key] = decodeFormValue(key, value);
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  // Slack reads a `token` argument before the Authorization header: a wrong one is refused.
  const token = stringArg(args.token) ?? bearer;
  delete args.token;
  return parseError ? { args, token, parseError } : { args, token };
}

function decodeFormValue(key: string, value: string): unknown {
  if (!JSON_FIELDS.has(key)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function describeCall(call: SlackCall): string {
  const details = ['channel', 'ts', 'user', 'usergroup', 'trigger_id']
    .filter((key) => call.args[key] !== undefined)
    .map((key) => `${key}=${String(call.args[key])}`);
  const body = call.response.body;
  const outcome = isRecord(body) && body.ok === false ? ` -> ${String(body.error)}` : '';
  return `${call.method}(${details.join(' ')})${outcome}`;
}

function stringArg(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
