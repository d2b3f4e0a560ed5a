// Every store port's contract suite against one adapter: what SQLite and PostgreSQL each must pass.
import type { WorkflowStore } from '../../src/store/store.js';
import { describeStoreAdminContract } from './store-admin.contract.js';
import { describeCheckpointReportStoreContract } from './store-checkpoints.contract.js';
import { describeGuildSettingsStoreContract } from './store-guilds.contract.js';
import { describeIntakeStoreContract } from './store-intakes.contract.js';
import { describeOutboxStoreContract } from './store-outbox.contract.js';
import type { PortUnderTest } from './store-support.js';
import { describeWorkflowLeaseStoreContract } from './store-workflows.contract.js';

export { request } from './store-support.js';

export type StoreUnderTest = PortUnderTest<WorkflowStore>;

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describeWorkflowLeaseStoreContract(name, makeStore);
  describeCheckpointReportStoreContract(name, makeStore);
  describeOutboxStoreContract(name, makeStore);
  describeGuildSettingsStoreContract(name, makeStore);
  describeIntakeStoreContract(name, makeStore);
  describeStoreAdminContract(name, makeStore);
}
