// `autointel register-commands` against the emulator: the bulk PUT registers exactly our commands, idempotently.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/register-commands.js';
import { COMMANDS } from '../../src/discord/commands.js';
import { DiscordEmulator } from '@autointel/discord-emulator';

let emu: DiscordEmulator;
const saved = { ...process.env };

beforeEach(async () => {
  emu = await DiscordEmulator.start();
  process.env['DISCORD_TOKEN'] = emu.application.botToken;
  process.env['DISCORD_APPLICATION_ID'] = emu.application.id;
  process.env['DISCORD_API_BASE'] = emu.apiBase;
});

afterEach(async () => {
  process.env = { ...saved };
  vi.restoreAllMocks();
  await emu.close();
});

async function registered(
  path: string,
): Promise<{ name: string; default_member_permissions?: string | null }[]> {
  const res = await fetch(`${emu.apiBase}/v10${path}`, {
    headers: { authorization: `Bot ${emu.application.botToken}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { name: string }[];
}

describe('register-commands', () => {
  it('registers every command globally, and running it twice leaves the same set', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await run([])).toBe(0);
    expect(await run([])).toBe(0);
    const names = (await registered(`/applications/${emu.application.id}/commands`))
      .map((c) => c.name)
      .sort();
    expect(names).toEqual(COMMANDS.map((c) => c.name).sort());
    expect(String(out.mock.calls.at(-1)?.[0])).toMatch(
      new RegExp(`Registered ${COMMANDS.length} commands \\(global\\): /autointel, .*/autointel_search`),
    );
  });

  it('registers guild commands with --guild, config restricted to server managers', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const guildId = emu.createGuild().id;
    expect(await run(['--guild', guildId])).toBe(0);
    const cmds = await registered(`/applications/${emu.application.id}/guilds/${guildId}/commands`);
    expect(cmds.find((c) => c.name === 'autointel_config')?.default_member_permissions).toBe('32');
    expect(cmds).toHaveLength(COMMANDS.length);
    // The search option's bounds reach Discord as declared.
    const search = cmds.find((c) => c.name === 'autointel_search') as
      { options?: { name: string; min_length?: number; max_length?: number }[] } | undefined;
    expect(search?.options?.[0]).toMatchObject({ name: 'query', min_length: 1, max_length: 200 });
  });

  it('rejects a malformed --guild without calling Discord', async () => {
    const errOut = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await run(['--guild', 'abc'])).toBe(2);
    expect(String(errOut.mock.calls[0]?.[0])).toMatch(/numeric guild id/);
    expect(emu.stats().requests).toBe(0);
  });
});
