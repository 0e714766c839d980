import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A business's website on an origin of its own, embedding the widget from the gateway the way
 * the README says, for the channel `?channel=`. `?hostile=1` adds a stylesheet that restyles everything it can reach;
 * `?widget=0` leaves the widget out; `userId`/`userHash` pass a logged-in user.
 */
export interface ShopPage {
  /** Its origin, as http://127.0.0.1:<port>. */
  origin: string;
  /** The same server as another origin (http://localhost:<port>). */
  otherOrigin: string;
  url(query?: Record<string, string>): string;
  close(): Promise<void>;
}

const HOSTILE_CSS = `
* { font-family: "Comic Sans MS", cursive !important; font-size: 22px !important; color: #ff00ff !important; background: #ffff00 !important;
    border: 6px dashed #00aa00 !important; padding: 18px !important; margin: 9px !important; line-height: 3 !important;
    letter-spacing: 4px !important; box-sizing: content-box !important; text-transform: uppercase !important; border-radius: 0 !important; }
div, section, header, form, button, p, span, img, textarea { display: inline !important; position: static !important; width: 50px !important; }
omnigate-chat, body > * { position: absolute !important; left: 0 !important; top: 0 !important; opacity: 0.2 !important; transform: rotate(15deg) !important; }
`;

export async function startShopPage(gatewayBase: string): Promise<ShopPage> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const q = url.searchParams;
    const identity = [
      q.get('userId') && `data-user-id="${escapeAttr(q.get('userId')!)}"`,
      q.get('userHash') && `data-user-hash="${escapeAttr(q.get('userHash')!)}"`,
    ].filter(Boolean);
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
<style>body { font-family: Georgia, serif; margin: 40px; } #host-button { background: #0a3069; color: #fff; padding: 8px 14px; border-radius: 6px; border: 0; }</style>
${q.get('hostile') === '1' ? `<style>${HOSTILE_CSS}</style>` : ''}
</head><body>
<h1>Acme shop</h1>
<p id="host-text">Our products, our prices.</p>
<button id="host-button" type="button">Buy now</button>
${q.get('widget') === '0' ? '' : `<script src="${gatewayBase}/webchat/widget.js" data-channel="${escapeAttr(q.get('channel') ?? '')}" ${identity.join(' ')} async></script>`}
</body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    otherOrigin: `http://localhost:${port}`,
    url: (query = {}) => `${origin}/?${new URLSearchParams(query)}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
