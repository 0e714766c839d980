import type { GatewayAnswer } from './view.js';

const TIMEOUT_MS = 10_000;
/** Providers retry a webhook the gateway did not take; a few quick tries ride out a gateway restart. */
const ATTEMPTS = 4;
const FIRST_RETRY_MS = 500;

/**
 * Posts the providers' webhooks to the gateway. A webhook URL is the gateway's public address,
 * which signatures cover (Twilio signs it); when the gateway is reached elsewhere (a test's
 * ephemeral port, a tunnel's far end), requests go to `gatewayUrl` with the URL's path.
 */
export class GatewayPoster {
  gatewayUrl: string | undefined;

  constructor(gatewayUrl?: string) {
    this.gatewayUrl = gatewayUrl;
  }

  async post(webhookUrl: string, body: string, headers: Record<string, string>): Promise<GatewayAnswer> {
    const target = this.targetOf(webhookUrl);
    let answer: GatewayAnswer = {};
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      answer = await this.once(target, body, headers);
      if (answer.status !== undefined && answer.status < 500) return answer;
      if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, FIRST_RETRY_MS * 2 ** (attempt - 1)));
    }
    return answer;
  }

  private targetOf(webhookUrl: string): string {
    if (!this.gatewayUrl) return webhookUrl;
    const url = new URL(webhookUrl);
    return new URL(`${url.pathname}${url.search}`, this.gatewayUrl).toString();
  }

  private async once(url: string, body: string, headers: Record<string, string>): Promise<GatewayAnswer> {
    try {
      const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
      await res.arrayBuffer();
      return { status: res.status };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return { error: cause ?? (err as Error).message };
    }
  }
}
