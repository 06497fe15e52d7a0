import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { ConfigMap, Namespace, PersistentVolumeClaim, PodSpec, Secret, Service } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { CronJob, Job } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import type { VendoredSchema } from "../../../scripts/knative-schemas.js";
import { strictRootSchema } from "./strict-schema.js";

const SCHEMA_DIR = join(import.meta.dirname, "../schemas");

/** Strict validators for every vendored Knative kind, keyed by `apiVersion kind`. */
export function knativeValidators(): Map<string, ValidateFunction> {
  // OpenAPI formats Kubernetes uses; the types already bound them well enough for manifests.
  const ajv = new Ajv({ allErrors: true, strict: false, formats: { int32: true, int64: true, byte: true, "date-time": true } });
  const out = new Map<string, ValidateFunction>();
  for (const f of readdirSync(SCHEMA_DIR).filter((n) => n.endsWith(".json"))) {
    const v = JSON.parse(readFileSync(join(SCHEMA_DIR, f), "utf8")) as VendoredSchema;
    out.set(`${v.apiVersion} ${v.kind}`, ajv.compile(strictRootSchema(v.schema) as object));
  }
  return out;
}

export function describeErrors(file: string, errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const extra =
      e.keyword === "additionalProperties" ? ` (unknown field "${(e.params as { additionalProperty: string }).additionalProperty}")` : "";
    return `${file}: ${e.instancePath || "/"} ${e.message}${extra}`;
  });
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** kubernetes-models classes for the core kinds we ship. */
export const CORE_MODELS: Readonly<Record<string, ModelClass>> = {
  "v1 Namespace": Namespace,
  "v1 ConfigMap": ConfigMap,
  "v1 Secret": Secret,
  "v1 Service": Service,
  "v1 PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1 Deployment": Deployment,
  "apps/v1 StatefulSet": StatefulSet,
  "batch/v1 Job": Job,
  "batch/v1 CronJob": CronJob,
  "networking.k8s.io/v1 NetworkPolicy": NetworkPolicy,
};

/** Runs a kubernetes-models validation and returns its problems as strings (none when valid). */
export function modelErrors(where: string, build: () => Validatable): string[] {
  try {
    build().validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: ErrorObject[] }).errors;
    return errors ? describeErrors(where, errors) : [`${where}: ${(err as Error).message}`];
  }
}

/** Fields a Knative PodSpec adds to the core PodSpec (they are checked by the CRD schema instead). */
const KNATIVE_POD_FIELDS = ["containerConcurrency", "timeoutSeconds", "idleTimeoutSeconds", "responseStartTimeoutSeconds"];

/** Validates the PodSpec of a Knative Service template against the core Kubernetes PodSpec schema. */
export function knativePodSpecErrors(where: string, spec: Record<string, unknown>): string[] {
  const core = Object.fromEntries(Object.entries(spec).filter(([k]) => !KNATIVE_POD_FIELDS.includes(k)));
  return modelErrors(where, () => new PodSpec(core as never));
}

/** Validates an ObjectMeta (Knative's CRD schema leaves `metadata` open), carried by an otherwise empty ConfigMap. */
export function metadataErrors(where: string, metadata: unknown): string[] {
  return modelErrors(where, () => new ConfigMap({ metadata } as never));
}
