import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { manifestJsonSchema } from '../../src/workflows/manifest-json-schema';

const root = path.join(__dirname, '../..');

describe('the JSON Schema editors use', () => {
  it('is committed as generated from the zod schema (run `npm run schema` after changing it)', async () => {
    const committed = JSON.parse(
      await readFile(path.join(root, 'schema/workflow-manifest.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(manifestJsonSchema());
  });

  it('accepts every shipped example and flags what an editor should underline', async () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(manifestJsonSchema());
    const dir = path.join(root, 'workflows');
    const files = (await readdir(dir)).filter((name) => name.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const manifest = parse(await readFile(path.join(dir, file), 'utf8'));
      expect({ file, valid: validate(manifest), errors: validate.errors }).toEqual({
        file,
        valid: true,
        errors: null,
      });
    }
    expect(validate({ name: 'demo', steps: [{ tool: 't' }], colour: 'blue' })).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        keyword: 'additionalProperties',
        params: { additionalProperty: 'colour' },
      }),
    );
    expect(validate({ name: 'demo', agent: { instructions: 'go', timeout: '10 minutes' } })).toBe(
      false,
    );
  });

  it('describes the gateway block: its risk lists, a bounded wait and grants, and no unknown keys', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(manifestJsonSchema());
    const gateway = (block: unknown) => validate({ name: 'claude', gateway: block });
    expect(
      gateway({ risk: { default: 'deny', low: ['Read'] }, wait: '30s', grants: { max: '1h' } }),
    ).toBe(true);
    expect(gateway({ risk: { default: 'maybe' } })).toBe(false);
    expect(gateway({ risk: { allow: ['Read'] } })).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        keyword: 'additionalProperties',
        params: { additionalProperty: 'allow' },
      }),
    );
    expect(gateway({ wait: '50 seconds' })).toBe(false);
    expect(gateway({ grants: {} })).toBe(false);
  });
});
