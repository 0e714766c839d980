import { ProviderRequestError, type FetchedMedia } from '../contract.js';

/** A visitor's files are stored as they are uploaded: there is never anything to fetch. */
export function fetchMedia(): Promise<FetchedMedia> {
  return Promise.reject(new ProviderRequestError('media_missing', 'Web chat media is stored at upload; there is nothing to fetch', 'final'));
}
