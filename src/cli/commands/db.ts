import type { Command } from 'commander';
import { loadConfig } from '../../config.js';

export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('Manage the metadata database');
  db.command('upgrade')
    .description('Apply pending schema migrations, including ones that change the major schema version')
    .option('--backend-store-uri <uri>', 'metadata database: sqlite:///path or postgresql://user:pass@host/db')
    .action(async (opts: { backendStoreUri?: string }) => {
      const config = loadConfig({ backendStoreUri: opts.backendStoreUri });
      const { openStore, redact } = await import('../../store/open.js');
      const store = await openStore(config.backendStoreUri, { migrate: 'upgrade' });
      await store.close();
      console.log(`Database ${redact(config.backendStoreUri)} is up to date.`);
    });
}
