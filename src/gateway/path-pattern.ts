/**
 * The path specifier of a Read or Edit rule, gitignore-style as Claude Code documents it:
 * `//abs/path` from the filesystem root, `~/path` from the home directory, `./path` or `path`
 * from the session's working directory; `*` within one directory, `**` across directories.
 * Paths are normalised (`src/../.env` is `.env`) before they are matched; symlinks are not
 * followed (that needs the filesystem; an adapter that can should pass real paths). The
 * specifier is read by workflows/path-pattern.ts, with the manifest's syntax; this file matches.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import type { PathPattern } from '../workflows/path-pattern';

/** How to read a rule where Claude Code's behaviour is not documented: see `MatchContext`. */
export type Reading = 'broad' | 'strict';

export interface PathContext {
  cwd: string;
  home: string;
  reading: Reading;
}

/**
 * Whether `filePath` (absolute, or relative to the cwd) is one the pattern names. Fail-closed
 * where gitignore and Claude Code's table disagree: a `broad` reading also matches a slashless
 * pattern at any depth (`*.env` is any .env), the contents of a directory the pattern names, and
 * ignores case (macOS); a `strict` one matches the pattern as written, from its anchor only.
 */
export function matchesPathPattern(pattern: PathPattern, filePath: string, context: PathContext) {
  const targets = targetsOf(filePath, context).map((target) =>
    matchesTarget(pattern, target, context),
  );
  return context.reading === 'broad' ? targets.some(Boolean) : targets.every(Boolean);
}

/** `~/x` is `<cwd>/~/x` to the shell's eyes but may be `<home>/x` to a tool: it is read as both. */
function targetsOf(filePath: string, context: PathContext): string[] {
  const resolved = path.posix.resolve(context.cwd, filePath);
  if (filePath !== '~' && !filePath.startsWith('~/')) return [resolved];
  return [resolved, path.posix.join(context.home, filePath.slice(1))];
}

function matchesTarget(pattern: PathPattern, target: string, context: PathContext): boolean {
  if (pattern.anchor === 'home' && context.home === '')
    return homeUnknown(pattern, target, context);
  const fold = (text: string) => (context.reading === 'broad' ? text.toLowerCase() : text);
  const relative = path.posix.relative(fold(anchorOf(pattern, context)), fold(target));
  if (escapes(relative)) return false;
  return picomatch.isMatch(relative === '' ? '.' : relative, globsOf(pattern, context.reading), {
    dot: true,
    nocase: context.reading === 'broad',
  });
}

/**
 * A `~/` pattern where the client's home is not known (the gateway is never told it): read
 * broad, it matches the path under any directory (`~/.aws/**` matches `/root/.aws/credentials`
 * and `/srv/x/.aws/config`); read strict, it matches nothing.
 */
function homeUnknown(pattern: PathPattern, target: string, context: PathContext): boolean {
  if (context.reading === 'strict') return false;
  const relative = path.posix.relative('/', target.toLowerCase());
  const globs = globsOf(pattern, 'broad').map((glob) => `**/${glob}`);
  return picomatch.isMatch(relative, globs, { dot: true, nocase: true });
}

/** The directory the pattern's glob starts from, with any leading `../` of the glob taken in. */
function anchorOf(pattern: PathPattern, context: PathContext): string {
  const base = { root: '/', home: context.home || '/', cwd: context.cwd }[pattern.anchor];
  const ups = /^(\.\.\/)*/.exec(pattern.glob)?.[0] ?? '';
  return path.posix.resolve(base, ups === '' ? '.' : ups);
}

function globsOf(pattern: PathPattern, reading: Reading): string[] {
  const glob = pattern.glob.replace(/^(\.\.\/)*/, '').replace(/\/$/, '/**');
  if (reading === 'strict') return [glob];
  const anywhere = glob.includes('/') ? [glob] : [glob, `**/${glob}`];
  return anywhere.flatMap((each) => [each, `${each}/**`]);
}

/**
 * Whether a search (Grep, Glob, LS) rooted at `root` may read a file the pattern names: the root
 * is the pattern's directory or holds it, or lies below it where the pattern reaches any depth.
 * Only the broad reading asks this; a strict reading never lets a Read(path) rule cover a search.
 */
export function searchMayReach(pattern: PathPattern, root: string, context: PathContext): boolean {
  if (matchesPathPattern(pattern, root, context)) return true;
  const target = path.posix.resolve(context.cwd, root).toLowerCase();
  const base = path.posix
    .join(anchorOf(pattern, context), staticPrefix(pattern.glob))
    .toLowerCase();
  if (!escapes(path.posix.relative(target, base))) return true;
  const anyDepth = pattern.glob.includes('**') || !pattern.glob.includes('/');
  return anyDepth && !escapes(path.posix.relative(base, target));
}

/** The directories of a glob before its first wildcard: `src/lib/` of `src/lib/*.ts`. */
function staticPrefix(glob: string): string {
  const segments = glob.replace(/^(\.\.\/)*/, '').split('/');
  const firstWild = segments.findIndex((segment) => /[*?[\]{}!]/.test(segment));
  return segments.slice(0, firstWild === -1 ? segments.length - 1 : firstWild).join('/');
}

const escapes = (relative: string) => relative === '..' || relative.startsWith('../');
