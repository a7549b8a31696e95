/** A manifest with five independent mistakes, and what the CLI must say about each. */
export const FIVE_MISTAKES = `kind: ModelTraining
id: Bad_Id
spec:
  model:
    name: "-wine"
    version: "1.0"
  toolchain: cobol
  resources:
    limits: {cpu: lots}
  data:
    - localPath: data/
  algorithmSource:
    local: {path: .}
`;

/** One line per problem, each naming its field. */
export const FIVE_FIELDS = ['id', 'spec.model.name', 'spec.toolchain', 'spec.data[0].connName', 'spec.resources.limits.cpu'];

/** A connection file: an HTTPS connection with a password to mask. */
export const CONNECTION = `kind: Connection
id: shared-data
spec:
  type: https
  uri: https://data.example.com/files/
  username: reader
  password: s3cret-Pa55
  description: team data
`;
