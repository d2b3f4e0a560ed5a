// Media work directories: one per acquisition, named after its workflow, removed as soon as nothing needs them.
import { readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';

const WORKFLOW_PREFIX = 'wf-';
// Workflow ids are UUIDs; anything else in a name is refused so a crafted id can never name a path outside.
const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

/** A fresh directory name under the work dir: `wf-<workflowId>-<n>` for a workflow's acquisition, else a bare id. */
export function acquisitionDir(workDir: string, workflowId: string | undefined): string {
  const suffix = newId().slice(0, 8);
  if (workflowId !== undefined && SAFE_ID.test(workflowId))
    return join(workDir, `${WORKFLOW_PREFIX}${workflowId}-${suffix}`);
  return join(workDir, newId());
}

/** The acquisition directory under `workDir` that holds `path`, or null when `path` is elsewhere (a user's file). */
export function ownedDir(workDir: string, path: string): string | null {
  const rel = relative(workDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  const first = rel.split(sep)[0];
  return first === undefined || first === '' ? null : join(workDir, first);
}

/**
 * Removes the acquisition directory holding `audioPath` once the transcription stage is done with it. A path
 * outside the work directory (a local file given on the command line) is never touched.
 */
export async function releaseAudio(workDir: string, audioPath: string | null): Promise<boolean> {
  if (audioPath === null) return false;
  const dir = ownedDir(workDir, audioPath);
  if (dir === null) return false;
  await rm(dir, { recursive: true, force: true });
  return true;
}

/**
 * At start: removes every acquisition directory whose workflow will not run again (finished, failed, cancelled or
 * purged) and every directory that belongs to no workflow. A workflow still queued or running — a run that died and
 * will be resumed — keeps its audio for the transcription stage it has yet to run.
 */
export async function sweepWorkDir(
  workDir: string,
  options: { readonly isLive: (workflowId: string) => Promise<boolean>; readonly logger: Logger },
): Promise<{ removed: number; kept: number }> {
  let names: string[];
  try {
    names = await readdir(workDir);
  } catch {
    return { removed: 0, kept: 0 };
  }
  let removed = 0;
  let kept = 0;
  for (const name of names) {
    const m = /^wf-(.+)-[0-9a-f]{8}$/i.exec(name);
    const id = m?.[1];
    if (id !== undefined && SAFE_ID.test(id) && (await options.isLive(id))) {
      kept++;
      continue;
    }
    await rm(join(workDir, name), { recursive: true, force: true });
    removed++;
  }
  if (removed > 0) options.logger.info({ removed, kept }, 'removed media work directories of ended runs');
  return { removed, kept };
}
