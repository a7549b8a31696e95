/** Table columns of the resources the CLI prints. */
import type { Connection, ModelTraining } from './api.js';
import { formatAge, type Column } from './output.js';

export const TRAINING_COLUMNS: Column<ModelTraining>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'MODEL', value: (t) => t.spec.model.name },
  { header: 'VERSION', value: (t) => t.spec.model.version },
  { header: 'STATE', value: (t) => t.status.state },
  { header: 'AGE', value: (t, now) => formatAge(now - t.status.createdAt) },
  { header: 'RUN', value: (t) => t.status.runId ?? '-' },
];

export const CONNECTION_COLUMNS: Column<Connection>[] = [
  { header: 'ID', value: (c) => c.id },
  { header: 'TYPE', value: (c) => c.spec.type },
  { header: 'URI', value: (c) => c.spec.uri },
  { header: 'AGE', value: (c, now) => formatAge(now - c.createdAt) },
  { header: 'DESCRIPTION', value: (c) => c.spec.description ?? '' },
];
