import type { webApi } from '@slack/bolt';
import type { Redactor } from '../tools/redactor';

type FetchFunction = webApi.FetchFunction;
type Body = NonNullable<Parameters<FetchFunction>[1]>['body'];

function contentType(headers: Record<string, string> | undefined): string {
  const entry = Object.entries(headers ?? {}).find(
    ([name]) => name.toLowerCase() === 'content-type',
  );
  return entry?.[1].toLowerCase() ?? '';
}

/** The body with every secret value scrubbed; the same body if there was none to scrub. */
function scrubBody(body: Body, type: string, redactor: Redactor): Body {
  if (typeof body === 'string') {
    if (!type.startsWith('application/x-www-form-urlencoded')) return redactor.scrub(body);
    // Scrubbed decoded, field by field: a secret split by the encoding would slip past the text.
    const form = new URLSearchParams(body);
    const scrubbed = new URLSearchParams();
    let changed = false;
    for (const [name, value] of form) {
      const clean = redactor.scrub(value);
      if (clean !== value) changed = true;
      scrubbed.append(name, clean);
    }
    return changed ? scrubbed.toString() : body;
  }
  if (body instanceof FormData) {
    // Text fields only: uploaded file contents are sent as they are.
    const scrubbed = new FormData();
    for (const [name, value] of body) {
      if (typeof value === 'string') scrubbed.append(name, redactor.scrub(value));
      else scrubbed.append(name, value, value.name);
    }
    return scrubbed;
  }
  return body;
}

/**
 * A fetch for the Slack WebClient (and Bolt's `respond()`, which uses the same one): every
 * request body leaves with each secret value the redactor knows replaced by `[secret:NAME]`.
 * Form bodies (Web API calls) are scrubbed field by field, JSON bodies (response_url) as text.
 */
export function redactingFetch(
  redactor: Redactor,
  fetch: FetchFunction = globalThis.fetch as FetchFunction,
): FetchFunction {
  return (url, init) => {
    if (init?.body === undefined || redactor.size === 0) return fetch(url, init);
    return fetch(url, { ...init, body: scrubBody(init.body, contentType(init.headers), redactor) });
  };
}
