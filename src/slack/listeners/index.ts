import type { App } from '@slack/bolt';
import { registerActions } from './actions';
import { registerCommands } from './commands';
import type { CommandDeps } from './commands/deps';
import { registerEvents } from './events';
import { registerViews } from './views';

export function registerListeners(app: App, deps: CommandDeps): void {
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  registerEvents(app, deps);
}
