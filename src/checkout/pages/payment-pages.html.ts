import type { PublicCheckoutStatus } from '../checkout.service';
import { escapeHtml, formatMoney } from '../../pages/html-format';

/*
 * The bundled pages the buyer lands on after checkout (DESIGN §6.2): self-contained HTML with
 * inline CSS and, on the success page, a small inline script that polls the public status route.
 * Everything is rendered on the server first, so the pages make sense without JavaScript.
 * Every dynamic value goes through escapeHtml; the script reads data attributes, never markup.
 */

/** Only same-origin requests, only our own (nonce'd) script, nothing framed. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px;
font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;color:#0f172a;
background:radial-gradient(1200px 600px at 10% -10%,#dbeafe 0%,transparent 60%),
radial-gradient(900px 500px at 110% 110%,#ccfbf1 0%,transparent 55%),#f8fafc}
.card{width:100%;max-width:440px;background:#fff;border-radius:18px;padding:36px 32px;text-align:center;
box-shadow:0 12px 40px rgba(15,23,42,.10),0 1px 3px rgba(15,23,42,.08);border:1px solid #e2e8f0}
.icon{width:64px;height:64px;margin:0 auto 18px;border-radius:50%;display:flex;align-items:center;justify-content:center;
font-size:32px;font-weight:700}
.ok{background:#dcfce7;color:#15803d}.bad{background:#fee2e2;color:#b91c1c}.neutral{background:#e2e8f0;color:#475569}
.spinner{border:5px solid #dbeafe;border-top-color:#2563eb;animation:spin 1s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
@media (prefers-reduced-motion:reduce){.spinner{animation:none}}
h1{font-size:22px;margin:0 0 8px;letter-spacing:-.01em}
.muted{color:#64748b;font-size:15px;margin:8px 0 0}
.amount{font-size:38px;font-weight:750;letter-spacing:-.02em;margin:14px 0 6px;color:#0f172a}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 14px;margin:18px 0 0;padding:14px 16px;background:#f1f5f9;
border-radius:12px;font-size:14px;text-align:left}
dt{color:#64748b}dd{margin:0;text-align:right;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.hint{font-size:13px;color:#94a3b8;margin-top:18px}
a.button{display:inline-block;margin-top:22px;padding:11px 20px;border-radius:10px;background:#1e3a8a;color:#fff;
text-decoration:none;font-weight:600}a.button:hover{background:#1e40af}
[hidden]{display:none!important}
`;

export function layout(
  title: string,
  body: string,
  options: { nonce?: string; head?: string; script?: string } = {},
): string {
  const script =
    options.script && options.nonce
      ? `<script nonce="${escapeHtml(options.nonce)}">${options.script}</script>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
${options.head ?? ''}<style>${STYLE}</style>
</head>
<body>
${body}
${script}
</body>
</html>
`;
}

type PanelState = PublicCheckoutStatus['status'];

const TITLES: Record<PanelState, string> = {
  processing: 'Confirming your payment…',
  confirmed: 'Payment confirmed',
  failed: 'Payment failed',
  expired: 'Checkout expired',
};

export interface SuccessPageModel {
  sessionId: string;
  state: PublicCheckoutStatus;
  nonce: string;
}

/** The success page: processing until the webhook confirmed the payment, then amount and reference. */
export function renderSuccessPage({ sessionId, state, nonce }: SuccessPageModel): string {
  const hidden = (panel: PanelState) => (panel === state.status ? '' : ' hidden');
  const amount =
    state.amount !== null && state.currency ? formatMoney(state.amount, state.currency) : '';
  const statusUrl = `/payment/status/${encodeURIComponent(sessionId)}`;
  const body = `<main class="card" id="checkout-status" role="status" aria-live="polite" data-state="${escapeHtml(state.status)}" data-status-url="${escapeHtml(statusUrl)}">
<section data-panel="processing"${hidden('processing')}>
<div class="icon spinner" aria-hidden="true"></div>
<h1>${TITLES.processing}</h1>
<p class="muted">We are waiting for the payment provider to confirm your payment. This usually takes a few seconds and this page updates by itself.</p>
<noscript><p class="hint">This page reloads every 5 seconds until the payment is confirmed.</p></noscript>
<p class="hint" data-slow hidden>This is taking longer than usual. You can safely close this page: your payment is recorded as soon as the provider confirms it.</p>
</section>
<section data-panel="confirmed"${hidden('confirmed')}>
<div class="icon ok" aria-hidden="true">&#10003;</div>
<h1>${TITLES.confirmed}</h1>
<p class="amount" data-field="amount">${escapeHtml(amount)}</p>
<p class="muted">Thank you for your purchase.</p>
<dl><dt>Reference</dt><dd data-field="reference">${escapeHtml(state.reference ?? '')}</dd></dl>
</section>
<section data-panel="failed"${hidden('failed')}>
<div class="icon bad" aria-hidden="true">!</div>
<h1>${TITLES.failed}</h1>
<p class="muted">The payment could not be completed, so nothing was charged. Please try again or use another payment method.</p>
<a class="button" href="/">Back to the shop</a>
</section>
<section data-panel="expired"${hidden('expired')}>
<div class="icon neutral" aria-hidden="true">&#8987;</div>
<h1>${TITLES.expired}</h1>
<p class="muted">This checkout expired before it was paid, so nothing was charged. Start a new checkout to try again.</p>
<a class="button" href="/">Back to the shop</a>
</section>
</main>`;
  const processing = state.status === 'processing';
  return layout(TITLES[state.status], body, {
    nonce,
    // Without JavaScript the page reloads itself until the outcome is known.
    head: processing ? '<noscript><meta http-equiv="refresh" content="5"></noscript>\n' : '',
    script: processing ? POLL_SCRIPT : undefined,
  });
}

/** A checkout link without a (known) session: nothing to confirm. */
export function renderUnknownCheckoutPage(): string {
  return layout(
    'Checkout not found',
    `<main class="card">
<div class="icon neutral" aria-hidden="true">?</div>
<h1>Checkout not found</h1>
<p class="muted">This link does not name a checkout we know. If you have just paid, your payment is still recorded as soon as the provider confirms it.</p>
<a class="button" href="/">Back to the shop</a>
</main>`,
  );
}

/** Where the buyer lands after leaving the checkout page without paying. */
export function renderCancelPage(): string {
  return layout(
    'Payment canceled',
    `<main class="card">
<div class="icon neutral" aria-hidden="true">&#10005;</div>
<h1>Payment canceled</h1>
<p class="muted">No payment was taken. You can close this page, or go back and start again whenever you are ready.</p>
<a class="button" href="/">Back to the shop</a>
</main>`,
  );
}

/** Polls the status route with back-off; shows the outcome panel once the status is final. */
const POLL_SCRIPT = `
(function () {
  var root = document.getElementById('checkout-status');
  if (!root || root.getAttribute('data-state') !== 'processing') return;
  var url = root.getAttribute('data-status-url');
  var titles = ${JSON.stringify(TITLES)};
  var started = Date.now();
  var delay = 700;
  function money(amount, currency) {
    try {
      var format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
      return format.format(amount / Math.pow(10, format.resolvedOptions().maximumFractionDigits));
    } catch (e) {
      return (amount / 100).toFixed(2) + ' ' + currency.toUpperCase();
    }
  }
  function field(name, text) {
    var element = root.querySelector('[data-field="' + name + '"]');
    if (element) element.textContent = text;
  }
  function show(state, body) {
    if (!titles[state]) return false;
    if (state === 'confirmed') {
      field('amount', typeof body.amount === 'number' && body.currency ? money(body.amount, body.currency) : '');
      field('reference', body.reference || '');
    }
    var panels = root.querySelectorAll('[data-panel]');
    for (var i = 0; i < panels.length; i++) panels[i].hidden = panels[i].getAttribute('data-panel') !== state;
    root.setAttribute('data-state', state);
    document.title = titles[state];
    return true;
  }
  function next() {
    var waited = Date.now() - started;
    if (waited > 20000) root.querySelector('[data-slow]').hidden = false;
    if (waited > 10 * 60 * 1000) return;
    delay = Math.min(delay * 1.4, 5000);
    setTimeout(poll, delay);
  }
  function poll() {
    fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('status ' + response.status);
        return response.json();
      })
      .then(function (body) {
        if (body.status === 'processing' || !show(body.status, body)) next();
      })
      .catch(next);
  }
  setTimeout(poll, delay);
})();
`;
