// Fact-checks, never invented: published reviews from the page itself, Google Fact Check Tools and the guild's earlier
// reports, attached to a claim only when they match it; ratings shown as published.
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { toAppError, type AppError } from '../../core/errors.js';
import type { Depth, StagePartials } from '../../core/stage.js';
import type { AcquiredContent } from '../acquire/types.js';
import type { AnalysisOutput, ReportIndex } from '../analyse/types.js';
import type { FactCheck, FactCheckSection, Span } from '../report.js';
import type { ReportScope } from '../../store/store.js';
import type { PageClaimReview } from './claimreview.js';
import { GoogleFactCheckClient, type FactCheckSearch, type PublishedClaim } from './google.js';
import { matchClaims, tokens, type ClaimTokens } from './match.js';

export { extractClaimReviews, claimReviewsFromDocument, type PageClaimReview } from './claimreview.js';
export {
  GoogleFactCheckClient,
  DEFAULT_FACTCHECK_BASE_URL,
  type FactCheckSearch,
  type PublishedClaim,
  type PublishedReview,
} from './google.js';
export { MATCH_THRESHOLD, MIN_SHARED_TOKENS, matchClaims } from './match.js';

/** Claims looked up per report (the highest-ranked): bounds the API calls and the index queries one report makes. */
export const TOP_CLAIMS = 5;
/** Published reviews kept per claim and source. */
const REVIEWS_PER_CLAIM = 3;
/** Earlier reports read per claim. */
const EARLIER_HITS = 5;
/** Words of a claim sent to the full-text index (all must occur in an earlier report). */
const INDEX_QUERY_WORDS = 12;

export const NO_FACT_CHECK_FOUND = 'no published fact-check found';

export interface FactCheckDeps {
  /** Null when AUTOINTEL_FACTCHECK_API_KEY is not set. */
  readonly search: FactCheckSearch | null;
  readonly reportIndex: ReportIndex | null;
}

export interface FactCheckRequest {
  readonly depth: Depth;
  /** The report's claims, ranked (the analyser's `claims` section items); empty when it found none. */
  readonly claims: readonly { readonly text: string; readonly span: Span }[];
  /** The analysed text, to place a page review whose claim none of ours matches. */
  readonly text: string;
  readonly language: string | null;
  readonly pageReviews: readonly PageClaimReview[];
  readonly workflowId: string;
  /** Whose earlier reports may be searched: the requesting guild's, a DM requester's own, or (CLI) all. */
  readonly scope: ReportScope;
}

export interface FactCheckContext {
  readonly signal: AbortSignal;
  /** Lookups already paid for in an earlier run of this stage (a crash mid-way does not spend quota twice). */
  readonly partials?: StagePartials;
  readonly progress?: (fraction: number, message: string) => void;
}

/** The pipeline's one call: the analysed content and its claims → the fact-check section (null: none at this depth). */
export async function factChecksFor(
  request: { readonly workflowId: string; readonly scope: ReportScope },
  content: AcquiredContent,
  analysis: AnalysisOutput,
  deps: FactCheckDeps,
  ctx: FactCheckContext,
): Promise<FactCheckSection | null> {
  const claims = analysis.sections.claims;
  try {
    return await runFactChecks(
      {
        depth: analysis.depth,
        claims: claims === undefined || !('items' in claims) ? [] : claims.items,
        text: content.text,
        language: analysis.language ?? content.language,
        pageReviews: content.claimReviews ?? [],
        workflowId: request.workflowId,
        scope: request.scope,
      },
      deps,
      ctx,
    );
  } catch (e: unknown) {
    const error = toAppError(e, 'factcheck.unexpected');
    if (ctx.signal.aborted) throw error;
    return { missing: { reason: `Fact-checks could not be looked up (${error.code}).` } };
  }
}

/** The configured search (AUTOINTEL_FACTCHECK_API_KEY / _BASE_URL), or null when no key is set. */
export function factCheckSearchFromConfig(config: {
  readonly factCheckApiKey: string | undefined;
  readonly factCheckBaseUrl: string;
  readonly clock: Clock;
}): FactCheckSearch | null {
  if (config.factCheckApiKey === undefined) return null;
  return new GoogleFactCheckClient({
    apiKey: config.factCheckApiKey,
    baseUrl: config.factCheckBaseUrl,
    clock: config.clock,
  });
}

const LOOKUP_DEPTHS: ReadonlySet<Depth> = new Set(['comprehensive', 'experimental']);

/**
 * Builds the fact-check section, or null when this depth has none: lookups run at comprehensive and experimental
 * depth; at deep depth the section appears only when the page publishes its own ClaimReview.
 */
export async function runFactChecks(
  req: FactCheckRequest,
  deps: FactCheckDeps,
  ctx: FactCheckContext,
): Promise<FactCheckSection | null> {
  const lookups = LOOKUP_DEPTHS.has(req.depth);
  if (!lookups && (req.depth !== 'deep' || req.pageReviews.length === 0)) return null;

  const claims = req.claims.map((c) => ({ ...c, tokens: tokens(c.text) }));
  const checked = claims.slice(0, TOP_CLAIMS);
  const items: FactCheck[] = [];
  const sources: Extract<FactCheckSection, { sources: unknown }>['sources'] = [];

  items.push(...pageItems(req, claims));
  sources.push({
    kind: 'page',
    status: 'searched',
    detail:
      req.pageReviews.length === 0
        ? 'The page publishes no schema.org ClaimReview.'
        : `The page publishes ${req.pageReviews.length} schema.org ClaimReview${req.pageReviews.length === 1 ? '' : 's'}.`,
  });

  if (lookups) {
    if (checked.length === 0) {
      sources.push(
        deps.search === null
          ? NOT_CONFIGURED
          : { kind: 'google', status: 'skipped', detail: 'No claims were found to look up.' },
      );
      sources.push({ kind: 'earlier-report', status: 'skipped', detail: 'No claims were found to look up.' });
    } else {
      ctx.progress?.(0.2, 'fact-checks');
      const google = await googleItems(req, checked, deps.search, ctx);
      items.push(...google.items);
      sources.push(google.source);
      ctx.progress?.(0.7, 'fact-checks in earlier reports');
      const earlier = await earlierItems(req, checked, deps.reportIndex, ctx);
      items.push(...earlier.items);
      sources.push(earlier.source);
    }
  } else {
    const why = 'Fact-check lookups run at comprehensive and experimental depth.';
    sources.push({ kind: 'google', status: 'skipped', detail: why });
    sources.push({ kind: 'earlier-report', status: 'skipped', detail: why });
  }
  return {
    items,
    checked: lookups ? checked.map((c) => ({ claim: c.text, span: c.span })) : [],
    sources,
  };
}

const NOT_CONFIGURED: SourceStatus = {
  kind: 'google',
  status: 'not_configured',
  detail: 'AUTOINTEL_FACTCHECK_API_KEY is not set, so the API was not searched.',
};

type TokenizedClaim = { readonly text: string; readonly span: Span; readonly tokens: ClaimTokens };
type SourceStatus = Extract<FactCheckSection, { sources: unknown }>['sources'][number];

/** The page's own reviews: beside the best-matching claim, else on their own (placed in the text when found there). */
function pageItems(req: FactCheckRequest, claims: readonly TokenizedClaim[]): FactCheck[] {
  const out: FactCheck[] = [];
  for (const r of req.pageReviews) {
    const reviewed = tokens(r.claimReviewed);
    let best: { claim: TokenizedClaim; containment: number } | null = null;
    for (const c of claims) {
      const m = matchClaims(c.tokens, reviewed);
      if (m.matched && (best === null || m.containment > best.containment))
        best = { claim: c, containment: m.containment };
    }
    out.push({
      claim: best?.claim.text ?? r.claimReviewed,
      span: best?.claim.span ?? locate(req.text, r.claimReviewed),
      sourceKind: 'page',
      reviewedClaim: r.claimReviewed,
      claimant: r.claimant,
      publisher: r.publisher,
      rating: r.rating,
      ratingScale: ratingScale(r),
      reviewUrl: r.url,
      reviewDate: r.datePublished,
      workflowId: null,
      match: best?.containment ?? null,
    });
  }
  return out;
}

async function googleItems(
  req: FactCheckRequest,
  checked: readonly TokenizedClaim[],
  search: FactCheckSearch | null,
  ctx: FactCheckContext,
): Promise<{ items: FactCheck[]; source: SourceStatus }> {
  if (search === null) return { items: [], source: NOT_CONFIGURED };
  const items: FactCheck[] = [];
  let searched = 0;
  let failure: AppError | null = null;
  for (const c of checked) {
    if (ctx.signal.aborted) break;
    const key = `factcheck:google:${hash(c.text)}`;
    let found = ctx.partials?.load(key) as PublishedClaim[] | undefined;
    if (!Array.isArray(found)) {
      let r: Awaited<ReturnType<FactCheckSearch['search']>>;
      try {
        r = await search.search(c.text, { languageCode: req.language, signal: ctx.signal });
      } catch (e: unknown) {
        r = { ok: false, error: toAppError(e, 'factcheck.unexpected') };
      }
      if (!r.ok) {
        failure = r.error;
        // Quota and credentials do not come back within one report: stop spending calls on them.
        if (r.error.code === 'factcheck.rate_limited' || r.error.code === 'factcheck.refused') break;
        continue;
      }
      found = r.value;
      await ctx.partials?.save(key, found);
    }
    searched++;
    items.push(...publishedItems(c, found));
  }
  const what = `${searched} of ${checked.length} claim${checked.length === 1 ? '' : 's'} searched`;
  return {
    items,
    source:
      failure === null
        ? { kind: 'google', status: 'searched', detail: `${what}.` }
        : {
            kind: 'google',
            status: 'failed',
            detail: `${what}; the rest failed: ${failure.userMessage} (${failure.message}, ${failure.code}).`,
          },
  };
}

function publishedItems(c: TokenizedClaim, found: readonly PublishedClaim[]): FactCheck[] {
  const scored = found
    .map((p) => ({ p, m: matchClaims(c.tokens, p.text) }))
    .filter((x) => x.m.matched)
    .sort((a, b) => b.m.containment - a.m.containment);
  const out: FactCheck[] = [];
  for (const { p, m } of scored) {
    for (const r of p.reviews) {
      if (out.length >= REVIEWS_PER_CLAIM) return out;
      // A review with neither a rating nor a link says nothing a reader could check.
      if (r.textualRating === null && r.url === null) continue;
      out.push({
        claim: c.text,
        span: c.span,
        sourceKind: 'google',
        reviewedClaim: p.text,
        claimant: p.claimant,
        publisher: r.publisher ?? r.site,
        rating: r.textualRating,
        ratingScale: null,
        reviewUrl: r.url,
        reviewDate: r.reviewDate,
        workflowId: null,
        match: m.containment,
      });
    }
  }
  return out;
}

async function earlierItems(
  req: FactCheckRequest,
  checked: readonly TokenizedClaim[],
  index: ReportIndex | null,
  ctx: FactCheckContext,
): Promise<{ items: FactCheck[]; source: SourceStatus }> {
  const skipped = (detail: string): { items: FactCheck[]; source: SourceStatus } => ({
    items: [],
    source: { kind: 'earlier-report', status: 'skipped', detail },
  });
  if (index === null || index.loadReport === undefined) return skipped('No report index is available here.');
  const items: FactCheck[] = [];
  try {
    for (const c of checked) {
      if (ctx.signal.aborted) break;
      const query = [...c.tokens.words].slice(0, INDEX_QUERY_WORDS).join(' ');
      if (query === '') continue;
      const hits = await index.search(query, {
        limit: EARLIER_HITS,
        excludeWorkflowId: req.workflowId,
        scope: req.scope,
      });
      const seen = new Set<string>();
      for (const h of hits) {
        if (h.workflowId === req.workflowId || seen.has(h.workflowId) || h.reportId === undefined) continue;
        seen.add(h.workflowId);
        const earlier = bestStatement(c.tokens, await index.loadReport(h.reportId));
        if (earlier === null) continue;
        items.push({
          claim: c.text,
          span: c.span,
          sourceKind: 'earlier-report',
          reviewedClaim: earlier.text,
          claimant: null,
          publisher: h.title,
          rating: null,
          ratingScale: null,
          reviewUrl: h.url,
          reviewDate: null,
          workflowId: h.workflowId,
          match: earlier.containment,
        });
      }
    }
  } catch (e: unknown) {
    const error = toAppError(e, 'factcheck.index_failed');
    return {
      items,
      source: {
        kind: 'earlier-report',
        status: 'failed',
        detail: `The report index failed (${error.code}).`,
      },
    };
  }
  return {
    items,
    source: {
      kind: 'earlier-report',
      status: 'searched',
      detail: `${checked.length} claim${checked.length === 1 ? '' : 's'} searched.`,
    },
  };
}

/** The statement of an earlier report (a claim, quote, key point or summary sentence) that best matches the claim. */
function bestStatement(claim: ClaimTokens, report: unknown): { text: string; containment: number } | null {
  const sections = (report as { sections?: Record<string, unknown> } | null)?.sections;
  if (typeof sections !== 'object' || sections === null) return null;
  let best: { text: string; containment: number } | null = null;
  for (const name of ['claims', 'quotes', 'keyPoints', 'summary']) {
    const list = (sections[name] as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const text = (item as { text?: unknown } | null)?.text;
      if (typeof text !== 'string') continue;
      const m = matchClaims(claim, text);
      if (m.matched && (best === null || m.containment > best.containment))
        best = { text, containment: m.containment };
    }
  }
  return best;
}

/** The publisher's numeric scale in words, when it gives one. */
function ratingScale(r: PageClaimReview): string | null {
  if (r.ratingValue === null) return null;
  if (r.bestRating === null || r.worstRating === null) return `${r.ratingValue}`;
  return `${r.ratingValue} on a scale from ${r.worstRating} (worst) to ${r.bestRating} (best)`;
}

/** Where `needle` occurs in `text`, ignoring case and whitespace runs; null when it does not. */
export function locate(text: string, needle: string): Span | null {
  // A trailing full stop in the reviewed claim need not be in the article's sentence.
  const words = needle
    .trim()
    .replace(/[.!?…]+$/u, '')
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (words.length === 0) return null;
  const m = new RegExp(words.join('\\s+'), 'iu').exec(text);
  return m === null ? null : { start: m.index, end: m.index + m[0].length };
}

const hash = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 24);
