#!/usr/bin/env node
// The `autointel` command line: dispatches to one module per subcommand, loaded only when used.

interface Command {
  readonly module: string;
  readonly summary: string;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  bot: {
    module: 'bot',
    summary: 'run the Discord bot (front end + background worker; --no-worker for front end only)',
  },
  worker: { module: 'worker', summary: 'run a background worker only (scale-out: PostgreSQL + Redis)' },
  analyze: {
    module: 'analyze',
    summary: 'analyse a URL or file without Discord: analyze <url|file> [--depth d]',
  },
  demo: {
    module: 'demo',
    summary: 'run the whole journey against the local Discord emulator (no account needed)',
  },
  results: { module: 'results', summary: 'print a stored report: results <workflow-id> [--format md|json]' },
  search: {
    module: 'search',
    summary: 'search stored reports: search <words…> [--guild ID | --user ID] [--limit N] [--json]',
  },
  'register-commands': { module: 'register-commands', summary: 'register the slash commands [--guild ID]' },
  doctor: { module: 'doctor', summary: 'check a deployment and print what is wrong' },
  models: {
    module: 'models',
    summary: 'whisper.cpp models: list | pull <name> [--dir DIR] (SHA-256 verified)',
  },
  emulator: {
    module: 'emulator',
    summary: 'run the local Discord emulator as a server [--port N] [--no-rate-limits]',
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: autointel <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`autointel: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(`./cli/${command.module}.js`)) as {
    run?: (args: readonly string[]) => Promise<number>;
  };
  if (typeof mod.run !== 'function') throw new Error(`cli/${command.module} does not export run()`);
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`autointel: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
