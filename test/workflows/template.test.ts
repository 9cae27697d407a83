import { renderDeep, renderTemplate, TemplateError } from '../../src/workflows/template';

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
    expect(renderDeep({ list: ['{{args.reason}}', 3], nested: { on: true } }, scopes)).toEqual({
      list: ['deploy', 3],
      nested: { on: true },
    });
  });
});
