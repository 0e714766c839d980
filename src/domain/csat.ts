/** Satisfaction surveys: whether a resolved conversation's request went out. */

export const CSAT_REQUEST_STATES = ['sent', 'skipped'] as const;
export type CsatRequestState = (typeof CSAT_REQUEST_STATES)[number];
