// Messages between the whisper.cpp engine and its child process.

export type ChildRequest =
  | { readonly type: 'load' }
  | {
      readonly type: 'transcribe';
      readonly id: number;
      readonly wavPath: string;
      readonly threads: number;
      readonly language: string | null;
    }
  | { readonly type: 'stop'; readonly id: number };

export type ChildReply =
  | { readonly type: 'loaded' }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly aborted: boolean;
      readonly language: string | null;
      /** Seconds from the start of the file. */
      readonly segments: readonly { start: number; end: number; text: string }[];
    }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
