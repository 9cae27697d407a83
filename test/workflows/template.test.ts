import { renderJson, renderTemplate, TemplateError } from '../../src/workflows/template';

describe('filling {{scope.name}} placeholders', () => {
  const scopes = { inputs: { service: 'api', empty: undefined }, args: { reason: 'deploy' } };

  it('fills every placeholder, with or without inner spaces', () => {
    expect(renderTemplate('{{inputs.service}}: {{ args.reason }}', scopes)).toBe('api: deploy');
  });

  it('renders a declared input that was not given as empty text', () => {
    expect(renderTemplate('[{{inputs.empty}}]', scopes)).toBe('[]');
  });

  it('does not re-read placeholders inside filled values', () => {
    const tricky = { inputs: { a: '{{inputs.b}}', b: 'secret' } };
    expect(renderTemplate('{{inputs.a}}', tricky)).toBe('{{inputs.b}}');
  });

  it.each([
    ['{{inputs.missing}}', '{{inputs.missing}}: no inputs named "missing"'],
    ['{{secrets.TOKEN}}', '{{secrets.TOKEN}}: unknown scope "secrets"'],
    ['{{inputs.constructor}}', '{{inputs.constructor}}: no inputs named "constructor"'],
    ['{{constructor.name}}', '{{constructor.name}}: unknown scope "constructor"'],
  ])('names what %s refers to when it does not exist', (template, message) => {
    expect(() => renderTemplate(template, scopes)).toThrow(new TemplateError(message));
  });

  it('keeps the shape of nested values', () => {
    expect(renderJson({ list: ['{{args.reason}}', 3], nested: { on: true } }, scopes)).toEqual({
      list: ['deploy', 3],
      nested: { on: true },
    });
  });

  it('lets the caller encode each value for its place, knowing which placeholder it fills', () => {
    const seen: string[] = [];
    const text = renderTemplate('/x/{{args.reason}}?s={{inputs.service}}', scopes, (value, use) => {
      seen.push(`${use.scope}.${use.name}`);
      return encodeURIComponent(`<${String(value)}>`);
    });
    expect(text).toBe('/x/%3Cdeploy%3E?s=%3Capi%3E');
    expect(seen).toEqual(['args.reason', 'inputs.service']);
  });

  it('for a JSON body, keeps the type of a whole placeholder and leaves out an absent one', () => {
    const values = { args: { n: 3, on: true, list: [1], gone: undefined, name: 'a"b' } };
    expect(
      renderJson(
        { n: '{{args.n}}', on: '{{ args.on }}', list: '{{args.list}}', gone: '{{args.gone}}' },
        values,
      ),
    ).toEqual({ n: 3, on: true, list: [1] });
    expect(renderJson(['{{args.gone}}', 'n={{args.n}} {{args.name}}'], values)).toEqual([
      null,
      'n=3 a"b',
    ]);
  });
});
