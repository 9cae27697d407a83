import { claudeCodeSettings, claudeCodeSettingsText } from '../../src/gateway/claude-code/settings';

describe('the Claude Code settings block', () => {
  it('hooks every tool to the gateway with the token from the environment, failing closed', () => {
    expect(
      claudeCodeSettings({ url: 'https://cs.example.com', waitMs: 50_000, headless: false }),
    ).toEqual({
      hooks: {
        PreToolUse: [
          {
            matcher: '*',
            hooks: [
              {
                type: 'http',
                url: 'https://cs.example.com/gateway/claude-code',
                timeout: 65,
                headers: { Authorization: 'Bearer $COUNTERSIGN_TOKEN' },
                allowedEnvVars: ['COUNTERSIGN_TOKEN'],
                onFailure: 'block',
              },
            ],
          },
        ],
      },
    });
  });

  it('asks for headless answers (defer) in CI, and ignores a trailing slash of the URL', () => {
    const hook = claudeCodeSettings({
      url: 'https://cs.example.com/',
      waitMs: 10_000,
      headless: true,
    }).hooks.PreToolUse[0]?.hooks[0];
    expect(hook?.url).toBe('https://cs.example.com/gateway/claude-code?headless=1');
  });

  it.each([
    [0, 15],
    [50_000, 65],
    [50_001, 66],
    [600_000, 615],
  ])(
    'gives a wait of %i ms a hook timeout of %i s: always longer than the wait',
    (wait, seconds) => {
      const hook = claudeCodeSettings({ url: 'https://x', waitMs: wait, headless: false }).hooks
        .PreToolUse[0]?.hooks[0];
      expect(hook?.timeout).toBe(seconds);
      expect((hook?.timeout ?? 0) * 1000).toBeGreaterThan(wait);
    },
  );

  it('prints JSON one can paste, then the managed-settings variant naming its keys', () => {
    const options = { url: 'https://cs.example.com', waitMs: 50_000, headless: false };
    const text = claudeCodeSettingsText(options);
    const [json = '', note = ''] = text.split('\n\n');
    expect(JSON.parse(json)).toEqual(claudeCodeSettings(options));
    expect(note).toContain('managed-settings.json');
    expect(note).toContain('"allowManagedHooksOnly": true');
    expect(note).toContain('"allowedHttpHookUrls": ["https://cs.example.com/*"]');
    expect(text).not.toMatch(/cst_/);
  });
});
