/** Builders for Messenger Platform webhook bodies, shaped like Meta's documented examples. */

/** A body in Meta's wire form: compact JSON with non-ASCII and `/` escaped (`\u00e9`, `\/`). */
export function metaWire(payload: object): string {
  return JSON.stringify(payload)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\//g, '\\/');
}

type Messaging = Record<string, unknown>;

export function pageWebhook(pageId: string, messaging: Messaging[], opts: { standby?: boolean } = {}) {
  return { object: 'page', entry: [{ id: pageId, time: Date.now(), [opts.standby ? 'standby' : 'messaging']: messaging }] };
}

export const userText = (pageId: string, psid: string, mid: string, text: string, at: Date) => ({
  sender: { id: psid },
  recipient: { id: pageId },
  timestamp: at.getTime(),
  message: { mid, text },
});

export const pageEcho = (pageId: string, psid: string, mid: string, text: string, at: Date) => ({
  sender: { id: pageId },
  recipient: { id: psid },
  timestamp: at.getTime(),
  message: { mid, text, is_echo: true, app_id: 1517776481860111 },
});

export const watermark = (pageId: string, psid: string, kind: 'delivery' | 'read', at: Date) => ({
  sender: { id: psid },
  recipient: { id: pageId },
  timestamp: at.getTime(),
  [kind]: { watermark: at.getTime() },
});
