/**
 * MLflow's artifact proxy (`mlflow-artifacts` API) and the tracking API's artifact listing.
 * Uploads and downloads stream between the socket and the store: no artifact is held in memory.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientArtifactPath } from '../artifacts/paths.js';
import { listUnderRoot, storePathUnder } from '../artifacts/run-listing.js';
import { MULTIPART_LIMITS, type ArtifactStore, type UploadedPart } from '../artifacts/store.js';
import { invalid, notFound } from '../errors.js';
import type { Tracking } from '../tracking/index.js';
import { acceptRawBodies, declaredLength, partUrl, rawBody, receiving, sendDownload, sendHeadersOnly, wildcardPath } from './artifacts-http.js';
import { objList, optStr, reqInt, reqStr, type Message } from './mlflow/input.js';
import { API_PREFIXES, registerRpcs, type Rpc } from './mlflow/rpc.js';
import { runIdOf } from './mlflow/runs.js';

const ARTIFACTS = '/mlflow-artifacts/artifacts';
const MPU = '/mlflow-artifacts/mpu';

export function registerArtifactRoutes(app: FastifyInstance, artifacts: ArtifactStore, tracking: Tracking): void {
  registerRpcs(app, [...proxyRpcs(artifacts), ...trackingArtifactRpcs(artifacts, tracking)]);

  for (const prefix of API_PREFIXES) {
    // Fastify's automatic HEAD would open the file and read it to the end; a stat is enough.
    app.get(`${prefix}${ARTIFACTS}/*`, { exposeHeadRoute: false }, async (req, reply) => {
      const path = wildcardPath(req);
      const { body, size } = await artifacts.get(path);
      return sendDownload(reply, path, body, size);
    });
    app.head(`${prefix}${ARTIFACTS}/*`, async (req, reply) => {
      const path = wildcardPath(req);
      const found = await artifacts.stat(path);
      if (!found || found.isDir) throw notFound(`Artifact '${path}' does not exist`);
      return sendHeadersOnly(reply, path, found.size);
    });
  }

  // The web UI's download link for one file of a run: /get-artifact?run_uuid=..&path=..
  app.get('/get-artifact', { exposeHeadRoute: false }, async (req, reply) => {
    const m = req.query as Message;
    const run = await tracking.runs.get(runIdOf(m));
    const path = clientArtifactPath(reqStr(m, 'path'));
    const { body, size } = await artifacts.get(storePathUnder(run.info.artifact_uri, path));
    return sendDownload(reply, path, body, size);
  });

  void app.register(async (scope) => {
    acceptRawBodies(scope);
    for (const prefix of API_PREFIXES) {
      scope.put(`${prefix}${ARTIFACTS}/*`, async (req) => {
        const path = wildcardPath(req);
        await receiving(req, () => artifacts.put(path, rawBody(req), declaredLength(req)));
        return {};
      });
      // Where the part URLs handed out by mpu/create point: the server itself, for every store.
      scope.put(`${prefix}${MPU}/part/*`, async (req, reply) => {
        const query = req.query as Message;
        const [path, uploadId, partNumber] = [wildcardPath(req), reqStr(query, 'upload_id'), reqInt(query, 'part_number')];
        const etag = await receiving(req, () => artifacts.uploadPart(path, uploadId, partNumber, rawBody(req), declaredLength(req)));
        reply.header('etag', etag);
        return {};
      });
    }
  });
}

function proxyRpcs(artifacts: ArtifactStore): Rpc[] {
  return [
    {
      method: 'GET',
      path: ARTIFACTS,
      handler: async (m) => {
        const path = clientArtifactPath(optStr(m, 'path') ?? '');
        const entries = await artifacts.list(path);
        // Basenames: the client prefixes them with the path it asked for.
        const files = entries.map((e) => {
          const name = e.path.slice(e.path.lastIndexOf('/') + 1);
          return e.isDir ? { path: name, is_dir: true } : { path: name, is_dir: false, file_size: e.size ?? 0 };
        });
        return files.length > 0 ? { files } : {};
      },
    },
    {
      method: 'DELETE',
      path: `${ARTIFACTS}/*`,
      handler: async (_m, req) => void (await artifacts.delete(wildcardPath(req))),
    },
    {
      method: 'POST',
      path: `${MPU}/create/*`,
      handler: async (m, req) => {
        const path = wildcardPath(req);
        const numParts = reqInt(m, 'num_parts');
        if (numParts < 1 || numParts > MULTIPART_LIMITS.maxParts) {
          throw invalid(`Invalid value ${numParts} for parameter 'num_parts': must be from 1 to ${MULTIPART_LIMITS.maxParts}`);
        }
        const uploadId = await artifacts.createMultipartUpload(path);
        const prefix = prefixOf(req);
        const credentials = Array.from({ length: numParts }, (_, i) => ({
          url: partUrl(req, prefix, path, uploadId, i + 1),
          part_number: i + 1,
          headers: {},
        }));
        return { upload_id: uploadId, credentials };
      },
    },
    {
      method: 'POST',
      path: `${MPU}/complete/*`,
      handler: async (m, req) => void (await artifacts.completeMultipartUpload(wildcardPath(req), reqStr(m, 'upload_id'), partsOf(m))),
    },
    {
      method: 'POST',
      path: `${MPU}/abort/*`,
      handler: async (m, req) => void (await artifacts.abortMultipartUpload(wildcardPath(req), reqStr(m, 'upload_id'))),
    },
  ];
}

/** The tracking API's listing of a run's artifacts, for runs whose artifacts the proxy keeps. */
function trackingArtifactRpcs(artifacts: ArtifactStore, tracking: Tracking): Rpc[] {
  return [
    {
      method: 'GET',
      path: '/mlflow/artifacts/list',
      handler: async (m) => {
        const run = await tracking.runs.get(runIdOf(m));
        const path = clientArtifactPath(optStr(m, 'path') ?? '');
        const rootUri = run.info.artifact_uri;
        const files = await listUnderRoot(artifacts, rootUri, path);
        return files.length > 0 ? { root_uri: rootUri, files } : { root_uri: rootUri };
      },
    },
  ];
}

function partsOf(m: Message): UploadedPart[] {
  return objList(m, 'parts').map((p, i) => {
    const partNumber = reqInt(p, 'part_number');
    const etag = optStr(p, 'etag');
    if (!etag) throw invalid(`Missing value for required parameter 'parts[${i}].etag'. See the API docs for more information about request parameters.`);
    return { partNumber, etag };
  });
}

/** The API prefix (/api/2.0 or /ajax-api/2.0) the request came in under. */
function prefixOf(req: FastifyRequest): string {
  return API_PREFIXES.find((p) => req.url.startsWith(`${p}/`)) ?? API_PREFIXES[0];
}
