import { ChatWidget } from './chat.js';
import { Gateway } from './gateway.js';

/**
 * The embeddable web chat: `<script src="https://<gateway>/webchat/widget.js" data-channel="<channel id>" async>`.
 * A logged-in visitor's page adds `data-user-id`, `data-user-hash` (HMAC-SHA256 of the id with the
 * channel's identity secret, computed by the business's server) and optionally `data-user-name`.
 */
function boot(script: HTMLScriptElement): void {
  const channelId = script.dataset.channel;
  if (!channelId) return;
  const base = new URL(script.src).origin;
  const { userId, userHash, userName } = script.dataset;
  const gateway = new Gateway(base, channelId, { userId, userHash, name: userName });
  const host = document.createElement('omnigate-chat');
  document.body.append(host);
  new ChatWidget(host, gateway).start();
}

const script = document.currentScript;
if (script instanceof HTMLScriptElement) {
  if (document.body) boot(script);
  else document.addEventListener('DOMContentLoaded', () => boot(script), { once: true });
}
