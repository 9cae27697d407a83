// The ack-latency baseline: a Bolt app on the same receiver settings that only acks. Run as its
// own process (`tsx bench/bare-bolt-app.ts`); it prints `{"port":N}` once listening.
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

async function main(): Promise<void> {
  const receiver = new HTTPReceiver({
    signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
    endpoints: '/slack/events',
    processBeforeResponse: false,
  });
  const app = new App({
    receiver,
    token: 'xoxb-bench-token',
    logLevel: LogLevel.ERROR,
    // Bolt asks auth.test on the first request; like the service, the baseline asks the fake Slack.
    clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? '' },
  });
  app.command('/countersign', async ({ ack }) => {
    await ack();
  });
  const server = await receiver.start({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
}

void main();
