import type { Command } from 'commander';
import { withApi } from '../api.js';
import { applyDocument, deleteResource, describe, type ApplyMode } from '../apply.js';
import { CliError } from '../errors.js';
import { documentsOf, readManifests } from '../manifests.js';
import { OUTPUT_HELP, parseOutputFormat, render } from '../output.js';
import { CONNECTION_COLUMNS } from '../views.js';
import { idOrFile, say, withServer, type ServerOpts } from './common.js';

const SECRETS_NOTE = `
Secrets (keySecret, password, credentials in the URI) are stored encrypted and shown as *****.
--decrypted shows them in the clear: embedded, to whoever can read the local store and its key
file; on a server, only with its admin token (--token or TRAINYARD_ADMIN_TOKEN).`;

export function registerConnectionCommand(program: Command): void {
  const connection = program.command('connection').description('Connections: where sources and data live, with their credentials');

  const apply = (name: string, mode: ApplyMode, description: string) =>
    withServer(connection.command(name))
      .description(description)
      .requiredOption('-f, --file <file>', 'manifest file (YAML or JSON; several documents allowed)')
      .action(async (opts: ServerOpts & { file: string; ignoreIfExists?: boolean }) => {
        const docs = documentsOf(readManifests(opts.file, 'Connection'), 'Connection', opts.file);
        await withApi(opts, async (api) => {
          for (const doc of docs) say(describe(await applyDocument(api, doc, mode, opts.ignoreIfExists === true)));
        });
      });
  apply('create', 'create', 'Create the connection(s) in a manifest file').option('--ignore-if-exists', 'skip connections that already exist instead of failing');
  apply('edit', 'edit', 'Replace connection(s); a secret left out, or given back as *****, keeps its stored value');

  withServer(connection.command('get'))
    .description('Show one connection (--id) or list them; secrets masked unless --decrypted')
    .option('--id <id>', 'connection id; without it, every connection')
    .option('-o, --output <format>', OUTPUT_HELP)
    .option('--decrypted', 'show the secrets in the clear (needs --id)')
    .option('--token <token>', 'admin token for --decrypted on a server (default: TRAINYARD_ADMIN_TOKEN)')
    .addHelpText('after', SECRETS_NOTE)
    .action(async (opts: ServerOpts & { id?: string; output?: string; decrypted?: boolean; token?: string }) => {
      const format = parseOutputFormat(opts.output);
      if (opts.decrypted && opts.id === undefined) throw new CliError('--decrypted reads one connection at a time: add --id ID');
      const text = await withApi({ server: opts.server, token: opts.token }, async (api) => {
        if (opts.id !== undefined) return render({ one: await api.getConnection(opts.id, { decrypted: opts.decrypted === true }) }, format, CONNECTION_COLUMNS, '');
        return render({ list: await api.listConnections() }, format, CONNECTION_COLUMNS, 'No connections found.');
      });
      process.stdout.write(text);
    });

  withServer(connection.command('delete'))
    .description('Delete a connection (--id) or the connections of a manifest file (-f)')
    .option('--id <id>', 'connection id')
    .option('-f, --file <file>', 'manifest file: deletes its Connection documents')
    .option('--ignore-not-found', 'succeed when the connection does not exist')
    .action(async (opts: ServerOpts & { id?: string; file?: string; ignoreNotFound?: boolean }) => {
      const target = idOrFile(opts, 'connection');
      const ids = 'id' in target ? [target.id] : documentsOf(readManifests(target.file, 'Connection'), 'Connection', target.file).map((d) => d.id ?? '');
      if (ids.includes('')) throw new CliError(`'${opts.file}': every Connection needs an id to be deleted by`);
      await withApi(opts, async (api) => {
        for (const id of ids) say(describe(await deleteResource(api, 'Connection', id, opts.ignoreNotFound === true)));
      });
    });
}
