import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import { acquisitionDir, ownedDir, releaseAudio, sweepWorkDir } from './workspace.js';

const logger = pino({ level: 'silent' });

describe('media work directories', () => {
  it('names a workflow’s directory after it, and refuses ids that could name another path', () => {
    const id = newId();
    expect(basename(acquisitionDir('/data/media', id))).toMatch(new RegExp(`^wf-${id}-[0-9a-f]{8}$`));
    expect(basename(acquisitionDir('/data/media', '../../etc'))).not.toContain('..');
    expect(basename(acquisitionDir('/data/media', undefined))).not.toMatch(/^wf-/);
  });

  it('only ever releases directories inside the work directory', async () => {
    const work = mkdtempSync(join(tmpdir(), 'autointel-ws-'));
    const userFile = join(mkdtempSync(join(tmpdir(), 'autointel-user-')), 'talk.mp3');
    writeFileSync(userFile, 'x');
    expect(ownedDir(work, userFile)).toBeNull();
    expect(await releaseAudio(work, userFile)).toBe(false);
    expect(existsSync(userFile)).toBe(true);

    const dir = acquisitionDir(work, newId());
    mkdirSync(join(dir, 'audio'), { recursive: true });
    writeFileSync(join(dir, 'audio', 'audio.m4a'), 'x');
    expect(ownedDir(work, join(dir, 'audio', 'audio.m4a'))).toBe(dir);
    expect(await releaseAudio(work, join(dir, 'audio', 'audio.m4a'))).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  it('at start removes the downloads of ended runs and keeps those of workflows that will resume', async () => {
    const work = mkdtempSync(join(tmpdir(), 'autointel-ws-'));
    const live = newId();
    const ended = newId();
    const liveDir = acquisitionDir(work, live);
    const endedDir = acquisitionDir(work, ended);
    const stray = acquisitionDir(work, undefined);
    for (const d of [liveDir, endedDir, stray]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'audio.m4a'), 'x');
    }
    const asked: string[] = [];
    const r = await sweepWorkDir(work, {
      logger,
      isLive: (id) => {
        asked.push(id);
        return Promise.resolve(id === live);
      },
    });
    expect(r).toEqual({ removed: 2, kept: 1 });
    expect(readdirSync(work)).toEqual([basename(liveDir)]);
    expect(asked.sort()).toEqual([ended, live].sort());
  });

  it('sweeps a missing work directory without complaint', async () => {
    expect(
      await sweepWorkDir(join(tmpdir(), `absent-${newId()}`), {
        logger,
        isLive: () => Promise.resolve(false),
      }),
    ).toEqual({
      removed: 0,
      kept: 0,
    });
  });
});
