// The emulator's long-lived state in a JSON file, for `npm start` only: the API keeps its data (D1 under
// .wrangler/) across restarts, so the emulator must remember what it granted (Google tokens, YouTube
// quota, ...) or every restart breaks the channels the API already connected. Tests never use this.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const SAVE_EVERY_MS = 1000;

export class StateFile {
  private lastSaved = "";
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  /** `take` builds the state to save; it is called once a second and must be cheap and JSON-safe. */
  constructor(
    readonly path: string,
    private readonly take: () => unknown,
  ) {}

  /**
   * The saved state, or undefined when there is none. A file that is not JSON is moved aside (so the next
   * save does not destroy it) and the emulator starts fresh.
   */
  load(): unknown {
    if (!existsSync(this.path)) return undefined;
    try {
      return JSON.parse(readFileSync(this.path, "utf8"));
    } catch (error) {
      this.discard(`is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
  }

  /** Moves an unusable file aside (kept for a look, not overwritten by the next save) and warns. */
  discard(reason: string): void {
    const aside = `${this.path}.corrupt`;
    try {
      renameSync(this.path, aside);
    } catch {
      // Already gone: nothing to keep.
    }
    console.warn(`[emulator] state file ${this.path} ${reason}; starting fresh (old file kept as ${aside})`);
  }

  /**
   * Checks for changes once a second rather than after each request: some state changes after the
   * request that caused it (an N8N render finishes later), and comparing the serialised state is simpler
   * than having every module report its changes. Writes only when something changed.
   */
  start(): void {
    this.lastSaved = JSON.stringify(this.take());
    this.timer = setInterval(() => this.save(), SAVE_EVERY_MS);
    this.timer.unref();
  }

  /** Writes the state now if it changed (also after `POST /__control/reset`, and the last step of shutdown). */
  save(): void {
    const json = JSON.stringify(this.take());
    if (json === this.lastSaved) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      // Write then rename: a crash mid-write leaves the previous file whole, never half of one.
      const temp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temp, json);
      renameSync(temp, this.path);
      this.lastSaved = json;
      this.failing = false;
    } catch (error) {
      // Keep serving; warn once per run of failures rather than every second.
      if (!this.failing) console.warn(`[emulator] could not save state to ${this.path}:`, error);
      this.failing = true;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.save();
  }
}
