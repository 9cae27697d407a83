import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import pino, { type Logger } from 'pino';
import type { Redactor } from '../shared/redactor';

export type { Logger };

/** Writes each serialized line with every secret value scrubbed: msg, err.message, err.stack alike. */
function scrubbing(
  destination: pino.DestinationStream,
  redactor: Redactor,
): pino.DestinationStream {
  return { write: (line: string) => destination.write(redactor.scrub(line)) };
}

/**
 * Structured JSON logs on stdout. Credentials that might ride along in objects are censored;
 * with a redactor, every secret value it knows is scrubbed from each line as it is written.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  redactor?: Redactor,
): Logger {
  return pino(
    {
      level,
      base: { service: 'countersign' },
      redact: {
        paths: [
          'token',
          '*.token',
          'headers.authorization',
          '*.headers.authorization',
          'responseUrl',
        ],
        censor: '[redacted]',
      },
    },
    redactor ? scrubbing(destination ?? pino.destination(), redactor) : destination,
  );
}

/** Lets Bolt and the Slack SDK log through pino, as one stream of JSON lines. */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const child = log.child({ component: 'bolt' });
  return {
    debug: (...msg) => child.debug(msg.map(String).join(' ')),
    info: (...msg) => child.info(msg.map(String).join(' ')),
    warn: (...msg) => child.warn(msg.map(String).join(' ')),
    error: (...msg) => child.error(msg.map(String).join(' ')),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
