// The content budgets: what one body may cost, and the refusals a user can act on when it costs more.
import type { AppError } from '../../core/errors.js';
import { permanent } from './errors.js';

/** What one body may cost: checked before the expensive step, so a hostile page is refused, not chewed on. */
export interface BodyLimits {
  /** Longest extracted text, in UTF-16 code units (AUTOINTEL_MAX_TEXT_CHARS). */
  readonly maxTextChars: number;
  /** Deepest element nesting Readability is given (AUTOINTEL_MAX_DOM_DEPTH). */
  readonly maxDomDepth: number;
  /** Most elements in one page (AUTOINTEL_MAX_DOM_ELEMENTS). */
  readonly maxDomElements: number;
}

/**
 * Readability's cost grows much faster than linearly with nesting (200 nested divs: 0.5 s, 400: 2.6 s, 800: 18 s,
 * 2,000: 27 s+) while the 32 corpus news pages nest at most 26 levels and carry at most ~2,800 elements, so the
 * defaults leave real pages 5× and 35× of room and keep Readability well inside its deadline.
 */
export const DefaultBodyLimits = {
  maxTextChars: 2_000_000,
  maxDomDepth: 128,
  maxDomElements: 100_000,
} as const satisfies BodyLimits;

const MB = 1024 * 1024;
const mb = (n: number): string => (n / MB).toFixed(n < 10 * MB ? 1 : 0);

/** Refuses a text past the cap with the sizes a user can act on. */
export function textTooLarge(text: string, limits: BodyLimits): AppError {
  const chars = text.length;
  const bytes = Buffer.byteLength(text, 'utf8');
  return permanent(
    'acquire.too_large',
    `extracted text of ${chars} characters exceeds ${limits.maxTextChars}`,
    {
      context: { chars, bytes, limit: limits.maxTextChars },
      userMessage:
        `The text is too large: ${mb(bytes)} MB (${chars.toLocaleString('en')} characters); the limit is ` +
        `${limits.maxTextChars.toLocaleString('en')} characters. Link a shorter page or a single chapter.`,
    },
  );
}

/** The refusal for a page past the DOM budget, or null. Shared by the pre-scan and the parsed-DOM check. */
export function tooComplex(
  measured: { elements: number; depth: number },
  limits: Pick<BodyLimits, 'maxDomDepth' | 'maxDomElements'>,
): AppError | null {
  if (measured.depth > limits.maxDomDepth)
    return permanent('acquire.too_complex', `markup nests ${measured.depth} levels deep`, {
      context: { depth: measured.depth, limit: limits.maxDomDepth },
      userMessage:
        `The page is too complex to read: its markup nests ${measured.depth.toLocaleString('en')} levels ` +
        `deep, the limit is ${limits.maxDomDepth}.`,
    });
  if (measured.elements > limits.maxDomElements)
    return permanent('acquire.too_complex', `markup has ${measured.elements} elements`, {
      context: { elements: measured.elements, limit: limits.maxDomElements },
      userMessage:
        `The page is too complex to read: it has ${measured.elements.toLocaleString('en')} elements, ` +
        `the limit is ${limits.maxDomElements.toLocaleString('en')}.`,
    });
  return null;
}
