/**
 * Turns a Kubernetes structural schema (CRD openAPIV3Schema) into a strict JSON schema for ajv.
 * Knative marks whole specs `x-kubernetes-preserve-unknown-fields` because its webhooks validate instead; here,
 * wherever a schema lists `properties`, any other field is an error, so a typo cannot hide behind that marker.
 */
type Schema = Record<string, unknown>;

export function strictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (typeof node !== "object" || node === null) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    if (k === "x-kubernetes-int-or-string" || k === "x-kubernetes-preserve-unknown-fields") continue;
    // Other x-kubernetes-* markers (list-type, map-type, ...) describe merge semantics, not shape.
    if (k.startsWith("x-kubernetes-")) continue;
    // `properties` maps names to schemas: recurse into each value, keep the names.
    out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strictSchema(s)])) : strictSchema(v);
  }
  const src = node as Schema;
  if (src["x-kubernetes-int-or-string"] === true && out.type === undefined && out.anyOf === undefined) {
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** The strict schema of a whole object: the API server always accepts apiVersion, kind and metadata at the root. */
export function strictRootSchema(schema: unknown): unknown {
  const s = strictSchema(schema) as Record<string, unknown>;
  const properties = {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    ...(s.properties as object),
  };
  return { ...s, properties, additionalProperties: s.additionalProperties ?? false };
}
