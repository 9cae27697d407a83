/**
 * The path specifier of a Read or Edit rule, gitignore-style as Claude Code documents it:
 * `//abs/path` from the filesystem root, `~/path` from the home directory, `./path` or `path`
 * from the session's working directory; `*` within one directory, `**` across directories.
 * Paths are normalised (`src/../.env` is `.env`) before they are matched. This file reads the
 * specifier (manifest syntax, checked by validation); gateway/path-pattern.ts matches it.
 */
import path from 'node:path';

export interface PathPattern {
  anchor: 'root' | 'home' | 'cwd';
  /** The glob relative to the anchor, normalised, without a leading `./`. */
  glob: string;
}

export type ParsedPath = { ok: true; pattern: PathPattern } | { ok: false; problem: string };

export function parsePathPattern(specifier: string): ParsedPath {
  if (specifier.startsWith('//')) return anchored('root', specifier.slice(2));
  if (specifier === '~' || specifier.startsWith('~/')) return anchored('home', specifier.slice(2));
  if (specifier.startsWith('~'))
    return { ok: false, problem: 'only ~/ (your own home) is understood' };
  if (specifier.startsWith('/')) {
    return {
      ok: false,
      problem:
        '/path is relative to a settings file in Claude Code; write //path for an absolute path or ./path for one in the session directory',
    };
  }
  return anchored('cwd', specifier);
}

function anchored(anchor: PathPattern['anchor'], glob: string): ParsedPath {
  const normal = path.posix.normalize(glob === '' ? '.' : glob);
  // A pattern naming a directory (`~`, `..`) names what is in it.
  if (normal === '.') return { ok: true, pattern: { anchor, glob: '**' } };
  if (normal === '..' || normal.endsWith('/..'))
    return { ok: true, pattern: { anchor, glob: `${normal}/**` } };
  return { ok: true, pattern: { anchor, glob: normal } };
}
