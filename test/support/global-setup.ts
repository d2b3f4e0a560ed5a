// Compiles the project once before the suites run: worker threads and spawned processes execute dist/.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.env['AUTOINTEL_SKIP_BUILD'] === '1') return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
