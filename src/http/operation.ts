import type { z } from 'zod';

/**
 * One entry of the OpenAPI document. Route modules export their entries next to their handlers
 * (`export const xOperations: Operations`) and src/http/openapi.ts merges them, so the spec is
 * written where the route is.
 */
export type ResponseSpec = string | { description: string; schema: z.ZodType };

export interface Operation {
  summary: string;
  tags: string[];
  body?: z.ZodType;
  query?: z.ZodObject;
  /** The path has an `{id}` parameter. */
  pathId?: boolean;
  /** Status code → description, with the body's schema for successful JSON answers. */
  responses: Record<string, ResponseSpec>;
  auth?: 'apiKey' | 'adminToken' | 'metricsToken' | 'provider' | 'none';
}

export type Operations = Record<string, Record<string, Operation>>;

/** The error answers most operations share. */
export const commonErrors = { '400': 'Invalid request', '401': 'Missing or invalid credentials', '404': 'Not found' } as const;
