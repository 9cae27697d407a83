import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const root = path.join(__dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface ComposeService {
  image?: string;
  healthcheck?: { test?: string[] };
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

describe('docker-compose.yml', () => {
  it('pins the Redis and MongoDB images to a release, not a moving tag', () => {
    for (const name of ['redis', 'mongo']) {
      expect(compose.services[name]?.image).toMatch(/^[a-z]+:\d+\.\d+\.\d+(-[a-z0-9.]+)?$/);
    }
  });

  it('calls the app and the worker healthy when they are ready (/readyz), not only alive', () => {
    for (const name of ['app', 'worker']) {
      const probe = compose.services[name]?.healthcheck?.test?.join(' ') ?? '';
      expect(probe).toContain("'/readyz'");
      expect(probe).not.toContain('/healthz');
    }
  });
});

describe('Dockerfile', () => {
  it('names every package of the lockfile that has an install script, where it explains skipping them', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const scripted = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([key]) => key.replace(/^.*node_modules\//, ''));
    expect(scripted.length).toBeGreaterThan(0);
    const dockerfile = read('Dockerfile');
    const note = dockerfile.slice(dockerfile.indexOf('# About `--ignore-scripts`'));
    for (const name of scripted) expect(note).toContain(`\`${name}\``);
    expect(note).not.toMatch(/the only dependency in the lockfile with an install script/);
  });
});
