import { ConfigError } from '../config';

/** A store the service cannot do without did not answer at start: told like a bad setting, exit 2. */
export class StoreUnreachableError extends ConfigError {}

/**
 * The URL as it may be shown: its user and password masked (`scheme://***@host…`), and its query
 * left out, since options such as `tlsCertificateKeyFilePassword` may carry a secret too.
 */
export function withoutCredentials(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length).split(/[?#]/, 1)[0] ?? '';
  // The last @ ends the user info: an unescaped @ in a password must not leave a part of it shown.
  const at = rest.lastIndexOf('@');
  return `${scheme}${at === -1 ? rest : `***@${rest.slice(at + 1)}`}`;
}

/** The password of `url`, raw and decoded, so a driver's message that repeats it can be masked. */
function passwordsIn(url: string): string[] {
  const rest = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[?#]/, 1)[0] ?? '';
  const userInfo = rest.slice(0, Math.max(0, rest.lastIndexOf('@')));
  const colon = userInfo.indexOf(':');
  const password = colon === -1 ? '' : userInfo.slice(colon + 1);
  if (!password) return [];
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}

/**
 * `MongoDB at mongodb://***@host/db (MONGODB_URI) is unreachable: <cause>; check that it is
 * running and the URL is right`: the store, where the service looked, the setting that says so.
 */
export function storeUnreachable(
  store: 'MongoDB' | 'Redis',
  variable: 'MONGODB_URI' | 'REDIS_URL',
  url: string,
  cause: unknown,
): StoreUnreachableError {
  let reason = cause instanceof Error ? cause.message : String(cause);
  for (const password of passwordsIn(url)) reason = reason.split(password).join('***');
  return new StoreUnreachableError(
    `${store} at ${withoutCredentials(url)} (${variable}) is unreachable: ${reason}; check that it is running and the URL is right`,
  );
}
