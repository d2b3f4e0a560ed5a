// The model prompts are files in the repository (`prompts/*.md`); each one's version is a hash of its text.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PermanentError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';

export const PROMPT_NAMES = ['map', 'reduce'] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

export interface Prompt {
  readonly name: PromptName;
  readonly text: string;
  /**
   * `map@1a2b3c4d5e6f`: a hash, not a hand-kept number, so an edited prompt can never be reported (or served from
   * the cache) under the old prompt's version.
   */
  readonly version: string;
}

export type PromptSet = Readonly<Record<PromptName, Prompt>>;

export const promptVersion = (name: string, text: string): string =>
  `${name}@${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12)}`;

/** Reads every prompt from `<dir>/<name>.md` (default: the package's `prompts/`). */
export function loadPrompts(dir = path.join(packageRoot(), 'prompts')): PromptSet {
  const entries = PROMPT_NAMES.map((name): [PromptName, Prompt] => {
    let text: string;
    try {
      text = readFileSync(path.join(dir, `${name}.md`), 'utf8').trim();
    } catch (e: unknown) {
      throw new PermanentError('llm.prompt_missing', `prompt file ${name}.md could not be read`, {
        cause: e,
        userMessage: 'The model prompts are missing from this installation.',
      });
    }
    return [name, { name, text, version: promptVersion(name, text) }];
  });
  return Object.fromEntries(entries) as Record<PromptName, Prompt>;
}

/** The versions as one string for reports and cache keys: `map@…,reduce@…`. */
export const promptSetVersion = (p: PromptSet): string => PROMPT_NAMES.map((n) => p[n].version).join(',');
