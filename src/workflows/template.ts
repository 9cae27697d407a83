/** Fills `{{scope.name}}` placeholders (e.g. `{{inputs.service}}`, `{{args.reason}}`). */

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export type TemplateScopes = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

const PLACEHOLDER = /\{\{\s*([a-z]+)\.([A-Za-z0-9_]+)\s*\}\}/g;

/** Which placeholder a value fills, for a `fill` callback that encodes it for its place. */
export interface Placeholder {
  scope: string;
  name: string;
}

/**
 * Turns a placeholder's value into the text that replaces it; may throw a TemplateError to refuse
 * it. The default writes the value as text (absent as empty text).
 */
export type Fill = (value: unknown, placeholder: Placeholder) => string;

const asText: Fill = (value) => (value === undefined || value === null ? '' : String(value));

export function renderTemplate(template: string, scopes: TemplateScopes, fill = asText): string {
  return template.replace(PLACEHOLDER, (_match, scope: string, name: string) =>
    fill(lookUp(scopes, scope, name), { scope, name }),
  );
}

function lookUp(scopes: TemplateScopes, scope: string, name: string): unknown {
  const values = Object.hasOwn(scopes, scope) ? scopes[scope] : undefined;
  if (values === undefined)
    throw new TemplateError(`{{${scope}.${name}}}: unknown scope "${scope}"`);
  if (!Object.hasOwn(values, name))
    throw new TemplateError(`{{${scope}.${name}}}: no ${scope} named "${name}"`);
  return values[name];
}

const WHOLE_PLACEHOLDER = new RegExp(`^${PLACEHOLDER.source}$`);

/**
 * Renders a JSON value for a request body: a string that is exactly one placeholder becomes the
 * value itself, keeping its JSON type (`"{{args.count}}"` → `3`), and an absent value leaves its
 * object key out (null in an array); placeholders inside longer strings are filled in as text.
 */
export function renderJson(value: unknown, scopes: TemplateScopes, fill = asText): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(value);
    if (whole === null) return renderTemplate(value, scopes, fill);
    return lookUp(scopes, whole[1] as string, whole[2] as string);
  }
  if (Array.isArray(value)) return value.map((item) => renderJson(item, scopes, fill) ?? null);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .map(([key, item]) => [key, renderJson(item, scopes, fill)])
        .filter(([, item]) => item !== undefined),
    );
  }
  return value;
}

export type PlaceholderUse =
  | { text: string; scope: string; name: string }
  /** `{{` that does not start a well-formed placeholder: it would be sent as typed. */
  | { text: string; malformed: true };

/** Every placeholder in a string, and every `{{…}}` that looks like one but is not. */
export function findPlaceholders(template: string): PlaceholderUse[] {
  const uses: PlaceholderUse[] = [];
  for (const match of template.matchAll(/\{\{(?:(?!\{\{).)*?(?:\}\}|$|(?=\{\{))/gs)) {
    const text = match[0];
    const wellFormed = WHOLE_PLACEHOLDER.exec(text);
    if (wellFormed)
      uses.push({ text, scope: wellFormed[1] as string, name: wellFormed[2] as string });
    else uses.push({ text, malformed: true });
  }
  return uses;
}
