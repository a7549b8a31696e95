/**
 * Connections: typed pointers to where code and data live, with their credentials sealed at rest.
 * Every read masks secrets, except `getDecrypted`, the privileged read the platform itself uses
 * to fetch sources and data.
 */
import type { Selectable } from 'kysely';
import { alreadyExists, notFound, ProblemList } from '../../errors.js';
import type { Db } from '../../store/open.js';
import type { ConnectionsTable } from '../../store/schema.js';
import { MASK, SECRET_FIELDS, type Connection, type ConnectionSpec, type ConnectionType } from './schema.js';
import { sealedNames, type SecretBox } from './sealed.js';
import { credentialTarget, joinSecrets, maskedCredentials, maskSecrets, splitSecrets, URI_CREDENTIALS, type Secrets } from './secret-fields.js';
import { validateConnection } from './validate.js';

type Row = Selectable<ConnectionsTable>;

export interface ConnectionServiceOptions {
  now?: () => number;
}

export class ConnectionService {
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    options: ConnectionServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Creates a connection; RESOURCE_ALREADY_EXISTS when the id is taken. Returns the masked connection. */
  async create(input: unknown): Promise<Connection> {
    const { id, spec } = validateConnection(input);
    const problems = new ProblemList();
    const { plain, secrets } = splitSecrets(spec);
    for (const [name, value] of Object.entries(secrets)) refuseMask(name, value, problems);
    problems.throwIfAny('Invalid Connection');
    const now = this.now();
    const result = await this.db
      .insertInto('connections')
      .values({ id, type: spec.type, spec: JSON.stringify(plain), secrets: this.seal(id, secrets), created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) throw alreadyExists(`Connection '${id}' already exists`);
    return { id, spec: maskSecrets(plain, Object.keys(secrets)), createdAt: now, updatedAt: now };
  }

  /** All connections, optionally of one type, by id; secrets masked. */
  async list(filter: { type?: ConnectionType } = {}): Promise<Connection[]> {
    let query = this.db.selectFrom('connections').selectAll().orderBy('id');
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    return (await query.execute()).map((row) => masked(row));
  }

  /** One connection with its secrets masked; RESOURCE_DOES_NOT_EXIST when absent. */
  async get(id: string): Promise<Connection> {
    return masked(await this.row(id));
  }

  /**
   * Replaces a connection's spec. A secret that is omitted or sent back masked keeps its stored
   * value, unless the connection now points at another server; an empty string clears it.
   */
  async edit(input: unknown): Promise<Connection> {
    const { id, spec } = validateConnection(input);
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(`Connection '${id}' does not exist`);
      const before = JSON.parse(row.spec) as ConnectionSpec;
      const { plain, secrets } = this.mergeSecrets(id, spec, before, row.secrets);
      const now = this.now();
      await tx
        .updateTable('connections')
        .set({ type: spec.type, spec: JSON.stringify(plain), secrets: this.seal(id, secrets), updated_at: now })
        .where('id', '=', id)
        .execute();
      return { id, spec: maskSecrets(plain, Object.keys(secrets)), createdAt: row.created_at, updatedAt: now };
    });
  }

  async delete(id: string): Promise<void> {
    const result = await this.db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(`Connection '${id}' does not exist`);
  }

  /** The privileged read: the connection with its secrets in the clear. Never return this to a client that did not ask for it. */
  async getDecrypted(id: string): Promise<Connection> {
    const row = await this.row(id);
    const plain = JSON.parse(row.spec) as ConnectionSpec;
    return { id: row.id, spec: joinSecrets(plain, this.open(id, row.secrets)), createdAt: row.created_at, updatedAt: row.updated_at };
  }

  /** The type of a connection, or undefined when there is none with this id. */
  async type(id: string): Promise<ConnectionType | undefined> {
    const row = await this.db.selectFrom('connections').select('type').where('id', '=', id).executeTakeFirst();
    return row?.type as ConnectionType | undefined;
  }

  /** Every connection's type at once, as the synchronous lookup manifest validation takes. */
  async typeLookup(): Promise<(id: string) => ConnectionType | undefined> {
    const rows = await this.db.selectFrom('connections').select(['id', 'type']).execute();
    const types = new Map(rows.map((r) => [r.id, r.type as ConnectionType]));
    return (id) => types.get(id);
  }

  private async row(id: string): Promise<Row> {
    const row = await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`Connection '${id}' does not exist`);
    return row;
  }

  private mergeSecrets(id: string, spec: ConnectionSpec, before: ConnectionSpec, sealed: string | null): { plain: ConnectionSpec; secrets: Secrets } {
    const problems = new ProblemList();
    const given = splitSecrets(spec);
    const plain = given.plain;
    const stored = new Set(sealedNames(sealed));
    const keep: string[] = [];
    const secrets: Secrets = {};
    for (const field of SECRET_FIELDS) {
      const value = spec[field];
      if (value === undefined || value === MASK) {
        if (stored.has(field)) keep.push(field);
        else if (value === MASK) refuseMask(field, value, problems);
      } else if (value !== '') secrets[field] = value;
    }
    const credentials = given.secrets[URI_CREDENTIALS];
    if (credentials !== undefined && credentials === maskedCredentials(plain.uri)) {
      if (stored.has(URI_CREDENTIALS)) keep.push(URI_CREDENTIALS);
      else refuseMask(URI_CREDENTIALS, credentials, problems);
    } else if (credentials !== undefined) {
      refuseMask(URI_CREDENTIALS, credentials, problems);
      secrets[URI_CREDENTIALS] = credentials;
    }
    if (keep.length > 0 && credentialTarget(spec) !== credentialTarget(before)) {
      for (const name of keep) {
        problems.add(fieldOf(name), 'the connection now points at another server, so its stored secret is not kept: give the secret again');
      }
    }
    problems.throwIfAny('Invalid Connection');
    if (keep.length > 0) {
      const old = this.open(id, sealed);
      for (const name of keep) if (old[name] !== undefined) secrets[name] = old[name];
    }
    return { plain, secrets };
  }

  private seal(id: string, secrets: Secrets): string | null {
    return Object.keys(secrets).length === 0 ? null : this.box.seal(secrets, owner(id));
  }

  private open(id: string, sealed: string | null): Secrets {
    return sealed ? this.box.open(sealed, owner(id)) : {};
  }
}

function masked(row: Row): Connection {
  const plain = JSON.parse(row.spec) as ConnectionSpec;
  return { id: row.id, spec: maskSecrets(plain, sealedNames(row.secrets)), createdAt: row.created_at, updatedAt: row.updated_at };
}

function owner(id: string): string {
  return `connection '${id}'`;
}

function fieldOf(name: string): string {
  return name === URI_CREDENTIALS ? 'spec.uri' : `spec.${name}`;
}

/** The mask is what reads show; stored as a secret it would silently replace the real one. */
function refuseMask(name: string, value: string, problems: ProblemList): void {
  const isMask = name === URI_CREDENTIALS ? value.split(':').includes(MASK) : value === MASK;
  if (isMask) problems.add(fieldOf(name), `'${MASK}' is the mask that reads show, and there is no stored secret to keep: give the real value`);
}
