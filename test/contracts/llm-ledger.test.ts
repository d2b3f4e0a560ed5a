// Runs the LlmLedger contract against the memory, SQLite and (when reachable) PostgreSQL adapters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { MemoryLlmLedger } from '../../src/store/llm-ledger.js';
import { PostgresLlmLedger } from '../../src/store/postgres/postgres-llm-ledger.js';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteLlmLedger } from '../../src/store/sqlite/sqlite-llm-ledger.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { checkPostgres, createTestSchema, type TestSchema } from '../support/services.js';
import { describeLlmLedgerContract } from './llm-ledger.contract.js';

describeLlmLedgerContract('MemoryLlmLedger', () =>
  Promise.resolve({ ledger: new MemoryLlmLedger(), cleanup: () => Promise.resolve() }),
);

describeLlmLedgerContract('SqliteLlmLedger', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-ledger-'));
  const file = join(dir, 'autointel.db');
  // The store's migrations create the ledger's tables (migration 6).
  const store = new SqliteWorkflowStore({ filename: file });
  await store.migrate();
  const ledger = new SqliteLlmLedger({ filename: file });
  return {
    ledger,
    async cleanup() {
      await ledger.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const postgres = await checkPostgres();
if (!postgres.available) console.warn(`skipping the PostgresLlmLedger contract: ${postgres.reason}`);

describe.skipIf(!postgres.available)('PostgresLlmLedger', () => {
  const schemas: TestSchema[] = [];
  afterAll(async () => {
    for (const s of schemas) await s.drop();
  });
  describeLlmLedgerContract('PostgresLlmLedger', async () => {
    const schema = await createTestSchema(postgres.url);
    schemas.push(schema);
    const store = new PostgresWorkflowStore({
      connectionString: postgres.url,
      schema: schema.schema,
      maxConnections: 2,
    });
    await store.migrate();
    const ledger = new PostgresLlmLedger({ connectionString: postgres.url, schema: schema.schema });
    return {
      ledger,
      async cleanup() {
        await ledger.close();
        await store.close();
      },
    };
  });
});
