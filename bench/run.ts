import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ackLatency } from './ack-latency';
import { machineInfo } from './bench-env';
import { crashRecovery } from './crash-recovery';
import { decisionLatency } from './decision-latency';
import { gatewayLatency } from './gateway';
import { runbookThroughput } from './runbook-throughput';
import { type Figure, ratioOf } from './stats';
import { waitingRunsMemory } from './waiting-runs';

type Measurement = () => Promise<{ figures: Figure[]; details: object }>;

/** Each measurement by the name `npm run bench -- <name>` takes. */
const MEASUREMENTS: Record<string, Measurement> = {
  ack: ackLatency,
  throughput: runbookThroughput,
  decision: decisionLatency,
  waiting: waitingRunsMemory,
  crash: crashRecovery,
  gateway: gatewayLatency,
};

function printTable(figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.measurement,
    String(f.value),
    f.baseline === undefined ? '' : String(f.baseline),
    String(ratioOf(f) ?? ''),
    f.unit,
  ]);
  const header = ['measurement', 'value', 'baseline', 'ratio', 'unit'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in MEASUREMENTS));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown measurement ${unknown.join(', ')}; choose from: ${Object.keys(MEASUREMENTS).join(', ')}\n`,
    );
    process.exit(2);
  }
  const names = asked.length > 0 ? asked : Object.keys(MEASUREMENTS);
  const machine = await machineInfo();
  const figures: Figure[] = [];
  const details: Record<string, object> = {};
  const seconds: Record<string, number> = {};
  for (const name of names) {
    const started = Date.now();
    process.stderr.write(`bench: ${name}…\n`);
    const result = await (MEASUREMENTS[name] as Measurement)();
    seconds[name] = Math.round((Date.now() - started) / 100) / 10;
    figures.push(...result.figures);
    details[name] = result.details;
  }
  printTable(figures);
  const file = path.join(__dirname, 'results.json');
  const results = {
    machine,
    measurements: names,
    seconds,
    figures: figures.map((f) => ({ ...f, ratio: ratioOf(f) })),
    details,
  };
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwritten: ${path.relative(process.cwd(), file)}\n`);
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
