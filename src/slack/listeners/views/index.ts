import type { App } from '@slack/bolt';
import { DENY_REASON_VIEW } from '../../blocks/approval-value';
import type { CommandDeps } from '../commands/deps';
import { submitDenyReason } from './submit-deny-reason';

export function registerViews(app: App, deps: CommandDeps): void {
  app.view(DENY_REASON_VIEW.callbackId, (args) => submitDenyReason(deps, args));
  app.view(DENY_REASON_VIEW.homeCallbackId, (args) => submitDenyReason(deps, args));
}
