// What the model must answer, as zod schemas: the source of both the JSON schema sent and the check on return.
import { z } from 'zod';

export const STATEMENT_KINDS = ['tldr', 'key_point', 'claim', 'chapter', 'argument', 'rhetoric'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** One model statement with the verbatim quotes that must support it. */
export const statementSchema = <K extends readonly [StatementKind, ...StatementKind[]]>(kinds: K) =>
  z.object({
    kind: z.enum(kinds),
    text: z.string().min(1).max(2000),
    detail: z.string().max(200).nullable(),
    quotes: z.array(z.string().min(1).max(1500)).min(1).max(5),
  });

export const answerSchema = <K extends readonly [StatementKind, ...StatementKind[]]>(kinds: K) =>
  z.object({ statements: z.array(statementSchema(kinds)).max(60) });

export interface ModelStatement {
  readonly kind: StatementKind;
  readonly text: string;
  readonly detail: string | null;
  readonly quotes: readonly string[];
}
export interface ModelAnswer {
  readonly statements: readonly ModelStatement[];
}

/**
 * The JSON schema for `response_format: json_schema` (strict): every property required, no extra ones — which
 * is what zod 4 emits for plain objects with `io: 'output'`.
 */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const js = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' }) as Record<string, unknown>;
  delete js['$schema'];
  return stripUnsupported(js) as Record<string, unknown>;
}

/**
 * Length and count limits are left out of what is sent: several servers (OpenAI's strict mode among them) reject
 * those keywords. They still hold, because every answer is validated against the zod schema on return.
 */
const UNSUPPORTED = new Set(['minLength', 'maxLength', 'minItems', 'maxItems', 'pattern', 'format']);
function stripUnsupported(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripUnsupported);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!UNSUPPORTED.has(k)) out[k] = stripUnsupported(x);
  return out;
}
