// The emulator's two entry points as an installed package resolves them: the in-process API
// (`@workflows-kit/emulator`) and the seams for advanced use (`@workflows-kit/emulator/seams`).
import { expect, it } from 'vitest';
import { startEmulator, type ExecutionJson } from '@workflows-kit/emulator';
import { createAppDeps, randomIds, realClock, type AppDeps } from '@workflows-kit/emulator/seams';

it('runs a workflow in-process on an emulator wired from the seams', async () => {
  const deps: AppDeps = createAppDeps({ projectId: 'packed', clock: realClock, ids: randomIds });
  const emulator = await startEmulator({ deps, host: '127.0.0.1', port: 0 });
  try {
    emulator.deploy(
      'hello',
      'main:\n  steps:\n    - done:\n        return: ${"hi " + sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}\n',
    );
    const { name } = emulator.execute('hello');
    await emulator.whenSettled(name);
    const done: ExecutionJson = emulator.get(name);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.result ?? '')).toBe('hi packed');
  } finally {
    await emulator.stop();
  }
});
