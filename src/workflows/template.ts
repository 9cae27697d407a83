/** Fills `{{scope.name}}` placeholders (e.g. `{{inputs.service}}`, `{{args.reason}}`). */

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export type TemplateScopes = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

const PLACEHOLDER = /\{\{\s*([a-z]+)\.([A-Za-z0-9_]+)\s*\}\}/g;

export function renderTemplate(template: string, scopes: TemplateScopes): string {
  return template.replace(PLACEHOLDER, (_match, scope: string, name: string) => {
    const values = Object.hasOwn(scopes, scope) ? scopes[scope] : undefined;
    if (values === undefined)
      throw new TemplateError(`{{${scope}.${name}}}: unknown scope "${scope}"`);
    if (!Object.hasOwn(values, name))
      throw new TemplateError(`{{${scope}.${name}}}: no ${scope} named "${name}"`);
    const value = values[name];
    return value === undefined || value === null ? '' : String(value);
  });
}

/**
 * Renders every string inside a JSON-like value, keeping its shape. A string that is exactly one
 * placeholder (`"{{inputs.count}}"`) becomes the value itself, keeping its type (number, boolean…).
 */
export function renderDeep(value: unknown, scopes: TemplateScopes): unknown {
  if (typeof value === 'string') {
    const whole = new RegExp(`^${PLACEHOLDER.source}$`).exec(value);
    if (whole === null) return renderTemplate(value, scopes);
    renderTemplate(value, scopes); // throws for an unknown scope or name
    return scopes[whole[1] as string]?.[whole[2] as string];
  }
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, scopes));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderDeep(item, scopes)]),
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
    const wellFormed = new RegExp(`^${PLACEHOLDER.source}$`).exec(text);
    if (wellFormed)
      uses.push({ text, scope: wellFormed[1] as string, name: wellFormed[2] as string });
    else uses.push({ text, malformed: true });
  }
  return uses;
}
