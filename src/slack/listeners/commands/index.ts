import type { App } from '@slack/bolt';
import { countersignCommand } from './countersign';
import type { CommandDeps } from './deps';

export function registerCommands(app: App, deps: CommandDeps): void {
  app.command('/countersign', (args) => countersignCommand(deps, args));
}
