import { webApi } from '@slack/bolt';

/** The `error` code of a Web API call Slack answered with `ok: false`, e.g. `not_in_channel`. */
export function slackError(error: unknown): string | undefined {
  const data = (error as { code?: string; data?: { error?: string } }) ?? {};
  return data.code === webApi.ErrorCode.PlatformError ? data.data?.error : undefined;
}
