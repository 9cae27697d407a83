import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { eventually } from '../test/support/eventually';
import { startFakeSlackApi } from '../test/support/fake-slack-api';
import { sendSlashCommand } from '../test/support/slack-request';
import { SIGNING_SECRET, startDeployment } from './deployment';
import { type Figure, inParallel, percentile, round } from './stats';

const SENDERS = 50;
const COMMANDS = 1_500;
const WARMUP = 200;

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
    command: { argv: [echo, "Hello, {{args.name}}!"], timeout: 5s }
`;

/** `count` signed `/countersign run hello` commands from `SENDERS` concurrent senders; ack times. */
async function ackTimes(receiver: string, responseUrl: string, count: number): Promise<number[]> {
  const times: number[] = [];
  await inParallel(Array.from({ length: count }), SENDERS, async (_item, i) => {
    const response = await sendSlashCommand(receiver, SIGNING_SECRET, {
      text: `run hello name=n${i}`,
      user_id: 'U0DEV',
      channel_id: 'C0OPS',
      response_url: responseUrl,
    });
    if (response.status !== 200) throw new Error(`ack answered ${response.status}`);
    times.push(response.ms);
  });
  return times;
}

async function startBareBolt(slackApiUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'bare-bolt-app.ts')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slackApiUrl,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += String(chunk);
  });
  const port = await eventually(
    'the bare Bolt app to listen',
    async () => /"port":(\d+)/.exec(out)?.[1],
    30_000,
  );
  return { child, url: `http://127.0.0.1:${port}/slack/events` };
}

/**
 * Slash-command ack latency of `countersign serve` under 50 concurrent senders, against a bare
 * Bolt app that only acks, both in their own process on this machine. The command is a real
 * `run hello`: after the ack, the service records the run and queues it (no worker consumes it).
 */
export async function ackLatency(): Promise<{ figures: Figure[]; details: object }> {
  const d = await startDeployment('ack', { workflows: { 'hello.yaml': HELLO }, front: 'serve' });
  let countersign: number[];
  try {
    const receiver = `http://127.0.0.1:${d.front.port}/slack/events`;
    const responseUrl = d.slack.responseUrl('ack-bench');
    await ackTimes(receiver, responseUrl, WARMUP);
    countersign = await ackTimes(receiver, responseUrl, COMMANDS);
  } finally {
    await d.stop();
  }
  const slack = await startFakeSlackApi();
  const bare = await startBareBolt(slack.url);
  let baseline: number[];
  try {
    await ackTimes(bare.url, 'http://127.0.0.1:9/unused', WARMUP);
    baseline = await ackTimes(bare.url, 'http://127.0.0.1:9/unused', COMMANDS);
  } finally {
    bare.child.kill('SIGTERM');
    await slack.close();
  }
  const p = (samples: number[], q: number) => round(percentile(samples, q), 1);
  return {
    figures: [
      {
        measurement: 'slash ack p50 (50 senders)',
        value: p(countersign, 50),
        baseline: p(baseline, 50),
        unit: 'ms',
        note: 'baseline: bare Bolt app that only acks',
      },
      {
        measurement: 'slash ack p99 (50 senders)',
        value: p(countersign, 99),
        baseline: p(baseline, 99),
        unit: 'ms',
        note: 'baseline: bare Bolt app that only acks',
      },
    ],
    details: {
      senders: SENDERS,
      commands: COMMANDS,
      warmup: WARMUP,
      countersign: {
        p50: p(countersign, 50),
        p90: p(countersign, 90),
        p99: p(countersign, 99),
        max: p(countersign, 100),
      },
      bareBolt: {
        p50: p(baseline, 50),
        p90: p(baseline, 90),
        p99: p(baseline, 99),
        max: p(baseline, 100),
      },
    },
  };
}
