import express, { Router, type Request, type Response } from 'express';
import { graphError } from './graph-errors.js';

/** One account on the Graph API (a WhatsApp number and its business account, a Page): the edges it answers. */
export interface GraphAccount {
  /** The object ids whose edges it serves. */
  readonly ids: readonly string[];
  /** Answers `<METHOD> /<version>/<id>/<edge>`; false when it has no such edge. */
  handle(method: string, edge: string, req: Request, res: Response): Promise<boolean>;
}

/** The Graph API as both Meta channels call it: `/<version>/<object id>/<edge>`. */
export function graphApi(accounts: readonly GraphAccount[]): Router {
  const router = Router();
  // Media uploads (multipart) are taken and forgotten: the phone shows the media's kind and id.
  const bodies = [express.json({ limit: '5mb' }), express.raw({ type: 'multipart/form-data', limit: '100mb' })];
  router.all('/:version/:id/:edge', ...bodies, async (req, res, next) => {
    const { version, id, edge } = req.params;
    if (!/^v\d+\.\d+$/.test(version)) return next();
    const account = accounts.find((a) => a.ids.includes(id));
    if (account && (await account.handle(req.method, edge, req, res))) return;
    graphError(res, 400, {
      code: 100,
      subcode: 33,
      type: 'GraphMethodException',
      message: `Unsupported ${req.method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
    });
  });
  return router;
}
