/**
 * A callback's result as the union `T` of the results it may give (tagged by `type`), or null when it is not
 * a tagged object at all. User code may return anything: a value with a `type` outside the union is let through
 * here and falls out of the caller's exhaustive switch, where it is a bad return value, as null is.
 */
export function resultOf<T extends { readonly type: string }>(value: unknown): T | null {
  return value !== null && typeof value === 'object' && typeof (value as { readonly type?: unknown }).type === 'string' ? (value as T) : null;
}
