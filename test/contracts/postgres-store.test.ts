// Runs the WorkflowStore contract against PostgreSQL in a schema of its own (dropped at the end). Tests share the
// migrated schema and start from empty tables: migrating afresh for each of ~40 tests would dominate the run.
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import { checkPostgres, createTestSchema, type TestSchema } from '../support/services.js';
import { describeStoreContract } from './store.contract.js';

const postgres = await checkPostgres();
if (!postgres.available) console.warn(`skipping the PostgresWorkflowStore contract: ${postgres.reason}`);

async function emptyTables(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'`,
      [schema],
    );
    // DELETE, not TRUNCATE: on tables this small it avoids TRUNCATE's new files and fsyncs.
    for (const t of r.rows) await c.query(`DELETE FROM ${schema}.${t.name}`);
  } finally {
    await c.end();
  }
}

describe.skipIf(!postgres.available)('PostgresWorkflowStore', () => {
  let schema: TestSchema | undefined;
  afterAll(async () => {
    await schema?.drop();
  });

  describeStoreContract('PostgresWorkflowStore', async () => {
    schema ??= await createTestSchema(postgres.url);
    const name = schema.schema;
    const store = new PostgresWorkflowStore({
      connectionString: postgres.url,
      schema: name,
      maxConnections: 4,
    });
    return {
      store,
      async cleanup() {
        await store.close();
        await emptyTables(postgres.url, name);
      },
    };
  });
});
