// Compiles the project once before the suites run: worker threads and spawned processes execute dist/.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.env['AUTOINTEL_SKIP_BUILD'] === '1') return;
  // The emulator package first: the bot's build imports its compiled declarations.
  for (const project of ['packages/discord-emulator/tsconfig.build.json', 'tsconfig.build.json']) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
  }
}
