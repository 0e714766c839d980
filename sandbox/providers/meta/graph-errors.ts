import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

/** A Graph API error answer in Meta's shape: `{"error": {message, type, code, error_subcode?, error_data?, fbtrace_id}}`. */
export function graphError(
  res: Response,
  httpStatus: number,
  error: { code: number | string; message: string; subcode?: number; details?: string; type?: string; whatsapp?: boolean },
): void {
  res.status(httpStatus).json({
    error: {
      message: `(#${error.code}) ${error.message}`,
      type: error.type ?? 'OAuthException',
      code: Number(error.code),
      ...(error.subcode !== undefined && { error_subcode: error.subcode }),
      ...(error.details !== undefined && { error_data: { ...(error.whatsapp && { messaging_product: 'whatsapp' }), details: error.details } }),
      fbtrace_id: randomBytes(9).toString('base64url'),
    },
  });
}

/** The token as Graph takes it: `Authorization: Bearer`, or `access_token` in the query. */
function accessTokenOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const query = req.query.access_token;
  return typeof query === 'string' ? query : undefined;
}

/** Answers Graph's 401 unless the request carries `token`; true when it does. */
export function authorized(req: Request, res: Response, token: string): boolean {
  if (accessTokenOf(req) === token) return true;
  res.status(401).json({
    error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190, fbtrace_id: randomBytes(9).toString('base64url') },
  });
  return false;
}
