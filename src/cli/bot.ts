// `autointel bot [--no-worker]`: the Discord front end, with a background worker in the same process by default.
import { startApp } from '../main.js';
import { configOrExplain, explainStartupError, runUntilSignalled } from './process.js';

export async function run(args: readonly string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--no-worker');
  if (unknown.length > 0) {
    process.stderr.write(
      `autointel bot: unknown option ${unknown.join(' ')}\nUsage: autointel bot [--no-worker]\n`,
    );
    return 2;
  }
  const config = configOrExplain();
  if (config === null) return 2;
  try {
    const app = await startApp(config, { role: 'bot', worker: !args.includes('--no-worker') });
    return await runUntilSignalled(() => app.stop());
  } catch (e: unknown) {
    return explainStartupError(e);
  }
}
