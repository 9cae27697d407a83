#!/usr/bin/env node
/**
 * The `countersign` binary. `countersign hook …` runs before every tool call of an agent, so it
 * loads only the hook's command (about 0.1 s); everything else loads the whole CLI (main.ts).
 */
if (process.argv[2] === 'hook') require('./cli/hook-entry');
else require('./main');
