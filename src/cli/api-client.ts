/**
 * The CLI's client of the operators' API: everything a person does (run, confirm, approve, decide,
 * abort, terminate, watch, signoff, finding, users) goes through `drillbook serve`, never to Temporal
 * or the database directly, so every act is authenticated, checked and audited in one place.
 *
 * Configured by DRILLBOOK_API_URL (default http://127.0.0.1:8080) and DRILLBOOK_TOKEN, or --api/--token.
 */
import { CliError, EXIT, type ExitCode } from './exit-codes';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export interface ApiClientOptions {
  api?: string;
  token?: string;
}

export class ApiRequestError extends CliError {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; field?: string; requestId?: string },
  ) {
    super(`${body.message ?? `HTTP ${status}`} (HTTP ${status}${body.error ? ` ${body.error}` : ''})`, exitCodeOf(status));
  }
}

/** HTTP status → CLI exit code, in one place. */
function exitCodeOf(status: number): ExitCode {
  if (status === 400) return EXIT.usage;
  if (status === 401 || status === 403) return EXIT.forbidden;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  return EXIT.unavailable;
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly token?: string;

  constructor(opts: ApiClientOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.baseUrl = (opts.api ?? env.DRILLBOOK_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, '');
    this.token = opts.token ?? env.DRILLBOOK_TOKEN;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** @throws ApiRequestError on a non-2xx answer; CliError (unavailable) when the API cannot be reached. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.token) throw new CliError('no API token: set DRILLBOOK_TOKEN or pass --token (an admin issues one with `drillbook users token NAME`)', EXIT.forbidden);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new CliError(`cannot reach the drillbook API at ${this.baseUrl} (is \`drillbook serve\` running?): ${(err as Error).message}`, EXIT.unavailable);
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { message: text };
    }
    if (!response.ok) throw new ApiRequestError(response.status, (parsed ?? {}) as ApiRequestError['body']);
    return parsed as T;
  }
}

/** `/api/runs/<run>/steps/<step>/<verb>`, each part escaped. */
export function stepPath(runId: string, stepId: string, verb: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}/${verb}`;
}

export function runPath(runId: string, verb?: string): string {
  return `/api/runs/${encodeURIComponent(runId)}${verb ? `/${verb}` : ''}`;
}

/** Adds --api and --token to a command (defaults: DRILLBOOK_API_URL, DRILLBOOK_TOKEN). */
export function withApiOptions<C extends { option(flags: string, description: string): C }>(cmd: C): C {
  return cmd
    .option('--api <url>', `the drillbook API (default: DRILLBOOK_API_URL or ${DEFAULT_API_URL})`)
    .option('--token <token>', 'API token (default: DRILLBOOK_TOKEN; prefer the variable: argv is visible to other users)');
}
