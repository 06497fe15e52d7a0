import { basename } from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { videoId } from "../../lib/runtime/ids.js";
import { uploadFile, uploadTarget } from "./client.js";

const USAGE = `usage: npm run upload -- FILE... [--title TITLE]

Uploads each FILE to the uploads bucket (multipart above ESTRENA_UPLOAD_PART_MB, default 16 MiB), with a
progress bar. The object key is the file name; --title is stored as x-amz-meta-title (applies to every FILE).
The S3 endpoint and credentials come from S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY, else from the local stack
(ESTRENA_MINIO_PORT, <ESTRENA_STATE_DIR>/credentials.env).`;

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { title: { type: "string", short: "t" }, help: { type: "boolean", short: "h" } },
  });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const files = parsed.positionals;
  if (!files.length) {
    console.error(USAGE);
    return 2;
  }
  const target = uploadTarget();
  // A bar only on a terminal: piped into a log, the result lines are what matter.
  const bars = new cliProgress.MultiBar(
    { format: " {bar} {percentage}% | {value}/{total} MiB | {file}", hideCursor: true, clearOnComplete: false, stopOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  const tty = process.stderr.isTTY === true;
  const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;
  let failures = 0;
  const lines: string[] = [];
  for (const file of files) {
    const key = basename(file);
    const bar = tty ? bars.create(1, 0, { file: key }) : null;
    try {
      const up = await uploadFile(target, file, key, {
        ...(parsed.values.title !== undefined ? { title: parsed.values.title } : {}),
        onProgress: (sent, total) => {
          bar?.setTotal(Math.max(mib(total), 0.1));
          bar?.update(mib(sent));
        },
      });
      lines.push(
        `uploaded ${file} → s3://${target.bucket}/${up.key} (${up.size} bytes, etag ${up.etag}) as video ${videoId(target.bucket, up.key, up.etag)}`,
      );
    } catch (err) {
      failures++;
      lines.push(`FAILED ${file}: ${(err as Error).message}`);
    }
  }
  if (tty) bars.stop();
  for (const l of lines) (l.startsWith("FAILED") ? console.error : console.log)(l);
  return failures ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
