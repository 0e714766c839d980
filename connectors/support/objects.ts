/** Optional fields stay absent rather than present-and-undefined (in bodies and stored documents). */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
