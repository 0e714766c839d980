import type { InboundEvent } from '../domain/inbound-event.js';

/**
 * The inbound job. A webhook's events were parsed to be checked before the acknowledgement, and
 * travel with the job so that it neither reads the request back nor parses it again. A job
 * without them (pulled mail, whose attachments are bytes; one re-queued by recovery) reads the
 * recorded request.
 */
export interface InboundJobData {
  rawEventId: string;
  parsed?: { channelId: string; events: CarriedEvent[] };
}

/** An event in a job's data: its dates become ISO strings on the way through Redis. */
export type CarriedEvent = Record<string, unknown>;

/**
 * The events for a job to carry, or undefined when they hold bytes. BullMQ serializes job data as
 * JSON when it adds the job, which turns the dates into ISO strings: no copy is made here.
 */
export function carriedEvents(events: InboundEvent[]): CarriedEvent[] | undefined {
  if (events.some((e) => e.kind === 'message' && e.inlineMedia?.length)) return undefined;
  return events;
}

/** The events back from a job: the two time fields events have become dates again. */
export function revivedEvents(carried: CarriedEvent[]): InboundEvent[] {
  return carried.map((e) => ({
    ...e,
    ...(typeof e.timestamp === 'string' && { timestamp: new Date(e.timestamp) }),
    ...(typeof e.watermark === 'string' && { watermark: new Date(e.watermark) }),
  })) as unknown as InboundEvent[];
}
