/**
 * The redaction of one adapter call: every secret value the call resolved, and its common encodings
 * (base64, base64url, URL-encoding, JSON-escaped, each line of a multi-line value, the password of a
 * URL), is replaced by
 * `[redacted:<reference>]` in what the call returns and in what it throws (message, details, stack,
 * causes — also errors thrown inside libraries, such as undici quoting a header value). Applied in one
 * place, activities/adapter-call.ts, which every adapter call of every activity passes through.
 */
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';

/** Variants shorter than this are not replaced on their own (a 2-character line would redact every match). */
const MIN_VARIANT_LENGTH = 4;

export function redactionLabel(ref: string): string {
  return `[redacted:${ref}]`;
}

export class Redactor {
  /** value -> label, longest values first when applied. */
  private readonly replacements = new Map<string, string>();
  private ordered: [string, string][] | undefined;

  /** Registers a resolved secret `value` of reference `ref`. */
  add(ref: string, value: string): void {
    if (value === '') return;
    const label = redactionLabel(ref);
    const put = (variant: string, force = false) => {
      if (variant === '' || (!force && variant.length < MIN_VARIANT_LENGTH)) return;
      if (!this.replacements.has(variant)) this.replacements.set(variant, label);
    };
    put(value, true);
    const bytes = Buffer.from(value, 'utf8');
    const b64 = bytes.toString('base64');
    put(b64);
    put(b64.replace(/=+$/, ''));
    put(bytes.toString('base64url'));
    put(encodeURIComponent(value));
    put(encodeURIComponent(value).replace(/%20/g, '+'));
    put(JSON.stringify(value).slice(1, -1));
    // A JSON-escaped value quoted again (an error message that JSON-encodes a JSON text).
    put(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1));
    if (/[\r\n]/.test(value)) for (const line of value.split(/\r?\n|\r/)) put(line.trim());
    // A connection URL's password is a secret of its own: a server may quote it without the rest.
    const password = urlPassword(value);
    if (password) {
      put(password);
      put(safeDecode(password));
    }
    this.ordered = undefined;
  }

  get empty(): boolean {
    return this.replacements.size === 0;
  }

  text(input: string): string {
    if (this.empty) return input;
    this.ordered ??= [...this.replacements].sort((a, b) => b[0].length - a[0].length);
    let out = input;
    for (const [value, label] of this.ordered) if (out.includes(value)) out = out.split(value).join(label);
    return out;
  }

  /** Every string of a JSON value (keys too: a server may echo a secret as a key). */
  json<T>(value: T): T {
    if (this.empty) return value;
    return this.deep(value, new WeakSet()) as T;
  }

  private deep(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return null;
    seen.add(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v, seen));
    if (value instanceof Error) return this.error(value);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.deep(v, seen);
    return out;
  }

  /**
   * The error to rethrow in place of `err`: the same type, retryability and retry delay, with every
   * text redacted. A cancellation (a Temporal failure other than an ApplicationFailure) is the SDK's own
   * and carries no adapter text: it passes unchanged, so the activity still reports a cancel.
   */
  error(err: unknown): unknown {
    if (this.empty) return err;
    if (err instanceof TemporalFailure && !(err instanceof ApplicationFailure)) return err;
    if (err instanceof ApplicationFailure) {
      const out = ApplicationFailure.create({
        type: err.type ?? undefined,
        message: this.text(err.message),
        nonRetryable: err.nonRetryable ?? false,
        details: err.details ? (this.json(err.details as unknown[]) as unknown[]) : undefined,
        nextRetryDelay: err.nextRetryDelay ?? undefined,
        cause: err.cause ? (this.error(err.cause) as Error) : undefined,
        category: err.category ?? undefined,
      });
      out.stack = err.stack ? this.text(err.stack) : out.stack;
      return out;
    }
    if (err instanceof Error) {
      // A library's own error (TypeError from undici, a pg DatabaseError): keep its name as the failure type.
      const out = ApplicationFailure.create({
        type: err.name,
        message: this.text(err.message),
        nonRetryable: false,
        cause: err.cause instanceof Error ? (this.error(err.cause) as Error) : undefined,
      });
      out.stack = err.stack ? this.text(err.stack) : out.stack;
      return out;
    }
    return ApplicationFailure.create({ message: this.text(String(err)) });
  }
}

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    return new URL(value).password || undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
