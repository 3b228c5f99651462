import { escapeHtml, formatMoney } from '../../pages/html-format';
import type { SandboxCheckoutSession } from './sandbox-objects.types';

/*
 * The hosted checkout page: plain, self-contained HTML (inline CSS, no script,
 * no external assets) so that it works offline and under a strict CSP.
 */

/** Sent with every sandbox page: nothing may load from elsewhere, nothing may frame it. */
export const SANDBOX_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;
background:linear-gradient(135deg,#eef2ff 0%,#f8fafc 60%,#ecfeff 100%)}
.card{width:100%;max-width:420px;background:#fff;border-radius:16px;padding:32px;
box-shadow:0 10px 40px rgba(30,41,59,.12),0 1px 3px rgba(30,41,59,.08)}
.badge{display:inline-block;font-size:12px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;
color:#92400e;background:#fef3c7;border:1px solid #fde68a;border-radius:999px;padding:2px 10px}
h1{font-size:20px;margin:16px 0 4px}
.muted{color:#6b7280;font-size:14px;margin:0}
.amount{font-size:36px;font-weight:700;letter-spacing:-.02em;margin:20px 0 4px;color:#111827}
.amount small{font-size:16px;font-weight:500;color:#6b7280}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 16px;margin:20px 0;font-size:14px}
dt{color:#6b7280}dd{margin:0;text-align:right;word-break:break-all}
.actions{display:grid;gap:10px;margin-top:24px}
form{margin:0}
button{width:100%;font:inherit;font-weight:600;border-radius:10px;padding:12px 16px;cursor:pointer;border:1px solid transparent}
.pay{background:#4f46e5;color:#fff}.pay:hover{background:#4338ca}
.decline{background:#fff;color:#b91c1c;border-color:#fecaca}.decline:hover{background:#fef2f2}
.note{margin-top:20px;font-size:12px;color:#9ca3af;text-align:center}
.code{font-size:56px;font-weight:800;color:#c7d2fe;margin:0}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="card">
${body}
</main>
</body>
</html>
`;
}

/** The page for an open session: what is bought, for how much, and Pay / Decline. */
export function renderCheckoutPage(session: SandboxCheckoutSession): string {
  const { price } = session;
  // Relative to the page (…/sandbox/checkout/<id>): right under any prefix a host mounts it at.
  const action = encodeURIComponent(session.id);
  const per = price.interval ? ` <small>per ${price.interval}</small>` : '';
  const rows: [string, string][] = [
    ['Product', price.name],
    ['Unit price', formatMoney(price.amount, price.currency)],
  ];
  if (session.quantity !== 1) rows.push(['Quantity', String(session.quantity)]);
  if (session.customer_email) rows.push(['Email', session.customer_email]);
  rows.push([
    'Expires',
    `${new Date(session.expires_at * 1000).toISOString().replace('T', ' ').slice(0, 16)} UTC`,
  ]);
  const details = rows
    .map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  const payLabel = price.interval ? 'Subscribe' : 'Pay';
  return layout(
    `Pay ${price.name} · Sandbox`,
    `<span class="badge">Sandbox · no real money</span>
<h1>${escapeHtml(price.name)}</h1>
<p class="muted">${price.interval ? `Subscription, billed every ${price.interval}` : 'One-time payment'}</p>
<p class="amount">${escapeHtml(formatMoney(session.amount_total, session.currency))}${per}</p>
<dl>${details}</dl>
<div class="actions">
<form method="post" action="${escapeHtml(action)}/pay"><button class="pay" type="submit">${payLabel} ${escapeHtml(formatMoney(session.amount_total, session.currency))}</button></form>
<form method="post" action="${escapeHtml(action)}/decline"><button class="decline" type="submit">Decline (simulate a declined card)</button></form>
</div>
<p class="note">Offline sandbox provider. Paying sends the same signed webhook events a real provider would.</p>`,
  );
}

/** A 404 / 409 / 410 page, or a plain message (200) such as "already paid". */
export function renderProblemPage(status: number, title: string, message: string): string {
  return layout(
    `${title} · Sandbox`,
    `<span class="badge">Sandbox</span>
${status === 200 ? '' : `<p class="code">${status}</p>`}
<h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(message)}</p>`,
  );
}
