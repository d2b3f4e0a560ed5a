// Runs the ChunkAudioStore contract against the SQLite and (when reachable) PostgreSQL adapters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { PostgresChunkAudioStore } from '../../src/store/postgres/postgres-chunk-audio.js';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteChunkAudioStore } from '../../src/store/sqlite/sqlite-chunk-audio.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { checkPostgres, createTestSchema, type TestSchema } from '../support/services.js';
import { describeChunkAudioStoreContract } from './chunk-audio.contract.js';

describeChunkAudioStoreContract('SqliteChunkAudioStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-chunks-'));
  const file = join(dir, 'autointel.db');
  // The store's migrations create the chunk table (migration 7).
  const workflows = new SqliteWorkflowStore({ filename: file });
  await workflows.migrate();
  const chunks = new SqliteChunkAudioStore({ filename: file });
  return {
    chunks,
    workflows,
    async cleanup() {
      await chunks.close();
      await workflows.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const postgres = await checkPostgres();
if (!postgres.available) console.warn(`skipping the PostgresChunkAudioStore contract: ${postgres.reason}`);

describe.skipIf(!postgres.available)('PostgresChunkAudioStore', () => {
  const schemas: TestSchema[] = [];
  afterAll(async () => {
    for (const s of schemas) await s.drop();
  });
  describeChunkAudioStoreContract('PostgresChunkAudioStore', async () => {
    const schema = await createTestSchema(postgres.url);
    schemas.push(schema);
    const workflows = new PostgresWorkflowStore({
      connectionString: postgres.url,
      schema: schema.schema,
      maxConnections: 2,
    });
    await workflows.migrate();
    const chunks = new PostgresChunkAudioStore({ connectionString: postgres.url, schema: schema.schema });
    return {
      chunks,
      workflows,
      async cleanup() {
        await chunks.close();
        await workflows.close();
      },
    };
  });
});
