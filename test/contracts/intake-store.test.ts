// Runs the IntakeStore contract against SQLite and, when reachable, PostgreSQL (a schema of its own per test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { checkPostgres, createTestSchema } from '../support/services.js';
import { describeIntakeStoreContract } from './intake-store.contract.js';

describeIntakeStoreContract('SqliteWorkflowStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-intakes-'));
  const store = new SqliteWorkflowStore({ filename: join(dir, 'autointel.db') });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const postgres = await checkPostgres();
if (!postgres.available) console.warn(`skipping the PostgreSQL IntakeStore contract: ${postgres.reason}`);

describe.skipIf(!postgres.available)('PostgreSQL', () => {
  describeIntakeStoreContract('PostgresWorkflowStore', async () => {
    const schema = await createTestSchema(postgres.url);
    const store = new PostgresWorkflowStore({
      connectionString: postgres.url,
      schema: schema.schema,
      maxConnections: 2,
    });
    return {
      store,
      async cleanup() {
        await store.close();
        await schema.drop();
      },
    };
  });
});
