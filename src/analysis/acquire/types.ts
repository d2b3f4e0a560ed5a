// What acquisition produces: the stored text every report span points into, with its metadata.
import type { PageClaimReview } from '../factcheck/claimreview.js';

export interface TranscriptSegment {
  /** Seconds from the start of the media. */
  readonly start: number;
  readonly end: number;
  readonly speaker: string | null;
  readonly text: string;
  /** Where this segment's text sits in `AcquiredContent.text` (UTF-16 offsets, end exclusive). */
  readonly charStart: number;
  readonly charEnd: number;
}

/** Where one page of a document sits in `AcquiredContent.text` (UTF-16 offsets, end exclusive). */
export interface PageRange {
  /** 1-based page number. */
  readonly page: number;
  readonly charStart: number;
  readonly charEnd: number;
}

export type ContentKind = 'article' | 'text' | 'subtitles' | 'media' | 'document';

export interface AcquiredContent {
  readonly kind: ContentKind;
  /** What the user gave (URL or local path). */
  readonly source: string;
  /** Where the content came from after redirects. */
  readonly finalUrl: string;
  readonly title: string | null;
  readonly byline: string | null;
  readonly siteName: string | null;
  readonly publishedTime: string | null;
  /** ISO 639-1 code when known (page markup or detection), else null. */
  readonly language: string | null;
  /** The text that was analysed; all report spans are offsets into it. */
  readonly text: string;
  /** Timestamped segments when the source has them (subtitles, captions, transcripts). */
  readonly segments: readonly TranscriptSegment[] | null;
  /** Page ranges of a paged document (PDF), in order; absent for everything else. */
  readonly pages?: readonly PageRange[];
  readonly media: {
    readonly durationSec: number | null;
    readonly captions: 'manual' | 'automatic' | 'none';
    /** Local audio file kept for a transcription stage, when captions were missing. */
    readonly audioPath: string | null;
  } | null;
  /** Plain statements about what could not be done, e.g. that no transcript could be made. */
  readonly notes: readonly string[];
  /** schema.org ClaimReviews published on the page itself (HTML only; absent when there were none). */
  readonly claimReviews?: readonly PageClaimReview[];
  /** sha256 hex of `text`. */
  readonly contentHash: string;
  readonly fetchedAt: number;
}
