// The process helpers themselves: a spawned CLI is observed line by line, and kill -9 really kills it.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliPath, spawnAutointel } from './processes.js';

describe.skipIf(!existsSync(cliPath))('scale-out process helpers', () => {
  it('captures the output of a spawned autointel and reports its exit code', async () => {
    const p = spawnAutointel({ name: 'help', args: ['--help'], env: {} });
    await expect(p.waitForLine(/Usage: autointel/, 20_000)).resolves.toContain('autointel');
    expect(await p.exited).toBe(0);
  });

  it('kill9 ends a process at once, and waitForLine then fails instead of hanging', async () => {
    const p = spawnAutointel({
      name: 'long',
      args: [],
      nodeArgs: ['-e', "setInterval(() => undefined, 1000); console.log('ready')"],
      env: {},
    });
    await p.waitForLine(/^ready$/, 20_000);
    const never = p.waitForLine(/this line is never printed/, 60_000);
    await p.kill9();
    expect(p.child.signalCode).toBe('SIGKILL');
    await expect(never).rejects.toThrow(/exited/);
  });
});
