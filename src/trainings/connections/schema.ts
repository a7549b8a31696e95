/**
 * The Connection resource as Odahu-flow users write it, plus Trainyard's optional `endpoint`
 * (an S3-compatible server such as MinIO). TypeBox: the single source for validation, types and
 * the OpenAPI document.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TRAINING_ID_PATTERN } from '../manifest/schema.js';

const Strict = { additionalProperties: false } as const;
const Described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

export const CONNECTION_TYPES = ['s3', 'gcs', 'azureblob', 'git', 'docker', 'ecr', 'local', 'http', 'https'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

/** Fields stored encrypted and shown masked. The credentials part of a URI is secret too (see secret-fields.ts). */
export const SECRET_FIELDS = ['keySecret', 'password'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

/** What a masked read shows in place of a secret; sent back unchanged in an edit, it keeps the stored value. */
export const MASK = '*****';

const Text = (description: string) => Type.Optional(Described(Type.String(), description));

export const ConnectionSpecSchema = Type.Object(
  {
    type: Described(Type.Union(CONNECTION_TYPES.map((t) => Type.Literal(t))), `one of ${CONNECTION_TYPES.join(', ')}`),
    uri: Described(Type.String({ minLength: 1, maxLength: 2048 }), 'where the connection points; its form depends on the type'),
    region: Text('cloud region (s3, gcs, ecr)'),
    keyID: Text('access key id (s3, ecr)'),
    keySecret: Text('secret: access key, service-account JSON (gcs), SAS URL (azureblob), private key or token (git)'),
    password: Text('secret: password (docker, http, git over https)'),
    username: Text('user name (docker, http, git over https)'),
    role: Text('role to assume'),
    publicKey: Text("the git server's host key: a known_hosts line as ssh-keyscan prints it (plain or base64)"),
    reference: Text('default git branch, tag or commit for trainings using this connection'),
    description: Text('free text'),
    webUILink: Text('a link to browse the target in a web UI'),
    endpoint: Text('S3-compatible endpoint URL (MinIO, ...) for an s3 connection; default: AWS'),
  },
  Strict,
);

export const ConnectionSchema = Type.Object(
  {
    kind: Type.Optional(Type.Literal('Connection')),
    id: Described(Type.String({ pattern: TRAINING_ID_PATTERN }), 'up to 63 lowercase letters, digits or "-", starting with a letter'),
    spec: ConnectionSpecSchema,
    // Written by the platform; accepted and ignored on input so `get -o yaml` output can be re-applied.
    status: Type.Optional(Type.Unknown()),
    createdAt: Type.Optional(Type.Unknown()),
    updatedAt: Type.Optional(Type.Unknown()),
  },
  Strict,
);

export type ConnectionSpecInput = Static<typeof ConnectionSpecSchema>;
export type ConnectionInput = Static<typeof ConnectionSchema>;

/** A validated connection spec. Secret fields hold either the real value or, in masked reads, MASK. */
export interface ConnectionSpec {
  type: ConnectionType;
  uri: string;
  region?: string;
  keyID?: string;
  keySecret?: string;
  password?: string;
  username?: string;
  role?: string;
  publicKey?: string;
  reference?: string;
  description?: string;
  webUILink?: string;
  endpoint?: string;
}

/** A stored connection as services return it; times are epoch milliseconds. */
export interface Connection {
  id: string;
  spec: ConnectionSpec;
  createdAt: number;
  updatedAt: number;
}
