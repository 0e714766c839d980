import type { RequestHandler } from 'express';

/**
 * `/shop?gateway=<gateway URL>&channel=<web chat channel id>`: a business's web page on an origin
 * other than the gateway's, embedding the chat widget as the README shows, to try it by hand
 * (scripts/dev.sh prints its address). Only http(s) gateway URLs and id-like channels are used.
 */
export const shopPage: RequestHandler = (req, res) => {
  const gateway = String(req.query.gateway ?? '');
  const channel = String(req.query.channel ?? '');
  if (!/^https?:\/\/[\w.:[\]-]+$/.test(gateway) || !/^[0-9a-f]{24}$/.test(channel)) {
    res.status(400).type('text').send('Open /shop?gateway=<the gateway, e.g. http://localhost:8080>&channel=<a web chat channel id>');
    return;
  }
  res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme shop (web chat demo)</title>
<style>body{font-family:Georgia,serif;max-width:720px;margin:48px auto;padding:0 20px;color:#222}code{background:#f3f3f3;padding:2px 4px}</style>
</head><body>
<h1>Acme shop</h1>
<p>A business's website on its own origin. The chat button at the bottom right is the gateway's widget, embedded with one tag:</p>
<p><code>&lt;script src="${gateway}/webchat/widget.js" data-channel="${channel}" async&gt;&lt;/script&gt;</code></p>
<p>Write to the shop, then answer as an agent through the API (see the README): the reply appears here live.</p>
<script src="${gateway}/webchat/widget.js" data-channel="${channel}" async></script>
</body></html>`);
};
