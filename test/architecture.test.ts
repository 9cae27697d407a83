import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const src = path.join(__dirname, '../src');
const CORE = ['runs', 'policy', 'workflows', 'approvals', 'audit'];
const TRANSPORT =
  /from '(@slack\/[^']+|bullmq|ioredis|mongoose|prom-client)'|from '\.\.\/(slack|queue|store)\//;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('the dependency rule', () => {
  it('keeps Slack, BullMQ, Redis and MongoDB out of the core modules', () => {
    const offenders = CORE.flatMap((module) => {
      const dir = path.join(src, module);
      let files: string[] = [];
      try {
        files = sourceFiles(dir);
      } catch {
        return []; // a module that does not exist yet
      }
      return files.flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => TRANSPORT.test(line))
          .map((line) => `${path.relative(src, file)}: ${line.trim()}`),
      );
    });
    expect(offenders).toEqual([]);
  });

  it('would notice a core file importing a transport', () => {
    expect(TRANSPORT.test("import { Queue } from 'bullmq';")).toBe(true);
    expect(TRANSPORT.test("import type { App } from '@slack/bolt';")).toBe(true);
    expect(TRANSPORT.test("import { runModel } from '../store/run-model';")).toBe(true);
    expect(TRANSPORT.test("import { renderDeep } from '../workflows/template';")).toBe(false);
  });
});
