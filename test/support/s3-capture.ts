/**
 * Replaces S3 at the SDK boundary (aws-sdk-client-mock on `S3Client.send`) with an in-memory bucket that
 * behaves like S3 for what the job uses: PutObject, and multipart uploads that only become an object on
 * CompleteMultipartUpload and vanish on AbortMultipartUpload. Bodies are captured so tests read back
 * exactly the bytes the handler uploaded.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompleteMultipartUploadCommandInput,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";

export interface StoredObject {
  body: Buffer;
  contentType: string | undefined;
  /** "put" for a single PutObject, "multipart" when assembled from parts. */
  via: "put" | "multipart";
  parts: number;
}

function toBuffer(body: unknown): Buffer {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error(`s3-capture: unexpected body type ${typeof body}`);
}

export function captureS3() {
  const mock = mockClient(S3Client);
  const objects = new Map<string, StoredObject>();
  const uploads = new Map<string, { key: string; contentType?: string; parts: Map<number, Buffer> }>();
  const aborted: string[] = [];
  let next = 0;
  const id = (bucket?: string, key?: string) => `${bucket}/${key}`;

  const install = () => {
    mock.on(PutObjectCommand).callsFake(async (input) => {
      objects.set(id(input.Bucket, input.Key), {
        body: toBuffer(input.Body),
        contentType: input.ContentType,
        via: "put",
        parts: 1,
      });
      return { ETag: '"put"' };
    });
    mock.on(CreateMultipartUploadCommand).callsFake(async (input) => {
      const uploadId = `upload-${++next}`;
      uploads.set(uploadId, {
        key: id(input.Bucket, input.Key),
        contentType: input.ContentType,
        parts: new Map(),
      });
      return { UploadId: uploadId, Bucket: input.Bucket, Key: input.Key };
    });
    mock.on(UploadPartCommand).callsFake(async (input) => {
      const upload = uploads.get(input.UploadId ?? "");
      if (!upload) throw Object.assign(new Error("NoSuchUpload"), { name: "NoSuchUpload" });
      upload.parts.set(input.PartNumber as number, toBuffer(input.Body));
      return { ETag: `"part-${input.PartNumber}"` };
    });
    mock.on(CompleteMultipartUploadCommand).callsFake(async (input: CompleteMultipartUploadCommandInput) => {
      const upload = uploads.get(input.UploadId ?? "");
      if (!upload) throw Object.assign(new Error("NoSuchUpload"), { name: "NoSuchUpload" });
      const listed = (input.MultipartUpload?.Parts ?? []).map((part) => part.PartNumber as number);
      const body = Buffer.concat(listed.map((n: number) => upload.parts.get(n) as Buffer));
      objects.set(upload.key, {
        body,
        contentType: upload.contentType,
        via: "multipart",
        parts: listed.length,
      });
      uploads.delete(input.UploadId ?? "");
      return { Bucket: input.Bucket, Key: input.Key, Location: `https://${input.Bucket}.s3/${input.Key}` };
    });
    mock.on(AbortMultipartUploadCommand).callsFake(async (input) => {
      aborted.push(id(input.Bucket, input.Key));
      uploads.delete(input.UploadId ?? "");
      return {};
    });
  };
  install();

  return {
    mock,
    objects,
    /** `bucket/key` of every multipart upload that was aborted. */
    aborted,
    /** Multipart uploads neither completed nor aborted (a leak S3 would bill for). */
    openUploads: () => uploads.size,
    /** The stored object at an `s3://bucket/key` URI, as text. */
    read(uri: string): { text: string; object: StoredObject } {
      const object = objects.get(uri.replace(/^s3:\/\//, ""));
      if (!object) throw new Error(`no object at ${uri}; have ${[...objects.keys()].join(", ")}`);
      return { text: object.body.toString("utf8"), object };
    },
    /** Forgets every object and upload and puts the default behaviour back (after a test's override). */
    reset() {
      mock.reset();
      install();
      objects.clear();
      uploads.clear();
      aborted.length = 0;
    },
  };
}

export type S3Capture = ReturnType<typeof captureS3>;
