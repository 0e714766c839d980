import type { SendRefusalCode } from '../domain/send-policy.js';
import type { Expect } from './same-shape.js';

/**
 * Every `error.code` the HTTP API answers with, its status and what it means. Operations name the
 * codes they refuse with (src/http/operation.ts) and the OpenAPI document turns each status of an
 * operation into an enum of its codes; `test/openapi.test.ts` fails when the code finds a code
 * thrown that is not here, or here under another status.
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, means: 'The request does not match its schema (details: path and message per issue)' },
  invalid_json: { status: 400, means: 'The body is not valid JSON' },
  invalid_body_encoding: { status: 400, means: 'The body does not decode as its Content-Encoding says' },
  invalid_idempotency_key: { status: 400, means: 'Idempotency-Key is not 1 to 255 characters' },
  invalid_request: { status: 400, means: 'The request asks for something the target does not do (a subject on a chat channel)' },
  invalid_recipient: { status: 400, means: '`to` is not one id the channel takes (email: one plain address, no list, name or line break)' },
  invalid_media: { status: 400, means: 'No file: send it as the raw body with its Content-Type' },
  invalid_range: { status: 400, means: '`from` is not before `to`' },
  not_a_session: { status: 400, means: 'The request was signed in with an API key, not a session token' },
  invalid_last_event_id: { status: 400, means: 'The real-time lastEventId is not an id the feed gave' },
  unknown_channel_type: { status: 400, means: 'No connector has this channel type (details.known)' },
  unknown_event_type: { status: 400, means: 'An event type no event has (details.known)' },
  webhook_url_forbidden: { status: 400, means: "The URL resolves to a private address the workspace's allowlist does not name" },
  invalid_payload: { status: 400, means: 'The provider sent a payload the connector cannot read' },
  unauthorized: { status: 401, means: 'No valid API key, session token (or admin token)' },
  invalid_signature: { status: 401, means: "The provider's signature is missing or does not match" },
  invalid_visitor_token: { status: 401, means: "The web chat visitor's token is missing, expired or not this channel's" },
  invalid_identity: { status: 401, means: "The web chat user id is not signed with the channel's identity secret (userHash)" },
  admin_required: { status: 403, means: 'Only an admin API key may do this' },
  session_needs_api_key: { status: 403, means: 'Only an API key opens a session, not a session token' },
  agent_key_required: { status: 403, means: 'The API key is not linked to an agent (apiKeyId)' },
  verification_failed: { status: 403, means: "The provider's handshake does not carry this channel's verify token" },
  origin_not_allowed: { status: 403, means: "The request comes from a page of an origin not allowed: CORS_ORIGINS for the realtime socket, the channel's allowedOrigins for the web chat" },
  not_found: { status: 404, means: 'What the path names is not in this workspace' },
  route_not_found: { status: 404, means: 'No such route' },
  unknown_channel: { status: 404, means: 'No channel of this connector has this id' },
  method_not_allowed: { status: 405, means: 'The channel has no subscription handshake' },
  idempotency_in_progress: { status: 409, means: 'A request with this Idempotency-Key is still being processed' },
  channel_exists: { status: 409, means: 'The account is connected already' },
  channel_has_open_conversations: { status: 409, means: 'The channel still has open conversations (details.open)' },
  channel_pulled: { status: 409, means: 'A mailbox cannot be changed this way or removed' },
  invalid_transition: { status: 409, means: 'The status cannot change so from the current one (details: from, to, allowed)' },
  conflict_open_conversation: { status: 409, means: 'Another conversation with the contact is open; end it first' },
  already_assigned: { status: 409, means: 'The conversation has an agent already' },
  agent_unavailable: { status: 409, means: 'The agent is not available (details.status)' },
  agent_at_capacity: { status: 409, means: 'The agent holds as many conversations as its capacity' },
  agent_exists: { status: 409, means: 'An agent with this email exists in the workspace' },
  agent_has_conversations: { status: 409, means: 'The agent still holds conversations (details.held)' },
  canned_response_exists: { status: 409, means: 'A canned response has this shortcut' },
  template_exists: { status: 409, means: 'A template with this name and language exists on the channel' },
  label_exists: { status: 409, means: 'A label has this name (ignoring case)' },
  cannot_revoke_own_key: { status: 409, means: 'A key cannot revoke itself; use another admin key' },
  default_queue: { status: 409, means: 'The default queue cannot be deleted' },
  queue_in_use: { status: 409, means: 'Other queues overflow into this one (details.overflowFrom)' },
  queue_not_empty: { status: 409, means: 'Conversations wait in the queue (details.waiting)' },
  delivery_pending: { status: 409, means: 'The delivery has not finished yet' },
  subscription_disabled: { status: 409, means: 'The webhook subscription is disabled' },
  merge_in_progress: { status: 409, means: 'One of the contacts is being merged into another' },
  already_rated: { status: 409, means: 'The link was used with another rating (details: the stored rating)' },
  invalid_state: { status: 409, means: 'Only a failed outbound message can be retried' },
  payload_too_large: { status: 413, means: 'The body is larger than MAX_BODY_BYTES' },
  unsupported_media_type: { status: 415, means: 'The Content-Type or Content-Encoding is not one this route reads' },
  idempotency_key_reused: { status: 422, means: 'This Idempotency-Key was used for a different request' },
  window_closed: { status: 422, means: "The channel's reply window has closed (details.windowExpiresAt)" },
  template_required: { status: 422, means: 'Only an approved template may start or reopen the conversation now' },
  template_not_found: { status: 422, means: 'The channel has no template of this name and language' },
  template_not_approved: { status: 422, means: 'The template is not approved by the provider' },
  template_invalid: { status: 422, means: "The template's parameters do not fit it (details: the problems)" },
  tag_not_allowed: { status: 422, means: 'This message tag is not allowed here' },
  unsupported_content: { status: 422, means: 'The channel cannot send this kind of content' },
  media_not_found: { status: 422, means: 'No stored media with this id in the workspace' },
  reply_target_not_found: { status: 422, means: 'replyToMessageId is not a message of this conversation' },
  reply_target_not_sent: { status: 422, means: 'The message replied to has no provider id yet' },
  reaction_target_not_found: { status: 422, means: 'messageId is not a delivered message of this conversation' },
  provider_refused: { status: 422, means: 'The provider refused the request (details.providerCode)' },
  templates_not_submittable: { status: 422, means: 'Templates of this channel type cannot be submitted through the gateway' },
  api_key_not_found: { status: 422, means: 'apiKeyId is not an API key of this workspace' },
  agent_not_found: { status: 422, means: 'An agent named in the body is not in this workspace' },
  queue_not_found: { status: 422, means: 'A queue named in the body is not in this workspace' },
  overflow_queue_not_found: { status: 422, means: 'overflowQueueId is not a queue of this workspace' },
  overflow_to_itself: { status: 422, means: 'A queue cannot overflow into itself' },
  label_not_found: { status: 422, means: 'labelId is not a label of this workspace' },
  too_many_tags: { status: 422, means: 'The conversation would carry more tags than allowed (details: max, wouldHave)' },
  snooze_until_required: { status: 422, means: 'Snoozing needs snoozeUntil' },
  snooze_until_in_past: { status: 422, means: 'snoozeUntil is not in the future' },
  canned_unknown_variable: { status: 422, means: 'The canned text uses variables there are none of (details.variables)' },
  canned_variable_missing: { status: 422, means: 'The conversation lacks values the canned text needs (details.variables)' },
  merge_same_contact: { status: 422, means: 'A contact cannot be merged with itself' },
  replay_too_large: { status: 422, means: 'The range holds more events than one replay takes (details.events)' },
  analytics_range_too_large: { status: 422, means: 'Too many conversations to read; narrow the range or filter (details.limit)' },
  rate_limited: { status: 429, means: 'Too many requests with this API key (web chat: from this visitor or address); retry after Retry-After seconds' },
  internal_error: { status: 500, means: 'Something went wrong on our side' },
  provider_error: { status: 502, means: 'A provider call failed (details.providerCode)' },
  service_unavailable: { status: 503, means: 'The store or the queue is unreachable for a moment; retry' },
  not_recorded: { status: 503, means: 'The provider event could not be recorded; the provider retries' },
} as const satisfies Record<string, { status: number; means: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** What the send policy (src/domain/send-policy.ts) refuses a message with. */
export const SEND_REFUSALS = [
  'unsupported_content',
  'window_closed',
  'template_required',
  'template_not_found',
  'template_not_approved',
  'template_invalid',
  'tag_not_allowed',
] as const satisfies readonly (SendRefusalCode & ErrorCode)[];
type _EverySendRefusal = Expect<[SendRefusalCode] extends [(typeof SEND_REFUSALS)[number]] ? true : false>;

/** What sending a message may be refused with: the policy, then the media and reply it names. */
export const SEND_CHECKS = [...SEND_REFUSALS, 'media_not_found', 'reply_target_not_found', 'reply_target_not_sent'] as const satisfies readonly ErrorCode[];
