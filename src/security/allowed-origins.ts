/**
 * Whether a browser page of `origin` may use the API and the realtime socket: `allowed` holds
 * origins as configured (CORS_ORIGINS, normalized by config/schema.ts) or `*` for any.
 */
export function isAllowedOrigin(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes('*') || allowed.includes(origin);
}
