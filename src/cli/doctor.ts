// `autointel doctor`: checks a deployment (config, Discord, database, Redis, tools, disk) and says what to fix.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig, loadDotEnv, type Config, type RawEnv } from '../config/config.js';
import { SystemClock } from '../core/clock.js';
import { redactSecrets } from '../core/redact.js';
import { POSTGRES_SCHEMA_VERSION } from '../store/postgres/migrations.js';
import { PostgresWorkflowStore } from '../store/postgres/postgres-store.js';
import { sqliteFile, validateDeployment } from '../store/select.js';
import { SQLITE_MIGRATIONS } from '../store/sqlite/migrations.js';
import { integrityProblems } from '../store/sqlite/sqlite-store.js';
import type { Check, CheckStatus } from './doctor-check.js';
import { sttChecks } from './doctor-stt.js';

export type { Check, CheckStatus } from './doctor-check.js';

export interface DoctorOptions {
  readonly env: RawEnv;
  /** Epoch milliseconds, for the yt-dlp age check; defaults to the system clock. */
  readonly now?: number;
  /** Per network check. */
  readonly timeoutMs?: number;
}

const MiB = 1024 * 1024;
const DISK_FAIL_BYTES = 100 * MiB;
const DISK_WARN_BYTES = 1024 * MiB;

const message = (e: unknown): string => redactSecrets(e instanceof Error ? e.message : String(e));

function versionOf(command: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((done, fail) => {
    execFile(command, [...args], { timeout: timeoutMs }, (error, stdout) => {
      if (error) fail(error);
      else done(stdout.split('\n')[0]?.trim() ?? '');
    });
  });
}

async function getJson(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
  return fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
}

async function discordChecks(config: Config, timeoutMs: number): Promise<Check[]> {
  const base = `${config.discordApiBase}/v10`;
  const out: Check[] = [];
  // Without a token the bot cannot run, but `analyze` still works: Discord problems are then only warnings.
  const bad: CheckStatus = config.discordToken === undefined ? 'warn' : 'fail';
  try {
    const r = await getJson(`${base}/gateway`, {}, timeoutMs);
    out.push(
      r.ok
        ? { name: 'Discord API', status: 'ok', detail: `${config.discordApiBase} answers (${r.status})` }
        : {
            name: 'Discord API',
            status: bad,
            detail: `GET /gateway answered ${r.status}`,
            fix: 'Check DISCORD_API_BASE and outbound HTTPS from this host.',
          },
    );
  } catch (e: unknown) {
    out.push({
      name: 'Discord API',
      status: bad,
      detail: `${config.discordApiBase} unreachable: ${message(e)}`,
      fix: 'Allow outbound HTTPS to discord.com (proxy, firewall, DNS), or fix DISCORD_API_BASE.',
    });
  }
  if (config.discordToken === undefined) {
    out.push({
      name: 'Discord token',
      status: 'warn',
      detail: 'DISCORD_TOKEN not set: only `analyze` and the emulator demo can run',
      fix: 'Set DISCORD_TOKEN to the bot token from the developer portal.',
    });
    return out;
  }
  try {
    const r = await getJson(`${base}/users/@me`, { authorization: `Bot ${config.discordToken}` }, timeoutMs);
    if (r.ok) {
      const me = (await r.json()) as { username?: unknown; id?: unknown };
      out.push({
        name: 'Discord token',
        status: 'ok',
        detail: `valid: bot ${String(me.username ?? '?')} (${String(me.id ?? '?')})`,
      });
    } else {
      out.push({
        name: 'Discord token',
        status: 'fail',
        detail: `rejected by Discord (${r.status})`,
        fix: 'Reset the token in the developer portal (Bot → Reset Token) and update DISCORD_TOKEN everywhere.',
      });
    }
  } catch (e: unknown) {
    out.push({ name: 'Discord token', status: 'fail', detail: `could not be checked: ${message(e)}` });
  }
  return out;
}

async function sqliteCheck(config: Config): Promise<{ check: Check; schemaVersion?: number }> {
  const dir = resolve(config.dataDir);
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.doctor-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe);
  } catch (e: unknown) {
    return {
      check: {
        name: 'Database (SQLite)',
        status: 'fail',
        detail: `${dir} is not writable: ${message(e)}`,
        fix: 'Create AUTOINTEL_DATA_DIR and give the service user write access to it.',
      },
    };
  }
  const file = sqliteFile(config);
  const expected = SQLITE_MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);
  if (!existsSync(file)) {
    return {
      check: { name: 'Database (SQLite)', status: 'ok', detail: `${dir} writable; created at first start` },
    };
  }
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      // Page by page: one corrupted page fails here, whichever table it holds.
      const problems = integrityProblems(db);
      if (problems.length > 0) {
        return {
          check: {
            name: 'Database (SQLite)',
            status: 'fail',
            detail: `${file} is corrupted (PRAGMA integrity_check): ${problems.slice(0, 3).join('; ')}`,
            fix: 'Stop every autointel process, then restore the database from a backup (or salvage it with the sqlite3 shell’s .recover) before starting again.',
          },
        };
      }
      const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
      const v = row.v ?? 0;
      if (v > expected) {
        return {
          check: {
            name: 'Database (SQLite)',
            status: 'fail',
            detail: `${file} is at schema ${v}, newer than this build (${expected})`,
            fix: 'Upgrade autointel to the release that migrated this database.',
          },
        };
      }
      return {
        check: {
          name: 'Database (SQLite)',
          status: 'ok',
          detail: `${file} (schema ${v}, code ${expected}, integrity ok)`,
        },
      };
    } finally {
      db.close();
    }
  } catch (e: unknown) {
    return {
      check: {
        name: 'Database (SQLite)',
        status: 'fail',
        detail: `${file} cannot be read: ${message(e)}`,
        fix: 'Check the file permissions, or restore the database from backup.',
      },
    };
  }
}

async function postgresCheck(url: string): Promise<{ check: Check; schemaVersion?: number }> {
  const store = new PostgresWorkflowStore({
    connectionString: url,
    maxConnections: 1,
    applicationName: 'autointel-doctor',
  });
  try {
    const v = await store.schemaVersion();
    const where = redactSecrets(url.replace(/\/\/[^@/]*@/, '//'));
    if (v > POSTGRES_SCHEMA_VERSION) {
      return {
        schemaVersion: v,
        check: {
          name: 'Database (PostgreSQL)',
          status: 'fail',
          detail: `${where}: schema ${v} is newer than this build (${POSTGRES_SCHEMA_VERSION})`,
          fix: 'Upgrade this process to the release that migrated the database.',
        },
      };
    }
    return {
      schemaVersion: v,
      check:
        v === POSTGRES_SCHEMA_VERSION
          ? { name: 'Database (PostgreSQL)', status: 'ok', detail: `${where}: schema ${v}` }
          : {
              name: 'Database (PostgreSQL)',
              status: 'warn',
              detail: `${where}: schema ${v}, code expects ${POSTGRES_SCHEMA_VERSION}`,
              fix: 'The first process to start migrates it; nothing to do unless that fails.',
            },
    };
  } catch (e: unknown) {
    return {
      check: {
        name: 'Database (PostgreSQL)',
        status: 'fail',
        detail: `unreachable: ${message(e)}`,
        fix: 'Start PostgreSQL (`systemctl start postgresql`) and check DATABASE_URL (host, port, user, database).',
      },
    };
  } finally {
    await store.close();
  }
}

async function redisCheck(url: string, timeoutMs: number): Promise<Check> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    const major = Number(version.split('.')[0]);
    let policy: string | null = null;
    try {
      const r = (await redis.config('GET', 'maxmemory-policy')) as string[];
      policy = r[1] ?? null;
    } catch {
      policy = null; // CONFIG is often disabled on managed Redis; then we cannot tell.
    }
    if (Number.isFinite(major) && major < 6) {
      return {
        name: 'Redis',
        status: 'fail',
        detail: `version ${version}`,
        fix: 'BullMQ needs Redis 6.2 or newer.',
      };
    }
    if (policy !== null && policy !== 'noeviction') {
      return {
        name: 'Redis',
        status: 'warn',
        detail: `version ${version}, maxmemory-policy ${policy}`,
        fix: 'Set `maxmemory-policy noeviction`: with eviction Redis may silently drop queued jobs.',
      };
    }
    return {
      name: 'Redis',
      status: 'ok',
      detail: `version ${version}${policy === null ? '' : `, ${policy}`}`,
    };
  } catch (e: unknown) {
    return {
      name: 'Redis',
      status: 'fail',
      detail: `unreachable: ${message(e)}`,
      fix: 'Start Redis (`systemctl start redis-server`) and check REDIS_URL.',
    };
  } finally {
    redis.disconnect();
  }
}

async function toolCheck(
  name: string,
  command: string,
  args: readonly string[],
  use: string,
  timeoutMs: number,
): Promise<Check> {
  try {
    return { name, status: 'ok', detail: `${command}: ${await versionOf(command, args, timeoutMs)}` };
  } catch (e: unknown) {
    return {
      name,
      status: 'warn',
      detail: `${command} not usable: ${message(e)}`,
      fix: `Install it (Debian: \`apt install ${name}\`) or set its path; without it ${use}.`,
    };
  }
}

/** yt-dlp older than this cannot read YouTube and many other sites, which change their pages every few weeks. */
export const YTDLP_MAX_AGE_DAYS = 90;

/** `2023.03.04`, `2025.01.15.232727` (nightly) → the release date in epoch ms, or null. */
export function ytDlpReleaseDate(version: string): number | null {
  const m = /^(\d{4})\.(\d{2})\.(\d{2})\b/.exec(version.trim());
  if (m === null) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(ms) ? ms : null;
}

/** The exact commands that bring a current yt-dlp, for a Debian-packaged build and for a self-updating one. */
export function ytDlpUpdateAdvice(command: string): string {
  const packaged = command === 'yt-dlp' || command.startsWith('/usr/bin/');
  const pipx =
    'apt-get install -y pipx && pipx install yt-dlp (or `pipx upgrade yt-dlp`), then set YTDLP_PATH=$HOME/.local/bin/yt-dlp';
  return packaged
    ? `The distribution's build lags behind the sites; get a current one: \`${pipx}\`.`
    : `Update it: \`${command} -U\` (a release binary updates itself), or \`${pipx}\`.`;
}

export async function ytDlpCheck(command: string, timeoutMs: number, now: number): Promise<Check> {
  let version: string;
  try {
    version = await versionOf(command, ['--version'], timeoutMs);
  } catch (e: unknown) {
    return {
      name: 'yt-dlp',
      status: 'warn',
      detail: `${command} not usable: ${message(e)}`,
      fix: `Install it (Debian: \`apt install yt-dlp\`; ${ytDlpUpdateAdvice('yt-dlp')}) or set YTDLP_PATH; without it videos cannot be fetched.`,
    };
  }
  const released = ytDlpReleaseDate(version);
  if (released === null)
    return { name: 'yt-dlp', status: 'ok', detail: `${command}: ${version} (release date unknown)` };
  const days = Math.floor((now - released) / 86_400_000);
  if (days <= YTDLP_MAX_AGE_DAYS)
    return { name: 'yt-dlp', status: 'ok', detail: `${command}: ${version} (${days} days old)` };
  return {
    name: 'yt-dlp',
    status: 'warn',
    detail: `${command}: ${version} is ${days} days old (more than ${YTDLP_MAX_AGE_DAYS}); YouTube and other sites will likely fail`,
    fix: ytDlpUpdateAdvice(command),
  };
}

async function diskCheck(config: Config): Promise<Check> {
  const dir = resolve(config.dataDir);
  try {
    const s = await statfs(existsSync(dir) ? dir : resolve('.'));
    const free = s.bavail * s.bsize;
    const detail = `${Math.round(free / MiB)} MiB free under ${dir}`;
    if (free < DISK_FAIL_BYTES) {
      return {
        name: 'Disk',
        status: 'fail',
        detail,
        fix: 'Free space: media downloads and the database need room.',
      };
    }
    if (free < DISK_WARN_BYTES) {
      return { name: 'Disk', status: 'warn', detail, fix: 'Less than 1 GiB left: long videos may not fit.' };
    }
    return { name: 'Disk', status: 'ok', detail };
  } catch (e: unknown) {
    return { name: 'Disk', status: 'warn', detail: `free space unknown: ${message(e)}` };
  }
}

/** Runs every check; never throws. */
export async function runChecks(options: DoctorOptions): Promise<Check[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let config: Config;
  try {
    config = loadConfig(options.env);
  } catch (e: unknown) {
    const problems = e instanceof ConfigError ? e.problems : [message(e)];
    return [
      {
        name: 'Configuration',
        status: 'fail',
        detail: problems.join('; '),
        fix: 'Fix the keys named above (see .env.example); nothing else can be checked until then.',
      },
    ];
  }
  const checks: Check[] = [
    {
      name: 'Configuration',
      status: 'ok',
      detail: `${config.mode} mode, store ${config.databaseUrl === undefined ? 'SQLite' : 'PostgreSQL'}, queue ${
        config.redisUrl === undefined ? 'embedded' : 'BullMQ'
      }`,
    },
  ];
  const [discord, database, redis, ytdlp, ffmpeg, disk, stt] = await Promise.all([
    discordChecks(config, timeoutMs),
    config.databaseUrl === undefined ? sqliteCheck(config) : postgresCheck(config.databaseUrl),
    config.redisUrl === undefined
      ? Promise.resolve<Check>({
          name: 'Redis',
          status: 'skip',
          detail: 'REDIS_URL not set (embedded queue)',
        })
      : redisCheck(config.redisUrl, timeoutMs),
    ytDlpCheck(config.ytDlpPath, timeoutMs, options.now ?? new SystemClock().now()),
    toolCheck(
      'ffmpeg',
      config.ffmpegPath,
      ['-version'],
      'media cannot be transcoded for transcription',
      timeoutMs,
    ),
    diskCheck(config),
    sttChecks(config, timeoutMs),
  ]);
  const plan = validateDeployment(
    config,
    database.schemaVersion === undefined ? {} : { schemaVersion: database.schemaVersion },
  );
  if (plan.ok) {
    checks.push({
      name: 'Deployment',
      status: 'ok',
      detail: `store ${plan.value.store}, queue ${plan.value.queue}`,
    });
  } else {
    for (const p of plan.error)
      checks.push({ name: 'Deployment', status: 'fail', detail: p.message, fix: p.fix });
  }
  checks.push(...discord, database.check, redis, ytdlp, ffmpeg, disk, ...stt);
  return checks;
}

const MARK: Record<CheckStatus, string> = { ok: '✔', warn: '!', fail: '✖', skip: '-' };

export function renderChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => {
    const head = `${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}`;
    return c.fix !== undefined && c.status !== 'ok' ? `${head}\n  ${' '.repeat(width)}  → ${c.fix}` : head;
  });
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    '',
    failed === 0
      ? `All required checks passed (${warned} warning(s)).`
      : `${failed} required check(s) failed.`,
  );
  return `${lines.join('\n')}\n`;
}

export async function run(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      'Usage: autointel doctor [--json]\nChecks this deployment and prints what to fix.\n',
    );
    return 0;
  }
  loadDotEnv();
  const checks = await runChecks({ env: process.env });
  process.stdout.write(
    args.includes('--json') ? `${JSON.stringify(checks, null, 2)}\n` : renderChecks(checks),
  );
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
