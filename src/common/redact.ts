/** Keys whose values are secrets, at any depth of a logged object. */
export const SECRET_KEY =
  /secret|password|passwd|authorization|api[-_]?key|token|cookie|signature/i;

const SECRET_TEXT: [RegExp, string][] = [
  [/\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]+/g, '$1_$2_[redacted]'],
  [/\bwhsec_[A-Za-z0-9_]+/g, 'whsec_[redacted]'],
  [/(Bearer\s+)[^\s"']+/gi, '$1[redacted]'],
  [/(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+@/g, '$1[redacted]@'],
  // Secret-looking query parameters: ?api_key=…, &token=…
  [
    /([?&][^=&\s]*(?:secret|password|token|api[-_]?key|signature)[^=&\s]*=)[^&\s#]+/gi,
    '$1[redacted]',
  ],
];

/** Replaces secrets (provider keys, webhook secrets, bearer tokens, database passwords) in a text. */
export function redactText(text: string): string {
  return SECRET_TEXT.reduce(
    (out, [pattern, replacement]) => out.replace(pattern, replacement),
    text,
  );
}

/** Replaces secrets in strings and under secret-looking keys, however deep. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return { name: value.name, message: redact(value.message, depth + 1) };
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(item, depth + 1);
  }
  return out;
}
