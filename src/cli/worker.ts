// `autointel worker`: a background worker only (scale-out: any number of these on any machine).
import { startApp } from '../main.js';
import { configOrExplain, explainStartupError, runUntilSignalled } from './process.js';

export async function run(args: readonly string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write(`autointel worker: unknown option ${args.join(' ')}\nUsage: autointel worker\n`);
    return 2;
  }
  const config = configOrExplain();
  if (config === null) return 2;
  try {
    const app = await startApp(config, { role: 'worker', worker: true });
    return await runUntilSignalled(() => app.stop());
  } catch (e: unknown) {
    return explainStartupError(e);
  }
}
