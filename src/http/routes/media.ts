import express, { Router } from 'express';
import type { MediaLibrary } from '../../media/media-library.js';
import type { Store } from '../../store/index.js';
import { badRequest } from '../../errors.js';
import { storedMediaResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { idParam } from '../schemas.js';

export interface MediaRouteDeps {
  mediaLibrary: MediaLibrary;
  maxBodyBytes: number;
  idempotencyRecords: Store['idempotencyRecords'];
}

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const mediaOperations: Operations = {
  '/v1/media': {
    post: {
      operationId: 'uploadMedia',
      summary: 'Upload a file (raw body with its Content-Type, optional X-Filename) to send as media',
      tags: ['media'],
      responses: { '201': { description: 'Stored', schema: storedMediaResponse } },
      // The raw body is read as bytes, not JSON.
      errors: ['invalid_media', 'invalid_body_encoding', 'payload_too_large', 'unsupported_media_type'],
    },
  },
  '/v1/media/{id}': { get: { operationId: 'getMedia', summary: 'Download stored media', tags: ['media'], responses: { '200': 'The bytes, with their Content-Type' } } },
};

/** Stored media: inbound media fetched from providers, and files agents upload to send. */
export function mediaRoutes(deps: MediaRouteDeps): Router {
  const router = Router();
  router.post(
    '/media',
    express.raw({ type: () => true, limit: deps.maxBodyBytes }),
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const mimeType = req.get('content-type');
      if (!mimeType || !Buffer.isBuffer(req.body) || req.body.length === 0) {
        throw badRequest('invalid_media', 'Send the file as the raw body with its Content-Type');
      }
      const filename = req.get('x-filename') ?? undefined;
      const id = await deps.mediaLibrary.upload(String(authOf(res).workspaceId), { data: req.body, mimeType, filename });
      return { status: 201, body: { id, mimeType, size: req.body.length, filename: filename ?? null } };
    }),
  );
  router.get('/media/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const stored = await deps.mediaLibrary.get(String(authOf(res).workspaceId), id);
    res.type(stored.info.mimeType).send(stored.data);
  });
  return router;
}
