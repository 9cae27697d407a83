// `npm run docs:manifest`: writes docs/manifest.md from the manifest schema and its template.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { manifestDocs } from '../src/workflows/manifest-docs';

async function main(): Promise<void> {
  const target = path.join(__dirname, '../docs/manifest.md');
  await writeFile(target, await manifestDocs());
  process.stderr.write(`countersign: wrote ${path.relative(process.cwd(), target)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`countersign: ${(error as Error).message}\n`);
  process.exit(1);
});
