/**
 * Builds a value on first use and keeps it: how a function's dependencies come to life on its first request rather
 * than at import time (style.md: nothing runs at import time). A build that throws or rejects is forgotten, so the
 * next request tries again (Redis or the bucket may be back by then).
 */
export function lazy<T>(make: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    if (value) return value.v;
    const v = make();
    if (v instanceof Promise) {
      // Kept while pending, so concurrent first requests share one build; dropped if it fails.
      const kept = { v };
      value = kept;
      v.catch(() => {
        if (value === kept) value = undefined;
      });
      return v;
    }
    value = { v };
    return v;
  };
}
