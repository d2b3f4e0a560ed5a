// The analyser's contracts: what goes into an analysis, what comes out, and the ports it reads through.
import type { Depth } from '../../core/stage.js';
import type { ReportScope } from '../../store/store.js';
import type { ReportSections, Span } from '../report.js';

/** Earlier reports, searchable by text (the store's full-text search implements it). */
export interface ReportIndex {
  search(
    query: string,
    opts: { readonly limit: number; readonly excludeWorkflowId?: string; readonly scope: ReportScope },
  ): Promise<{ workflowId: string; url: string; title: string; snippet: string; reportId?: string }[]>;
  /** A stored report's JSON by id (fact-checks read an earlier report's claims); absent where reports cannot be read. */
  loadReport?(reportId: string): Promise<unknown>;
}

/** The sections the offline analyser fills (cross-references are added afterwards, off the worker). */
export type AnalysedSections = Omit<ReportSections, 'crossReferences'>;

/** A JSON value: it crosses the worker boundary and is stored as the analyse stage's checkpoint. */
export interface AnalysisOutput {
  readonly depth: Depth;
  readonly language: string | null;
  readonly wordCount: number;
  readonly sections: AnalysedSections;
  /** Engine name → version. */
  readonly engines: Record<string, string>;
  readonly notes: string[];
  /** Queries for the cross-reference lookup: what to search for and where it is in this text. */
  readonly crossReferenceQueries: CrossReferenceQuery[];
}

export interface CrossReferenceQuery {
  readonly matched: 'claim' | 'entity' | 'text';
  readonly query: string;
  readonly text: string;
  readonly span: Span;
}

export interface AnalyseJobOptions {
  readonly depth: Depth;
  /** Whether an LLM endpoint is configured (AUTOINTEL_LLM_BASE_URL). */
  readonly llmConfigured: boolean;
}
