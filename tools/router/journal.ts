import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

/** One delivery of one event to one Trigger's subscriber, as kept on disk until it succeeds or is dead-lettered. */
export interface PendingDelivery {
  readonly id: string;
  readonly trigger: string;
  /** The event in structured JSON form (`CloudEvent#toJSON()`). */
  readonly event: Record<string, unknown>;
  readonly acceptedAt: string;
}

/**
 * A directory of pending deliveries. An accepted event's deliveries are written (fsync'd rename) before the
 * router answers 202 and removed once delivered or dead-lettered, so a router crash loses nothing it accepted;
 * on restart every file is delivered again (at-least-once, like a Knative Broker).
 */
export class Journal {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "pending");
    mkdirSync(this.dir, { recursive: true });
  }

  /** Persists deliveries for one accepted event; all-or-nothing per file. */
  add(trigger: string, event: Record<string, unknown>): PendingDelivery {
    const d: PendingDelivery = { id: `${Date.now()}-${randomUUID()}`, trigger, event, acceptedAt: new Date().toISOString() };
    const tmp = join(this.dir, `.${d.id}.tmp`);
    writeFileSync(tmp, JSON.stringify(d), { flush: true });
    renameSync(tmp, join(this.dir, `${d.id}.json`));
    return d;
  }

  done(id: string): void {
    rmSync(join(this.dir, `${id}.json`), { force: true });
  }

  /** Deliveries left over from a previous run, oldest first. Unreadable files are moved aside, not retried forever. */
  recover(): PendingDelivery[] {
    const out: PendingDelivery[] = [];
    for (const f of readdirSync(this.dir)
      .filter((n) => n.endsWith(".json"))
      .sort()) {
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, f), "utf8")) as PendingDelivery);
      } catch {
        renameSync(join(this.dir, f), join(this.dir, `${f}.corrupt`));
      }
    }
    return out;
  }
}
