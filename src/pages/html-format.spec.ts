import { escapeHtml, formatMoney } from './html-format';

describe('page formatting', () => {
  it.each([
    [2900, 'usd', '$29.00'],
    [5, 'eur', '€0.05'],
    [500, 'jpy', '¥500'],
    [1234567, 'gbp', '£12,345.67'],
    [1999, 'eur', '€19.99'],
  ])('formats %d %s as %s', (amount, currency, expected) => {
    expect(formatMoney(amount, currency)).toBe(expected);
  });

  it('escapes markup and quotes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe(
      '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#96;',
    );
  });
});
