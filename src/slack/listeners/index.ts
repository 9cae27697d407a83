import type { App } from '@slack/bolt';
import { registerCommands } from './commands';
import type { CommandDeps } from './commands/deps';

export function registerListeners(app: App, deps: CommandDeps): void {
  registerCommands(app, deps);
}
