import type { AxiosInstance } from 'axios';
import twilio from 'twilio';
import type TwilioRequestClient from 'twilio/lib/base/RequestClient.js';

const REQUEST_TIMEOUT_MS = 15_000;
const TWILIO_API = 'https://api.twilio.com';

/** What the connector's calls to Twilio share, made once for all channels. */
export interface TwilioClient {
  /** Downloads inbound media; its baseURL is https://api.twilio.com or a stand-in. */
  http: AxiosInstance;
  /**
   * Carries the twilio package's requests (sends). Credentials travel with each request, so one
   * client serves all channels; a client of its own per send would open an https agent (and its
   * sockets) per message. No automatic retry: a 429 is the send worker's to retry.
   */
  requests: twilio.RequestClient;
}

/**
 * The twilio package always addresses api.twilio.com: where the API's base URL is another (a
 * local provider sandbox), its requests go there instead, path and all.
 */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly base: URL,
    opts: TwilioRequestClient.RequestClientOptions,
  ) {
    super(opts);
  }

  override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    uri.protocol = this.base.protocol;
    uri.host = this.base.host;
    return super.request<TData>({ ...opts, uri: uri.toString() });
  }
}

export function createTwilioClient(http: AxiosInstance): TwilioClient {
  const opts = { timeout: REQUEST_TIMEOUT_MS, keepAlive: true, autoRetry: false };
  const base = new URL(http.defaults.baseURL ?? TWILIO_API);
  return { http, requests: base.origin === TWILIO_API ? new twilio.RequestClient(opts) : new RebasedRequestClient(base, opts) };
}
