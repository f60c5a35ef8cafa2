/**
 * Progress lines while a channel loads, for the job's log (CloudWatch in SageMaker, the terminal in
 * local mode): bytes read (of the total, when the channel is files), rows parsed and the read
 * rate, at most once every SM_PROGRESS_INTERVAL_MS (default 10 s; local mode sets 1 s, 0 prints a
 * line per piece read), and one line when the channel is loaded.
 */
import * as fs from 'node:fs';

const MB = 1024 * 1024;

function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

export class LoadProgress {
  private readonly started = Date.now();
  private last = this.started;
  private bytes = 0;
  private rows = 0;

  /** `totalBytes` undefined: a FIFO, whose size is not known ahead. */
  constructor(private readonly channel: string, private readonly totalBytes: number | undefined,
    private readonly intervalMs = Number(process.env.SM_PROGRESS_INTERVAL_MS ?? 10_000)) {}

  /** The channel's files' total size, or undefined if any is not a regular file (a Pipe-mode FIFO). */
  public static sizeOf(files: string[]): number | undefined {
    let total = 0;
    for (const file of files) {
      const stat = fs.statSync(file);
      if (!stat.isFile()) return undefined;
      total += stat.size;
    }
    return total;
  }

  /** After each piece: `bytes` more read, `rows` more parsed. */
  public add(bytes: number, rows: number): void {
    this.bytes += bytes;
    this.rows += rows;
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    const of = this.totalBytes ? ` of ${megabytes(this.totalBytes)} (${Math.floor((100 * this.bytes) / Math.max(this.totalBytes, 1))} %)` : '';
    console.log(`loading channel ${this.channel}: ${megabytes(this.bytes)}${of} read, ${this.rows.toLocaleString('en-US')} rows, ${this.rate(now)}`);
  }

  public done(): void {
    const now = Date.now();
    console.log(`loaded channel ${this.channel}: ${megabytes(this.bytes)}, ${this.rows.toLocaleString('en-US')} rows in ${((now - this.started) / 1000).toFixed(1)} s (${this.rate(now)})`);
  }

  private rate(now: number): string {
    return `${megabytes(this.bytes / Math.max((now - this.started) / 1000, 1e-3))}/s`;
  }
}
