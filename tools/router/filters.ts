/**
 * Knative Trigger filter matching, pure.
 * Supports the SubscriptionsAPI dialects of `spec.filters` (exact, prefix, suffix, all, any, not) and the
 * legacy `spec.filter.attributes` exact match. When `filters` is non-empty, `filter` is ignored, as in Knative.
 * https://knative.dev/docs/eventing/triggers/#trigger-filtering
 */

/** CloudEvent context attributes and extensions, by name. Data is never looked at. */
export type Attributes = Readonly<Record<string, unknown>>;

export type Filter =
  | { readonly exact: Readonly<Record<string, string>> }
  | { readonly prefix: Readonly<Record<string, string>> }
  | { readonly suffix: Readonly<Record<string, string>> }
  | { readonly all: readonly Filter[] }
  | { readonly any: readonly Filter[] }
  | { readonly not: Filter };

export interface TriggerSpecFilters {
  readonly filters?: readonly Filter[];
  readonly filter?: { readonly attributes?: Readonly<Record<string, string>> };
}

type Dialect = "exact" | "prefix" | "suffix" | "all" | "any" | "not";
const DIALECTS: readonly Dialect[] = ["exact", "prefix", "suffix", "all", "any", "not"];

function attr(event: Attributes, name: string): string | undefined {
  const v = event[name];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : String(v);
}

function eachAttr(map: Readonly<Record<string, string>>, test: (actual: string, expected: string) => boolean, event: Attributes): boolean {
  return Object.entries(map).every(([name, expected]) => {
    const actual = attr(event, name);
    return actual !== undefined && test(actual, expected);
  });
}

/** True when one filter expression matches the event's attributes. */
export function matchFilter(filter: Filter, event: Attributes): boolean {
  if ("exact" in filter) return eachAttr(filter.exact, (a, e) => a === e, event);
  if ("prefix" in filter) return eachAttr(filter.prefix, (a, e) => a.startsWith(e), event);
  if ("suffix" in filter) return eachAttr(filter.suffix, (a, e) => a.endsWith(e), event);
  if ("all" in filter) return filter.all.every((f) => matchFilter(f, event));
  if ("any" in filter) return filter.any.some((f) => matchFilter(f, event));
  return !matchFilter(filter.not, event);
}

/** True when a Trigger's spec selects the event. No filter at all selects everything. */
export function matchTrigger(spec: TriggerSpecFilters, event: Attributes): boolean {
  if (spec.filters && spec.filters.length > 0) return spec.filters.every((f) => matchFilter(f, event));
  const legacy = spec.filter?.attributes ?? {};
  // Legacy filter: an empty value means "any value" (Knative's TriggerAnyFilter).
  return Object.entries(legacy).every(([name, expected]) => expected === "" || attr(event, name) === expected);
}

/**
 * Checks a filter read from YAML and returns it typed. Unknown dialects (including `cesql`, which the local
 * router does not implement) are errors, so a manifest the router cannot honour fails loudly at start.
 */
export function parseFilter(raw: unknown, where: string): Filter {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${where}: a filter must be an object`);
  const keys = Object.keys(raw);
  if (keys.length !== 1) throw new Error(`${where}: a filter needs exactly one dialect, got ${JSON.stringify(keys)}`);
  const dialect = keys[0] as string;
  const value = (raw as Record<string, unknown>)[dialect];
  if (!DIALECTS.includes(dialect as Dialect))
    throw new Error(`${where}: unsupported filter dialect "${dialect}" (supported: ${DIALECTS.join(", ")})`);
  switch (dialect as Dialect) {
    case "exact":
    case "prefix":
    case "suffix":
      return { [dialect]: stringMap(value, `${where}.${dialect}`) } as Filter;
    case "all":
    case "any":
      if (!Array.isArray(value) || value.length === 0) throw new Error(`${where}.${dialect}: must be a non-empty list`);
      return { [dialect]: value.map((f, i) => parseFilter(f, `${where}.${dialect}[${i}]`)) } as unknown as Filter;
    case "not":
      return { not: parseFilter(value, `${where}.not`) };
  }
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new Error(`${where}: must map attribute names to strings`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string" || v === "") throw new Error(`${where}.${k}: must be a non-empty string`);
    out[k] = v;
  }
  return out;
}
