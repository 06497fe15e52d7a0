/**
 * Who may do what in MinIO: one user per part of estrena, each with only the actions and prefixes it uses.
 * Root stays with the MinIO server and its bootstrap (tools/minio-bootstrap/ creates these users and policies). The same table serves `npm start`, compose (its env file)
 * and Knative (one Secret per identity), so the three deployments cannot drift apart.
 */
import { randomBytes } from "node:crypto";

export interface Buckets {
  readonly uploads: string;
  readonly stream: string;
}

/** A policy document in the IAM grammar MinIO uses. */
export interface Policy {
  readonly Version: "2012-10-17";
  readonly Statement: readonly {
    readonly Effect: "Allow" | "Deny";
    readonly Action: readonly string[];
    readonly Resource: readonly string[];
  }[];
}

type Statement = Policy["Statement"][number];

export interface Identity {
  /** The MinIO user name (its access key). */
  readonly user: string;
  /** Environment variables that carry the access key and the secret key. */
  readonly userEnv: string;
  readonly secretEnv: string;
  /** Who holds it, for docs and the Knative Secret. */
  readonly doc: string;
  /** What it may do; empty means nothing at all (a user with no policy). */
  readonly statements: (b: Buckets) => Statement[];
}

const bucket = (b: string) => `arn:aws:s3:::${b}`;
const objects = (b: string, prefix = "") => `arn:aws:s3:::${b}/${prefix}*`;
const allow = (Action: string[], Resource: string[]): Statement => ({ Effect: "Allow", Action, Resource });
// Large uploads go in parts: abort and list-parts let a client clean up and resume its own upload.
const MULTIPART = ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
const VIDEOS = "videos/";

/** Every object of a bucket ending in .vtt or .srt, in any mix of case (IAM resource patterns are case-sensitive). */
function sidecarObjects(b: string): string[] {
  const cases = (ext: string): string[] =>
    [...ext].reduce<string[]>((acc, ch) => acc.flatMap((p) => [p + ch.toLowerCase(), p + ch.toUpperCase()]), [""]);
  return [...cases("vtt"), ...cases("srt")].map((ext) => `arn:aws:s3:::${b}/*.${ext}`);
}

export const IDENTITIES = {
  editor: {
    user: "editor",
    userEnv: "ESTRENA_EDITOR_USER",
    secretEnv: "ESTRENA_EDITOR_PASSWORD",
    doc: "editors: the MinIO console, npm run upload and the studio; the uploads bucket only",
    statements: (b) => [
      allow(["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], [bucket(b.uploads)]),
      allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", ...MULTIPART], [objects(b.uploads)]),
    ],
  },
  ingest: {
    user: "estrena-ingest",
    userEnv: "ESTRENA_INGEST_S3_ACCESS_KEY",
    secretEnv: "ESTRENA_INGEST_S3_SECRET_KEY",
    doc: "the ingest function: turns notifications into events and reads no object",
    statements: () => [],
  },
  transcode: {
    user: "estrena-transcode",
    userEnv: "ESTRENA_TRANSCODE_S3_ACCESS_KEY",
    secretEnv: "ESTRENA_TRANSCODE_S3_SECRET_KEY",
    doc: "the transcode function: reads sources from uploads, publishes HLS under videos/ and keeps job records under jobs/ in stream",
    statements: (b) => [
      allow(["s3:GetObject"], [objects(b.uploads)]),
      allow(["s3:ListBucket"], [bucket(b.stream)]),
      // Deletes too: a retried job replaces what a killed attempt left half-written.
      allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", ...MULTIPART], [objects(b.stream, VIDEOS), objects(b.stream, "jobs/")]),
    ],
  },
  catalogue: {
    user: "estrena-catalogue",
    userEnv: "ESTRENA_CATALOGUE_S3_ACCESS_KEY",
    secretEnv: "ESTRENA_CATALOGUE_S3_SECRET_KEY",
    doc: "the catalogue function: reads and writes video records under videos/ and the source, subtitle and deletion indexes under index/ in stream, reads subtitle sidecars (.vtt/.srt) in uploads, removes deleted videos",
    statements: (b) => [
      allow(["s3:ListBucket"], [bucket(b.stream)]),
      // index/sources/: which videos came from which upload (delete events carry no ETag; re-uploads replace videos).
      // index/gone/: when a video was deleted or replaced, so that late copies of its events are ignored.
      allow(
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        [
          objects(b.stream, VIDEOS),
          objects(b.stream, "index/sources/"),
          objects(b.stream, "index/subtitles/"),
          objects(b.stream, "index/gone/"),
        ],
      ),
      // Subtitle sidecars only (.vtt/.srt in any case): the catalogue turns them into tracks; it never reads a video.
      allow(["s3:GetObject"], sidecarObjects(b.uploads)),
    ],
  },
  deadletter: {
    user: "estrena-deadletter",
    userEnv: "ESTRENA_DEADLETTER_S3_ACCESS_KEY",
    secretEnv: "ESTRENA_DEADLETTER_S3_SECRET_KEY",
    doc: "the deadletter function (Knative): writes records under deadletter/ in stream",
    statements: (b) => [allow(["s3:PutObject"], [objects(b.stream, "deadletter/")])],
  },
  watcher: {
    user: "estrena-watcher",
    userEnv: "ESTRENA_WATCHER_S3_ACCESS_KEY",
    secretEnv: "ESTRENA_WATCHER_S3_SECRET_KEY",
    doc: "the folder watcher: puts files into uploads",
    statements: (b) => [allow(["s3:PutObject", ...MULTIPART], [objects(b.uploads)])],
  },
  resync: {
    user: "estrena-resync",
    userEnv: "ESTRENA_RESYNC_S3_ACCESS_KEY",
    secretEnv: "ESTRENA_RESYNC_S3_SECRET_KEY",
    doc: "the resync: lists uploads and checks which have a video record",
    statements: (b) => [
      allow(["s3:ListBucket"], [bucket(b.uploads)]),
      allow(["s3:GetObject"], [objects(b.uploads), objects(b.stream, VIDEOS)]),
    ],
  },
  gateway: {
    user: "estrena-gateway",
    userEnv: "ESTRENA_GATEWAY_S3_ACCESS_KEY",
    secretEnv: "ESTRENA_GATEWAY_S3_SECRET_KEY",
    doc: "the nginx gateway: reads published HLS under videos/ in stream",
    statements: (b) => [allow(["s3:GetObject"], [objects(b.stream, VIDEOS)])],
  },
} satisfies Record<string, Identity>;

export type IdentityName = keyof typeof IDENTITIES;
export const IDENTITY_NAMES = Object.keys(IDENTITIES) as IdentityName[];

/** The canned policy name of an identity (one policy per identity, named after it). */
export const policyName = (name: IdentityName) => `estrena-${name}`;

/** The policy document, or null for an identity that may do nothing. */
export function policyFor(name: IdentityName, b: Buckets): Policy | null {
  const Statement = IDENTITIES[name].statements(b);
  return Statement.length ? { Version: "2012-10-17", Statement } : null;
}

/** The identities' variables as documentation rows (the README's table). */
export function identityDocs(): { name: string; doc: string; default?: string }[] {
  return IDENTITY_NAMES.flatMap((n) => {
    const id = IDENTITIES[n];
    return [
      { name: id.userEnv, doc: `MinIO user of ${id.doc}`, default: id.user },
      { name: id.secretEnv, doc: `its secret; generated into <state>/credentials.env (compose: its env file) when unset`, default: "" },
    ];
  });
}

/** Every credential variable of every identity, for env files, docs and manifest checks. */
export function identityVariables(): string[] {
  return IDENTITY_NAMES.flatMap((n) => [IDENTITIES[n].userEnv, IDENTITIES[n].secretEnv]);
}

/** A fresh secret for an identity: the editor's is typed by people, the services' only by machines. */
function freshSecret(name: IdentityName): string {
  return name === "editor" ? randomBytes(15).toString("base64url") : randomBytes(24).toString("hex");
}

/**
 * Fills in every identity's user and secret that `values` lacks (values from the environment or a saved env
 * file) and returns the names it generated. The user names default to the table's; the secrets are random.
 */
export function fillIdentityCredentials(values: Record<string, string | undefined>): string[] {
  const generated: string[] = [];
  for (const name of IDENTITY_NAMES) {
    const id = IDENTITIES[name];
    if (!values[id.userEnv]) {
      values[id.userEnv] = id.user;
      generated.push(id.userEnv);
    }
    if (!values[id.secretEnv]) {
      values[id.secretEnv] = freshSecret(name);
      generated.push(id.secretEnv);
    }
  }
  return generated;
}

export type IdentityCredentials = Record<IdentityName, { readonly user: string; readonly secret: string }>;

/** Reads every identity's credentials from variables, failing with the name of the first missing one. */
export function identityCredentials(values: Record<string, string | undefined>): IdentityCredentials {
  const out = {} as Record<IdentityName, { user: string; secret: string }>;
  for (const name of IDENTITY_NAMES) {
    const { userEnv, secretEnv } = IDENTITIES[name];
    const user = values[userEnv];
    const secret = values[secretEnv];
    if (!user || user.length < 3) throw new Error(`${userEnv} is required (at least 3 characters): the ${name} identity's MinIO user`);
    if (!secret || secret.length < 8)
      throw new Error(`${secretEnv} is required (at least 8 characters): the ${name} identity's MinIO secret`);
    out[name] = { user, secret };
  }
  return out;
}
