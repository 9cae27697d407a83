import type { webApi } from '@slack/bolt';
import type { Redactor } from '../shared/redactor';

type FetchFunction = webApi.FetchFunction;
type FetchInit = NonNullable<Parameters<FetchFunction>[1]>;
type Body = FetchInit['body'];

const FORM = 'application/x-www-form-urlencoded';

/** A request header's value, its name matched in any case (`name` in lower case). */
export function header(
  headers: Record<string, string> | undefined,
  name: string,
): string | undefined {
  return Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}

function contentType(headers: Record<string, string> | undefined): string {
  return header(headers, 'content-type')?.toLowerCase() ?? '';
}

/**
 * A copy of a multipart form with each text field mapped (left out where `text` answers
 * undefined); files are copied as they are, under their names.
 */
function copyForm(
  form: FormData,
  text: (name: string, value: string) => string | undefined,
): FormData {
  const copy = new FormData();
  for (const [name, value] of form) {
    if (typeof value !== 'string') copy.append(name, value, value.name);
    else {
      const mapped = text(name, value);
      if (mapped !== undefined) copy.append(name, mapped);
    }
  }
  return copy;
}

/**
 * The request with a form's `token` field taken out of the body and carried by the Authorization
 * header instead (the WebClient sends both when a call passes `token`, as Bolt's auth.test does).
 * Slack reads the body's token first: scrubbed there, it would be refused as `invalid_auth`.
 */
function tokenInHeader(init: FetchInit): FetchInit {
  const { body } = init;
  let token: string | undefined;
  let rest: Body = body;
  if (typeof body === 'string' && contentType(init.headers).startsWith(FORM)) {
    const form = new URLSearchParams(body);
    token = form.get('token') ?? undefined;
    form.delete('token');
    rest = form.toString();
  } else if (body instanceof FormData) {
    const field = body.get('token');
    token = typeof field === 'string' ? field : undefined;
    rest = copyForm(body, (name, value) => (name === 'token' ? undefined : value));
  }
  if (token === undefined) return init;
  const headers = { ...init.headers };
  if (token !== '' && header(headers, 'authorization') === undefined) {
    headers.Authorization = `Bearer ${token}`;
  }
  return { ...init, headers, body: rest };
}

/** The body with every secret value scrubbed; the same body if there was none to scrub. */
function scrubBody(body: Body, type: string, redactor: Redactor): Body {
  if (typeof body === 'string') {
    if (!type.startsWith(FORM)) return redactor.scrub(body);
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
    return copyForm(body, (_name, value) => redactor.scrub(value));
  }
  return body;
}

/**
 * A fetch for the Slack WebClient (and Bolt's `respond()`, which uses the same one): every
 * request body leaves with each secret value the redactor knows replaced by `[secret:NAME]`.
 * Form bodies (Web API calls) are scrubbed field by field, JSON bodies (response_url) as text.
 * The one place a credential must go, the token Slack authenticates the call with, is never
 * scrubbed: it travels in the Authorization header only, and the body carries no `token` field.
 */
export function redactingFetch(
  redactor: Redactor,
  fetch: FetchFunction = globalThis.fetch as FetchFunction,
): FetchFunction {
  return (url, init) => {
    if (init?.body === undefined) return fetch(url, init);
    const sent = tokenInHeader(init);
    if (sent.body === undefined || redactor.size === 0) return fetch(url, sent);
    return fetch(url, { ...sent, body: scrubBody(sent.body, contentType(sent.headers), redactor) });
  };
}
