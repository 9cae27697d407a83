import { mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Collection } from 'mongoose';
import { answerTo, cardOf, click, submitDenyReason } from '../support/approval-clicks';
import { type Harness, SIGNING_SECRET, startHarness } from '../support/countersign-harness';
import { eventually } from '../support/eventually';
import { finalRun, runIdIn } from '../support/run-records';
import { newTriggerId, slackSignature } from '../support/slack-request';

const GUARDED = `name: guarded
steps:
  - tool: restart
tools:
  - name: restart
    risk: high
    command: { argv: [echo, restarted] }
approval:
  approvers: { users: [U0LEAD] }
  channel: C0APPROVALS
`;

const HELLO = `name: hello
inputs:
  name: { type: string, required: true }
steps:
  - tool: greet
    with: { name: "{{inputs.name}}" }
tools:
  - name: greet
    risk: low
    input_schema: { type: object, properties: { name: { type: string } }, required: [name] }
    command: { argv: [echo, "Hello, {{args.name}}!"] }
`;

interface Raw {
  status: number;
  text: string;
}

/** Posts `body` with exactly these headers: what an attacker (or a replaying proxy) can send. */
async function rawPost(url: string, body: string, headers: Record<string, string>): Promise<Raw> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** The two headers Slack signs a request with, for `body` at `timestamp` (seconds). */
function signed(body: string, timestamp = Math.floor(Date.now() / 1000), secret = SIGNING_SECRET) {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, body),
  };
}

function commandBody(fields: Record<string, string>): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0TEST',
    channel_id: 'C0GENERAL',
    user_id: 'U0MALLORY',
    user_name: 'mallory',
    command: '/countersign',
    api_app_id: 'A0APP',
    response_url: 'http://127.0.0.1:9/unused',
    trigger_id: newTriggerId(),
    ...fields,
  }).toString();
}

const payloadBody = (payload: unknown) =>
  new URLSearchParams({
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  }).toString();

/**
 * Streams a body of `announced` bytes (as content-length says) but only up to `sent` bytes, and
 * resolves with the status as soon as the server answers: it answers before the body is complete
 * only if it stopped reading at its limit.
 */
function postHugeBody(url: string, announced: number, sent: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(announced),
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': `v0=${'0'.repeat(64)}`,
      },
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
      req.destroy();
    });
    // The server may hang up while we still write: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    const pump = () => {
      while (written < sent && !req.destroyed) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

describe('abuse of the Slack endpoint: each refused, with no side effect', () => {
  let h: Harness;
  let url: string;
  let runs: Collection;
  let audit: Collection;
  let approvals: Collection;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'countersign-abuse-'));
    await writeFile(path.join(dir, 'guarded.yaml'), GUARDED);
    await writeFile(path.join(dir, 'hello.yaml'), HELLO);
    h = await startHarness('abuse_signed', { workflowsDir: dir });
    url = `${h.baseUrl}/slack/events`;
    runs = h.db.collection('runs');
    audit = h.db.collection('audit_events');
    approvals = h.db.collection('approvals');
    // The two manifests' loading is audited after start; let it land before counting anything.
    await eventually('the manifests to be audited', async () =>
      (await audit.countDocuments()) >= 2 ? true : undefined,
    );
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => h.slack.reset());

  /** Nothing happened: no run, no audit event, nothing said in Slack, for a moment after. */
  async function expectNoSideEffect(before: { runs: number; audit: number; calls: number }) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await runs.countDocuments()).toBe(before.runs);
    expect(await audit.countDocuments()).toBe(before.audit);
    expect(h.slack.calls.slice(before.calls)).toEqual([]);
  }
  const counts = async () => ({
    runs: await runs.countDocuments(),
    audit: await audit.countDocuments(),
    calls: h.slack.calls.length,
  });
  const callsSince = (before: { calls: number }, method: string) =>
    h.slack.calls.slice(before.calls).filter((call) => call.method === method);

  const seen = new Set<string>();

  /** A run of `guarded` waiting for approval, and its card. */
  async function waitingRun() {
    await h.slash({ text: 'run guarded', user_id: 'U0DEV', channel_id: 'C0OPS' });
    const started = await h.slack.waitForCall(
      'chat.postMessage',
      (call) =>
        !call.args.thread_ts &&
        JSON.stringify(call.args.blocks).includes('*guarded*') &&
        !seen.has(runIdIn(call.args.blocks) ?? ''),
    );
    const runId = runIdIn(started.args.blocks) as string;
    seen.add(runId);
    const card = await cardOf(h, runId);
    await eventually('the run to wait', async () =>
      (await runs.findOne({ _id: runId as never }))?.status === 'awaiting_approval'
        ? true
        : undefined,
    );
    return { runId, card };
  }

  describe('signatures', () => {
    it('refuses a request with no signature header, or no timestamp header, with 401', async () => {
      const before = await counts();
      const body = commandBody({ text: 'run hello name=Mallory' });
      const { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp } =
        signed(body);
      const noSignature = await rawPost(url, body, { 'x-slack-request-timestamp': timestamp });
      const noTimestamp = await rawPost(url, body, { 'x-slack-signature': signature });
      const neither = await rawPost(url, body, {});
      expect([noSignature.status, noTimestamp.status, neither.status]).toEqual([401, 401, 401]);
      await expectNoSideEffect(before);
    });

    it('refuses a signature over other bytes, or another timestamp, than those sent', async () => {
      const before = await counts();
      const body = commandBody({ text: 'run hello name=Mallory' });
      const now = Math.floor(Date.now() / 1000);
      // A genuine signature of a harmless body, reused on a body the attacker chose.
      const harmless = commandBody({ text: 'help' });
      const swapped = await rawPost(url, body, signed(harmless, now));
      // The right signature for the body, sent with a different timestamp than it was signed at.
      const shifted = await rawPost(url, body, {
        ...signed(body, now - 10),
        'x-slack-request-timestamp': String(now),
      });
      const notANumber = await rawPost(url, body, {
        'x-slack-request-timestamp': 'soon',
        'x-slack-signature': slackSignature(SIGNING_SECRET, Number.NaN, body),
      });
      expect([swapped.status, shifted.status, notANumber.status]).toEqual([401, 401, 401]);
      await expectNoSideEffect(before);
    });

    it('refuses an interaction signed with another secret, or signed correctly five minutes ago', async () => {
      const { runId, card } = await waitingRun();
      const before = await counts();
      const click = payloadBody({
        type: 'block_actions',
        user: { id: 'U0LEAD', team_id: 'T0TEST' },
        team: { id: 'T0TEST' },
        api_app_id: 'A0APP',
        trigger_id: newTriggerId(),
        container: { type: 'message', message_ts: card.ts, channel_id: card.channel },
        channel: { id: card.channel },
        response_url: h.slack.responseUrl('forged-click'),
        actions: [{ type: 'button', action_id: 'approval_approve', value: card.value }],
      });
      const stale = Math.floor(Date.now() / 1000) - 5 * 60 - 5;
      const forged = await rawPost(url, click, signed(click, undefined, 'not-the-secret'));
      const old = await rawPost(url, click, signed(click, stale));
      expect([forged.status, old.status]).toEqual([401, 401]);
      await expectNoSideEffect(before);
      expect(await approvals.findOne({ runId })).toMatchObject({ status: 'pending' });
    });
  });

  describe('replays', () => {
    it('folds an exact replay of a signed command (same bytes, same signature) into the one run', async () => {
      const before = await counts();
      const trigger = newTriggerId();
      const body = commandBody({
        text: 'run hello name=Replay',
        trigger_id: trigger,
        user_id: 'U0ADA',
      });
      const headers = signed(body);
      const first = await rawPost(url, body, headers);
      const stored = await eventually(
        'the run',
        async () => (await runs.findOne({ requestKey: trigger })) ?? undefined,
      );
      await finalRun(runs, String(stored._id), { announced: true });
      const replays = await Promise.all([1, 2, 3].map(() => rawPost(url, body, headers)));
      expect([first, ...replays].map((response) => response.status)).toEqual([200, 200, 200, 200]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await runs.countDocuments({ requestKey: trigger })).toBe(1);
      expect(await runs.countDocuments()).toBe(before.runs + 1);
      expect(await audit.countDocuments({ runId: stored._id, type: 'run.requested' })).toBe(1);
      const headlines = h.slack.callsTo('chat.postMessage').filter((call) => !call.args.thread_ts);
      expect(headlines).toHaveLength(1);
    });

    it('decides an approval once when a signed Approve click is replayed, and runs the call once', async () => {
      const { runId, card } = await waitingRun();
      const body = payloadBody({
        type: 'block_actions',
        user: { id: 'U0LEAD', team_id: 'T0TEST' },
        team: { id: 'T0TEST' },
        api_app_id: 'A0APP',
        trigger_id: newTriggerId(),
        container: { type: 'message', message_ts: card.ts, channel_id: card.channel },
        channel: { id: card.channel },
        response_url: h.slack.responseUrl('replayed-click'),
        actions: [{ type: 'button', action_id: 'approval_approve', value: card.value }],
      });
      const headers = signed(body);
      const first = await rawPost(url, body, headers);
      const run = await finalRun(runs, runId, { announced: true });
      const replays = await Promise.all([1, 2].map(() => rawPost(url, body, headers)));
      expect([first, ...replays].map((response) => response.status)).toEqual([200, 200, 200]);
      expect(run.status).toBe('succeeded');
      await eventually('the replays to be answered', async () =>
        h.slack.callsTo('response_url').filter((c) => String(c.path).endsWith('/replayed-click'))
          .length >= 2
          ? true
          : undefined,
      );
      const answers = h.slack
        .callsTo('response_url')
        .filter((call) => String(call.path).endsWith('/replayed-click'))
        .map((call) => String(call.args.text));
      expect(
        answers.filter((text) => text.startsWith('Already approved by <@U0LEAD>')),
      ).toHaveLength(2);
      expect(await audit.countDocuments({ runId, type: 'approval.approved' })).toBe(1);
      expect(await audit.countDocuments({ runId, type: 'tool_call.executed' })).toBe(1);
    });
  });

  describe('oversized bodies', () => {
    it('answers a body over 4 MB with 413 as soon as the limit is passed, without reading the rest, and keeps serving', async () => {
      const before = await counts();
      // 64 MB announced, 5 MB sent: an answer now means the server stopped reading at its limit.
      const status = await postHugeBody(url, 64 * 1024 * 1024, 5 * 1024 * 1024);
      expect(status).toBe(413);
      const health = await fetch(`${h.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      await expectNoSideEffect(before);
    });

    it('refuses an unsigned 2 MB body with 401 and starts nothing', async () => {
      const before = await counts();
      const body = commandBody({ text: `run hello name=${'x'.repeat(2 * 1024 * 1024)}` });
      const forged = await rawPost(url, body, { ...signed(body), 'x-slack-signature': 'v0=00' });
      expect(forged.status).toBe(401);
      await expectNoSideEffect(before);
    });
  });

  describe('malformed payloads', () => {
    it('answers a signed `payload=` that is not JSON with 400', async () => {
      const before = await counts();
      const body = 'payload=%7Bnot-json';
      const response = await rawPost(url, body, signed(body));
      expect(response.status).toBe(400);
      await expectNoSideEffect(before);
    });

    it('answers a signed payload that is null, a list or a number with 400, and keeps serving', async () => {
      const before = await counts();
      const bodies = [payloadBody('null'), payloadBody('[]'), payloadBody('7'), 'payload=null'];
      const json = await rawPost(url, 'null', {
        ...signed('null'),
        'content-type': 'application/json',
      });
      const responses = await Promise.all(bodies.map((body) => rawPost(url, body, signed(body))));
      expect([...responses, json].map((response) => response.status)).toEqual([
        400, 400, 400, 400, 400,
      ]);
      await expectNoSideEffect(before);
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    });

    it('lets a signed payload without a type, or of a type nobody handles, go unanswered (404 after 3 s)', async () => {
      const before = await counts();
      const bodies = [
        payloadBody({ user: { id: 'U0MALLORY' }, actions: [] }),
        payloadBody({ type: 'dialog_submission', user: { id: 'U0MALLORY' }, submission: {} }),
      ];
      const responses = await Promise.all(bodies.map((body) => rawPost(url, body, signed(body))));
      expect(responses.map((response) => response.status)).toEqual([404, 404]);
      await expectNoSideEffect(before);
    });

    it('refuses a signed slash command without text, user, channel or trigger: no run, no crash', async () => {
      const before = await counts();
      const full = {
        token: 't',
        team_id: 'T0TEST',
        channel_id: 'C0GENERAL',
        user_id: 'U0MALLORY',
        command: '/countersign',
        response_url: h.slack.responseUrl('malformed'),
        trigger_id: newTriggerId(),
        text: 'run hello name=Mallory',
      };
      const without = (key: keyof typeof full) => {
        const fields: Record<string, string> = { ...full, trigger_id: newTriggerId() };
        delete fields[key];
        return new URLSearchParams(fields).toString();
      };
      const bodies = (['text', 'user_id', 'channel_id', 'trigger_id', 'team_id'] as const).map(
        without,
      );
      for (const body of bodies) {
        const response = await rawPost(url, body, signed(body));
        expect(response.status).toBe(200);
        const answer = JSON.parse(response.text) as { response_type: string; text: string };
        expect(answer.response_type).toBe('ephemeral');
        expect(answer.text).toContain('Slack sent an incomplete command');
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await runs.countDocuments()).toBe(before.runs);
      expect(await audit.countDocuments()).toBe(before.audit);
      expect(h.slack.calls).toEqual([]);
    });
  });

  describe('interactions that name no action of ours, or no approval of the user', () => {
    it('answers a click on an action id nobody registered with "no longer valid", and nothing else: nothing decided', async () => {
      const { runId, card } = await waitingRun();
      const before = await counts();
      const clicks = await Promise.all(
        ['approval_approve_all', 'APPROVAL_APPROVE', 'approval_approve '].map((actionId) =>
          click(h, card, actionId, card.value, 'U0LEAD'),
        ),
      );
      expect(clicks.map((clicked) => clicked.response.status)).toEqual([200, 200, 200]);
      for (const clicked of clicks) {
        expect(await answerTo(clicked)).toBe(
          'This button is no longer valid, so nothing was done.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await runs.countDocuments()).toBe(before.runs);
      expect(await audit.countDocuments()).toBe(before.audit);
      // The private answers, one per click, and no other call to Slack.
      expect(h.slack.calls.slice(before.calls).map((call) => call.method)).toEqual([
        'response_url',
        'response_url',
        'response_url',
      ]);
      expect(await approvals.findOne({ runId })).toMatchObject({
        status: 'pending',
        approvals: [],
      });
    });

    it('refuses a deny modal submitted by someone who is not an approver, with metadata copied from the approver’s modal', async () => {
      const { runId, card } = await waitingRun();
      // The approver opens the deny modal; its private_metadata is what an attacker would copy.
      const opened = await click(h, card, 'approval_deny', card.value, 'U0LEAD');
      const before = await counts();
      const submitted = await submitDenyReason(h, opened.triggerId, 'U0MALLORY', 'because I can');
      expect(submitted.status).toBe(200);
      expect(submitted.json).toEqual({
        response_action: 'errors',
        errors: { reason: 'You are not one of the approvers of this call; nothing was decided.' },
      });
      expect(await approvals.findOne({ runId })).toMatchObject({
        status: 'pending',
        approvals: [],
      });
      expect((await runs.findOne({ _id: runId as never }))?.status).toBe('awaiting_approval');
      expect(await audit.countDocuments()).toBe(before.audit + 1);
      expect(
        await audit.findOne({ runId, type: 'approval.refused', actor: 'U0MALLORY' }),
      ).toMatchObject({ details: { why: 'not_an_approver' } });
      expect(callsSince(before, 'chat.update')).toEqual([]);
      expect(callsSince(before, 'chat.postMessage')).toEqual([]);
    });

    it('refuses a deny modal whose metadata was tampered with: another binding, or no approval at all', async () => {
      const { runId, card } = await waitingRun();
      const before = await counts();
      const opened = await click(h, card, 'approval_deny', card.value, 'U0LEAD');
      const view = await h.slack.waitForCall(
        'views.open',
        (call) => call.args.trigger_id === opened.triggerId,
      );
      const metadata = JSON.parse(
        typeof view.args.view === 'string' ? view.args.view : JSON.stringify(view.args.view),
      ).private_metadata as string;
      const submit = (privateMetadata: string) => {
        const body = payloadBody({
          type: 'view_submission',
          team: { id: 'T0TEST' },
          user: { id: 'U0LEAD', team_id: 'T0TEST' },
          api_app_id: 'A0APP',
          trigger_id: newTriggerId(),
          view: {
            id: 'V0DENY',
            type: 'modal',
            callback_id: 'approval_deny_reason',
            private_metadata: privateMetadata,
            state: {
              values: { reason: { reason_input: { type: 'plain_text_input', value: 'x' } } },
            },
          },
        });
        return rawPost(url, body, signed(body));
      };
      const tampered = await submit(metadata.replace(/\|[0-9a-f]{64}$/, `|${'f'.repeat(64)}`));
      const garbage = await submit('r-aaaaaaaa:0|../../etc');
      expect(tampered.status).toBe(200);
      expect(JSON.parse(tampered.text).errors.reason).toContain('does not match the call');
      expect(JSON.parse(garbage.text)).toEqual({
        response_action: 'errors',
        errors: { reason: 'This form does not name an approval.' },
      });
      expect(await approvals.findOne({ runId })).toMatchObject({ status: 'pending' });
      expect(callsSince(before, 'chat.update')).toEqual([]);
    });
  });
});
