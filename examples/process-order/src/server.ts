/**
 * Runs the shop: `pnpm start`. PORT (default 3000), DATABASE_PATH (default data/orders.sqlite,
 * relative to the working directory: `pnpm start` runs in examples/process-order; `:memory:`
 * for a database that ends with the process). With WORKFLOWS_EMULATOR_HOST set the client
 * talks to workflows-emulator, otherwise to Google.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EMULATOR_HOST_ENV } from '@workflows-kit/client';
import { createApp } from './app.js';
import { OrderStore, openDatabase } from './db.js';
import { ProcessOrderWorkflow } from './workflows.js';

const port = Number(process.env['PORT'] ?? 3000);
const host = process.env['HOST'] ?? '127.0.0.1';
const databasePath = process.env['DATABASE_PATH'] ?? 'data/orders.sqlite';
mkdirSync(dirname(databasePath), { recursive: true });
const db = openDatabase(databasePath);

// The guide's sample order, so that there is something to process on a fresh database.
const orders = new OrderStore(db);
if (orders.get(12345) === undefined) {
  orders.create({
    id: 12345,
    customerEmail: 'user@example.com',
    items: ['item1', 'item2'],
    totalAmount: 99.99,
  });
}

const workflow = new ProcessOrderWorkflow();
const app = createApp({ db, workflow });
const server = app.listen(port, host, (error?: Error) => {
  if (error) throw error;
  const target =
    workflow.endpoint.kind === 'emulator'
      ? `workflows-emulator at ${workflow.endpoint.url}`
      : `Google Cloud Workflows (set ${EMULATOR_HOST_ENV} to use the emulator)`;
  const base = `http://${host}:${port}`;
  console.log(`process-order shop on ${base}, invoking ${target}`);
  console.log(
    databasePath === ':memory:'
      ? 'orders kept in memory until the shop stops'
      : `orders stored in ${resolve(databasePath)} (to start clean, stop the shop and delete it with its -wal and -shm files)`,
  );
  console.log(`  curl -X POST ${base}/orders/12345/process`);
  console.log(`  curl ${base}/orders/12345`);
});

function shutdown(): void {
  server.close(() => db.close());
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
