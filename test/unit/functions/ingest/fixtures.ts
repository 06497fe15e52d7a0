/** Webhook bodies as MinIO (community build 2026-02-12) sent them, captured with a plain HTTP listener (some response headers trimmed). */

export const PUT_WITH_TITLE = {
  EventName: "s3:ObjectCreated:Put",
  Key: "uploads/a b+c%d/ü é.mp4",
  Records: [
    {
      eventVersion: "2.0",
      eventSource: "minio:s3",
      awsRegion: "",
      eventTime: "2026-11-24T04:23:07.082Z",
      eventName: "s3:ObjectCreated:Put",
      userIdentity: { principalId: "capadmin" },
      requestParameters: { principalId: "capadmin", region: "", sourceIPAddress: "127.0.0.1" },
      responseElements: {
        "x-amz-id-2": "f65f443c01a5a246c1cd35f47ef2a30546ee14404030ee79bf75621823d5f622",
        "x-amz-request-id": "18EAE0734140902A",
        "x-minio-deployment-id": "d30d6e77-afc4-48d8-ba88-850a6b2b2e9b",
        "x-minio-origin-endpoint": "http://127.0.0.1:18990",
      },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "Config",
        bucket: { name: "uploads", ownerIdentity: { principalId: "capadmin" }, arn: "arn:aws:s3:::uploads" },
        object: {
          key: "a+b%2Bc%25d%2F%C3%BC+%C3%A9.mp4",
          size: 5,
          eTag: "5d41402abc4b2a76b9719d911017c592",
          contentType: "video/mp4",
          userMetadata: { "X-Amz-Meta-Title": "My Title", "content-type": "video/mp4" },
          sequencer: "18EAE073414537EE",
        },
      },
      source: { host: "127.0.0.1", port: "", userAgent: "MinIO (linux; x64) minio-js/8.0.7" },
    },
  ],
};

export const MULTIPART = {
  EventName: "s3:ObjectCreated:CompleteMultipartUpload",
  Key: "uploads/multi part.mp4",
  Records: [
    {
      eventVersion: "2.0",
      eventSource: "minio:s3",
      awsRegion: "",
      eventTime: "2026-11-24T04:23:17.517Z",
      eventName: "s3:ObjectCreated:CompleteMultipartUpload",
      userIdentity: { principalId: "capadmin" },
      requestParameters: { principalId: "capadmin", region: "", sourceIPAddress: "127.0.0.1" },
      responseElements: {
        "content-length": "324",
        "x-amz-id-2": "f65f443c01a5a246c1cd35f47ef2a30546ee14404030ee79bf75621823d5f622",
        "x-amz-request-id": "18EAE075AF2374A3",
      },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "Config",
        bucket: { name: "uploads", ownerIdentity: { principalId: "capadmin" }, arn: "arn:aws:s3:::uploads" },
        object: {
          key: "multi+part.mp4",
          size: 11534336,
          eTag: "31eb1e789bcd3d33960abe120235bf32-1",
          contentType: "binary/octet-stream",
          userMetadata: { "X-Amz-Meta-Title": "Multi", "content-type": "binary/octet-stream" },
          sequencer: "18EAE075AF2C5A94",
        },
      },
      source: { host: "127.0.0.1", port: "", userAgent: "MinIO (linux; x64) minio-js/8.0.7" },
    },
  ],
};

export const DELETE = {
  EventName: "s3:ObjectRemoved:Delete",
  Key: "uploads/a b+c%d/ü é.mp4",
  Records: [
    {
      eventVersion: "2.0",
      eventSource: "minio:s3",
      awsRegion: "",
      eventTime: "2026-11-24T04:23:07.184Z",
      eventName: "s3:ObjectRemoved:Delete",
      userIdentity: { principalId: "capadmin" },
      requestParameters: { principalId: "capadmin", region: "", sourceIPAddress: "127.0.0.1" },
      responseElements: { "content-length": "0", "x-amz-request-id": "18EAE0734759B565" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "Config",
        bucket: { name: "uploads", ownerIdentity: { principalId: "capadmin" }, arn: "arn:aws:s3:::uploads" },
        object: { key: "a+b%2Bc%25d%2F%C3%BC+%C3%A9.mp4", sequencer: "18EAE073475FF59F" },
      },
      source: { host: "127.0.0.1", port: "", userAgent: "MinIO (linux; x64) minio-js/8.0.7" },
    },
  ],
};

/** A copy of `body` whose only record has `patch` applied to `s3.object` (and `eventName` when given). */
export function withObject(body: typeof PUT_WITH_TITLE, patch: Record<string, unknown>, eventName?: string): typeof PUT_WITH_TITLE {
  const clone = structuredClone(body);
  const rec = clone.Records[0]!;
  Object.assign(rec.s3.object, patch);
  if (eventName) {
    rec.eventName = eventName;
    clone.EventName = eventName;
  }
  return clone;
}
