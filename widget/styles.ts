/**
 * The widget's CSS, inside its shadow root: nothing here reaches the page, and the page's rules
 * reach only the host element, whose every property is reset with !important (important rules
 * of a shadow tree win over the page's for its host).
 */
export const STYLES = `
:host{all:initial!important;position:fixed!important;right:20px!important;bottom:20px!important;z-index:2147483000!important;display:block!important;visibility:visible!important;opacity:1!important;transform:none!important;width:auto!important;height:auto!important;margin:0!important;padding:0!important;border:0!important;background:none!important;filter:none!important;pointer-events:auto!important}
*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;line-height:1.4;letter-spacing:normal;text-transform:none;margin:0}
button{cursor:pointer;font:inherit}
.launcher,.panel{--primary:#1f6feb;--on-primary:#ffffff}
:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
.launcher{width:56px;height:56px;border-radius:50%;border:0;background:var(--primary);color:var(--on-primary);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;position:relative;margin-left:auto}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#d1242f;color:#fff;font-size:12px;font-weight:600;padding:0 6px;display:flex;align-items:center;justify-content:center}
.panel{width:360px;max-width:calc(100vw - 40px);height:520px;max-height:calc(100vh - 110px);background:#fff;color:#1f2328;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden;margin-bottom:12px}
.panel[hidden],.badge[hidden],.notice[hidden],.typing[hidden],.chips[hidden]{display:none}
header{background:var(--primary);color:var(--on-primary);padding:14px 16px;display:flex;align-items:center;gap:8px}
header h2{font-size:16px;font-weight:600;flex:1;color:inherit}
header button{background:none;border:0;color:inherit;font-size:22px;line-height:1;padding:2px 6px;border-radius:4px}
.notice{padding:8px 16px;background:#fff8c5;color:#4d2d00;border-bottom:1px solid #e8d88a;font-size:13px}
.notice.refused{background:#ffebe9;color:#82071e;border-color:#f5c2c0}
.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px;background:#f6f8fa}
.bubble{max-width:80%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere}
.bubble.business{align-self:flex-start;background:#fff;border:1px solid #d0d7de;border-bottom-left-radius:4px}
.bubble.visitor{align-self:flex-end;background:var(--primary);color:var(--on-primary);border-bottom-right-radius:4px}
.bubble.pending{opacity:.6}
.bubble.failed{outline:2px solid #d1242f}
.bubble img{display:block;max-width:100%;max-height:220px;border-radius:8px;margin-bottom:4px}
.bubble a{color:inherit;text-decoration:underline}
.meta{font-size:11px;opacity:.75;margin-top:2px;text-align:right}
.seen{align-self:flex-end;margin-top:-2px;color:#57606a}
.system{align-self:center;font-size:12px;color:#57606a;padding:4px 0}
.typing{padding:0 16px 6px;font-size:12px;color:#57606a;background:#f6f8fa}
.chips{display:flex;flex-wrap:wrap;gap:6px;padding:8px 12px 0;background:#f6f8fa}
.chips button{border:1px solid var(--primary);color:var(--primary);background:#fff;border-radius:16px;padding:6px 12px;font-size:13px}
form{display:flex;gap:6px;padding:10px;border-top:1px solid #d0d7de;align-items:flex-end;background:#fff}
textarea{flex:1;resize:none;border:1px solid #d0d7de;border-radius:8px;padding:8px;height:40px;max-height:120px;color:#1f2328;background:#fff}
textarea:focus-visible{outline:2px solid var(--primary);outline-offset:0;border-color:var(--primary)}
.attach{border:1px solid #d0d7de;background:#fff;color:#57606a;border-radius:8px;width:40px;height:40px;display:flex;align-items:center;justify-content:center}
.attach svg{width:20px;height:20px;fill:currentColor}
.send{border:0;background:var(--primary);color:var(--on-primary);border-radius:8px;height:40px;padding:0 14px;font-weight:600}
.send:disabled{opacity:.5;cursor:default}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
