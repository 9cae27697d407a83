import {
  App,
  type Logger as BoltLogger,
  HTTPReceiver,
  type Receiver,
  SocketModeReceiver,
  type webApi,
} from '@slack/bolt';
import { type Config, ConfigError } from '../config';
import type { Route } from '../http/routes';
import { boltLogger, type Logger } from '../observability/logger';
import { registerListeners } from './listeners';
import type { CommandDeps } from './listeners/commands/deps';
import { refuseShapelessBody } from './refuse-shapeless-body';
import { slackError } from './slack-error';
import { tokenRefusedMessage } from './token-refusals';
import type { BotIdentity } from './verify-bot-token';
import { webClientOptions } from './web-client-options';

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
  /** `POST /slack/events` for the service's HTTP server; none in Socket Mode. */
  routes: Route[];
  /** Opens the Socket Mode connection; nothing to do over HTTP, where the service's server listens. */
  connect(): Promise<void>;
  /** Closes the Socket Mode connection; over HTTP, closing the server is what stops requests. */
  disconnect(): Promise<void>;
}

/**
 * The Bolt app: its events come through `POST /slack/events` on the service's own server
 * (signature and timestamp checked by Bolt), or through Socket Mode when SLACK_APP_TOKEN is set.
 */
export function createSlackApp(
  config: Config,
  log: Logger,
  web: SlackWeb,
  deps: CommandDeps,
): SlackApp {
  const logger = boltLogger(log);
  const clientOptions = listenerClientOptions(config, web, log);
  const way =
    config.SLACK_APP_TOKEN === undefined
      ? overHttp(config, logger)
      : overSocketMode(config.SLACK_APP_TOKEN, clientOptions, logger);
  const app = new App({
    receiver: way.receiver,
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
  return {
    app,
    routes: way.routes,
    connect: () => way.connect(app),
    disconnect: () => way.disconnect(app),
  };
}

/** The listeners' calls (App's client, respond()): bounded, and retried a little while a person waits. */
function listenerClientOptions(config: Config, web: SlackWeb, log: Logger) {
  return {
    ...webClientOptions({
      fetch: web.fetch,
      apiUrl: config.SLACK_API_URL,
      log,
      timeoutMs: LISTENER_CALL_TIMEOUT_MS,
    }),
    // Not Web API's default ten retries over 30 minutes: the answer is worth little after a minute.
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2_000 },
  };
}

/** How Slack's requests reach the app: the receiver App is built on, and what starts and stops it. */
interface WayIn {
  receiver: Receiver;
  routes: Route[];
  connect(app: App): Promise<void>;
  disconnect(app: App): Promise<void>;
}

/**
 * Bolt's HTTPReceiver, never started: App only calls its `init`, and its request listener answers
 * `POST /slack/events` as one route of the service's server (App.start and stop would start and
 * stop a server of the receiver's own).
 */
function overHttp(config: Config, logger: BoltLogger): WayIn {
  const receiver = new HTTPReceiver({
    signingSecret: config.SLACK_SIGNING_SECRET,
    endpoints: SLACK_EVENTS_PATH,
    logger,
    // Ack is sent the moment a listener calls ack(); the rest of its work happens after.
    processBeforeResponse: false,
  });
  // Our router answers every request Bolt would throw on (an unknown path or method); Bolt sees
  // only POST /slack/events.
  const events: Route = {
    path: SLACK_EVENTS_PATH,
    method: 'POST',
    handler: refuseShapelessBody(receiver.requestListener, config.SLACK_SIGNING_SECRET),
  };
  return { receiver, routes: [events], connect: async () => {}, disconnect: async () => {} };
}

function overSocketMode(
  appToken: string,
  clientOptions: webApi.WebClientOptions,
  logger: BoltLogger,
): WayIn {
  const receiver = new SocketModeReceiver({
    appToken,
    // apps.connections.open goes through the receiver's own WebClient, not App's clientOptions.
    // No customRoutes: the receiver would listen on PORT itself; health is on the service's server.
    // Without our retries: SocketModeClient then retries apps.connections.open to reconnect.
    installerOptions: { clientOptions: { ...clientOptions, retryConfig: undefined } },
    logger,
  });
  return {
    receiver,
    routes: [],
    connect: async (app) => {
      await app.start().catch((error: unknown) => {
        // apps.connections.open refused the app token: a bad setting, told as one.
        const refusal = slackError(error);
        throw refusal ? new ConfigError(tokenRefusedMessage('SLACK_APP_TOKEN', refusal)) : error;
      });
    },
    disconnect: async (app) => {
      await app.stop();
    },
  };
}
