import type { AxiosInstance } from 'axios';
import twilio from 'twilio';

const REQUEST_TIMEOUT_MS = 15_000;

/** What the connector's calls to Twilio share, made once for all channels. */
export interface TwilioClient {
  /** Downloads inbound media; its baseURL is https://api.twilio.com or a stand-in. */
  http: AxiosInstance;
  /**
   * Carries the twilio package's requests (sends, always to api.twilio.com). Credentials travel
   * with each request, so one client serves all channels; a client of its own per send would
   * open an https agent (and its sockets) per message. No automatic retry: a 429 is the send
   * worker's to retry.
   */
  requests: twilio.RequestClient;
}

export function createTwilioClient(http: AxiosInstance): TwilioClient {
  return { http, requests: new twilio.RequestClient({ timeout: REQUEST_TIMEOUT_MS, keepAlive: true, autoRetry: false }) };
}
