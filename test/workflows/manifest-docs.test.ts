import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  manifestDocs,
  renderFieldReference,
  renderManifestDocs,
} from '../../src/workflows/manifest-docs';

const root = path.join(__dirname, '../..');

/** The table row that documents a field path. */
function rowOf(markdown: string, fieldPath: string): string | undefined {
  return markdown.split('\n').find((line) => line.startsWith(`| \`${fieldPath}\` `));
}

describe('the manifest reference (docs/manifest.md)', () => {
  it('is committed as generated from the schema and the template (run `npm run docs:manifest`)', async () => {
    const committed = await readFile(path.join(root, 'docs/manifest.md'), 'utf8');
    expect(committed).toBe(await manifestDocs());
  });

  it('documents the four input types and the three tool kinds, field by field', async () => {
    const docs = await manifestDocs();
    for (const type of ['string', 'number', 'boolean', 'enum']) {
      expect(docs).toContain(`#### \`inputs.<name>\` with \`type: ${type}\``);
    }
    for (const kind of ['command', 'http', 'mcp']) {
      expect(docs).toContain(`#### \`tools[]\` with \`${kind}\``);
    }
    expect(rowOf(docs, 'tools[].http.url')).toContain('**required**');
    expect(rowOf(docs, 'tools[].http.method')).toContain('`GET`, `POST`, `PUT`, `PATCH`, `DELETE`');
    expect(rowOf(docs, 'tools[].command.timeout')).toContain('default `1m`');
    expect(rowOf(docs, 'approval.required')).toMatch(/default `1` .*> 0; ≤ 10/);
    expect(rowOf(docs, 'approval.escalate_to.usergroups')).toContain(
      'each matches `^S[A-Z0-9]{2,}$`',
    );
    expect(rowOf(docs, 'tools[].risk.deny')).toContain('Tool name globs that never run');
    expect(docs).not.toContain('9007199254740991');
  });

  it('documents the gateway block, its defaults and bounds, and the checks the schema cannot make', async () => {
    const docs = await manifestDocs();
    expect(rowOf(docs, 'gateway.risk.default')).toContain('default `high`');
    expect(rowOf(docs, 'gateway.risk.deny')).toContain("Claude Code's permission-rule syntax");
    expect(rowOf(docs, 'gateway.wait')).toMatch(/default `50s`.*at most 10m/);
    expect(rowOf(docs, 'gateway.grants.max')).toMatch(/\*\*required\*\*.*at most 24h/);
    expect(docs).toContain('## Gateway workflows');
    expect(docs).toContain('- **Gateway.** Every rule of `gateway.risk.low`, `high` and `deny`');
  });

  it('renders any JSON Schema: nested fields, lists, maps, kinds, defaults and bounds', () => {
    const reference = renderFieldReference({
      type: 'object',
      properties: {
        label: { type: 'string', description: 'A | label', maxLength: 9 },
        parts: {
          type: 'array',
          items: {
            anyOf: [
              {
                type: 'object',
                properties: { shape: { type: 'string', const: 'round' } },
                required: ['shape'],
              },
              {
                type: 'object',
                properties: { pipe: { type: 'object', properties: { size: { type: 'integer' } } } },
                required: ['pipe'],
              },
            ],
          },
        },
        tags: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
      },
      required: ['label'],
    });
    // Column padding aside (Biome's check on docs/manifest.md covers it):
    const lines = reference.split('\n').map((line) => line.replace(/ +/g, ' ').replace(/-+/g, '-'));
    expect(lines).toEqual([
      '| Field | Type | Presence | Allowed | Description |',
      '| - | - | - | - | - |',
      '| `label` | string | **required** | at most 9 characters | A \\| label |',
      '| [`parts`](#parts) | list of mappings (2 kinds) | optional | | |',
      '| `tags` | mapping of strings | default `{}` | | |',
      '',
      '### `parts`',
      '',
      '#### `parts[]` with `shape: round`',
      '',
      '| Field | Type | Presence | Allowed | Description |',
      '| - | - | - | - | - |',
      '| `parts[].shape` | string | **required** | `round` | |',
      '',
      '#### `parts[]` with `pipe`',
      '',
      '| Field | Type | Presence | Allowed | Description |',
      '| - | - | - | - | - |',
      '| `parts[].pipe` | mapping | **required** | | |',
      '| `parts[].pipe.size` | integer | optional | | |',
    ]);
  });

  it('refuses a template without the place for the fields', () => {
    expect(() => renderManifestDocs('# Manifests\n')).toThrow('<!-- fields -->');
  });
});
