import { App, HTTPReceiver, type Receiver, SocketModeReceiver } from '@slack/bolt';
import type { Config } from '../config';
import type { Route } from '../observability/health-routes';
import { boltLogger, type Logger } from '../observability/logger';
import { registerListeners } from './listeners';
import type { CommandDeps } from './listeners/commands/deps';

export interface SlackApp {
  app: App;
  /** Listens for Slack (and the health routes); resolves with the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The Bolt app: HTTP receiver at `/slack/events` (signature and timestamp checked by Bolt),
 * or Socket Mode when SLACK_APP_TOKEN is set. Health and metrics routes ride on the same server.
 */
export function createSlackApp(
  config: Config,
  log: Logger,
  routes: Route[],
  deps: CommandDeps,
): SlackApp {
  const logger = boltLogger(log);
  const socketMode = config.SLACK_APP_TOKEN !== undefined;
  let httpReceiver: HTTPReceiver | undefined;
  let receiver: Receiver;
  if (config.SLACK_APP_TOKEN !== undefined) {
    receiver = new SocketModeReceiver({
      appToken: config.SLACK_APP_TOKEN,
      customRoutes: routes,
      installerOptions: { port: config.PORT },
      logger,
    });
  } else {
    httpReceiver = new HTTPReceiver({
      signingSecret: config.SLACK_SIGNING_SECRET,
      endpoints: '/slack/events',
      customRoutes: routes,
      logger,
      // Ack is sent the moment a listener calls ack(); the rest of its work happens after.
      processBeforeResponse: false,
    });
    receiver = httpReceiver;
  }
  const app = new App({
    receiver,
    token: config.SLACK_BOT_TOKEN,
    logger,
    ...(config.SLACK_API_URL ? { clientOptions: { slackApiUrl: config.SLACK_API_URL } } : {}),
  });
  registerListeners(app, deps);
  app.error(async (error) => {
    log.error({ err: error }, 'unhandled error in a Slack listener');
  });

  return {
    app,
    async start() {
      if (socketMode || httpReceiver === undefined) {
        await app.start();
        return config.PORT;
      }
      const server = await httpReceiver.start({ port: config.PORT, host: config.HOST });
      const address = server.address();
      return typeof address === 'object' && address !== null ? address.port : config.PORT;
    },
    stop: () => app.stop() as Promise<void>,
  };
}
