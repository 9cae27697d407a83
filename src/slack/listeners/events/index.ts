import type { App } from '@slack/bolt';
import type { CommandDeps } from '../commands/deps';
import { openAppHome } from './open-app-home';

export function registerEvents(app: App, deps: CommandDeps): void {
  app.event('app_home_opened', (args) => openAppHome(deps, args));
}
