// One line of `autointel doctor`'s answer: shared by the general checks and the speech-to-text checks.
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do about a warn/fail. */
  readonly fix?: string;
}
