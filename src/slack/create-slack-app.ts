import type { Server } from 'node:http';
import { App, HTTPReceiver, type Receiver, SocketModeReceiver, type webApi } from '@slack/bolt';
import { type Config, ConfigError } from '../config';
import {
  boundPort,
  closeServer,
  listen,
  type Route,
  routeRequests,
  serveRoutes,
} from '../observability/health-routes';
import { boltLogger, type Logger } from '../observability/logger';
import { boundedSlackFetch } from './bounded-slack-fetch';
import { registerListeners } from './listeners';
import type { CommandDeps } from './listeners/commands/deps';
import { refuseShapelessBody } from './refuse-shapeless-body';
import { slackError } from './slack-error';
import { tokenRefusedMessage } from './token-refusals';
import type { BotIdentity } from './verify-bot-token';

/** How the app reaches the Web API: the service's fetch, and the bot its token belongs to. */
export interface SlackWeb {
  /** The redacting fetch every Web API client of the service uses. */
  fetch: webApi.FetchFunction;
  bot: BotIdentity;
}

const SLACK_EVENTS_PATH = '/slack/events';

/**
 * One attempt of a call a listener makes after its ack (views.open, a DM, views.publish, respond()),
 * while a person waits: past a trigger_id's 3 s life, and far past Slack's usual answer.
 */
const LISTENER_CALL_TIMEOUT_MS = 5_000;

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
  web: SlackWeb,
  deps: CommandDeps,
): SlackApp {
  const logger = boltLogger(log);
  const socketMode = config.SLACK_APP_TOKEN !== undefined;
  // The fetch serves App's WebClient and respond(); acks go back in the HTTP response instead.
  const clientOptions = {
    fetch: boundedSlackFetch(web.fetch, {
      log,
      timeoutMs: LISTENER_CALL_TIMEOUT_MS,
    }),
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    timeout: LISTENER_CALL_TIMEOUT_MS,
    // Not Web API's default ten retries over 30 minutes: the answer is worth little after a minute.
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2_000 },
  };
  let httpReceiver: HTTPReceiver | undefined;
  let receiver: Receiver;
  if (config.SLACK_APP_TOKEN !== undefined) {
    receiver = new SocketModeReceiver({
      appToken: config.SLACK_APP_TOKEN,
      // apps.connections.open goes through the receiver's own WebClient, not App's clientOptions.
      // No customRoutes: the receiver would listen on PORT without HOST and never report the port.
      // Without our retries: SocketModeClient then retries apps.connections.open to reconnect.
      installerOptions: { clientOptions: { ...clientOptions, retryConfig: undefined } },
      logger,
    });
  } else {
    httpReceiver = new HTTPReceiver({
      signingSecret: config.SLACK_SIGNING_SECRET,
      endpoints: SLACK_EVENTS_PATH,
      logger,
      // Ack is sent the moment a listener calls ack(); the rest of its work happens after.
      processBeforeResponse: false,
    });
    // Our router answers every request Bolt would throw on (an unknown path or method); Bolt
    // sees only POST /slack/events.
    httpReceiver.requestListener = routeRequests(
      [
        ...routes,
        {
          path: SLACK_EVENTS_PATH,
          method: 'POST',
          handler: refuseShapelessBody(httpReceiver.requestListener, config.SLACK_SIGNING_SECRET),
        },
      ],
      log,
    );
    receiver = httpReceiver;
  }
  const app = new App({
    receiver,
    token: config.SLACK_BOT_TOKEN,
    // Known from the start's auth.test: Bolt makes no call of its own, whose failure none would catch.
    botId: web.bot.botId,
    botUserId: web.bot.botUserId,
    logger,
    clientOptions,
  });
  registerListeners(app, deps);
  app.error(async (error) => {
    log.error({ err: error }, 'unhandled error in a Slack listener');
  });

  let healthServer: Server | undefined;
  return {
    app,
    async start() {
      if (socketMode || httpReceiver === undefined) {
        // Socket Mode needs no inbound HTTP; the health routes get their own server.
        healthServer = serveRoutes(routes, log);
        const port = await listen(healthServer, config.PORT, config.HOST);
        await app.start().catch(async (error: unknown) => {
          await closeServer(healthServer as Server);
          // apps.connections.open refused the app token: a bad setting, told as one.
          const refusal = slackError(error);
          throw refusal ? new ConfigError(tokenRefusedMessage('SLACK_APP_TOKEN', refusal)) : error;
        });
        return port;
      }
      const server = await httpReceiver.start({ port: config.PORT, host: config.HOST });
      return boundPort(server, config.PORT);
    },
    async stop() {
      await app.stop();
      if (healthServer) await closeServer(healthServer);
    },
  };
}
