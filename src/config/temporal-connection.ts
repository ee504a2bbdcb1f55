/**
 * How drillbook's processes reach a Temporal cluster securely: TLS (server CA, client certificate and
 * key for mTLS, server name) and an API key, for the worker (NativeConnection), the API and the CLI
 * (Connection) alike. From the environment, checked at start; a bad value is refused with the
 * variable's name and nothing else of it (never a key's content).
 *
 * | variable | meaning |
 * |---|---|
 * | TEMPORAL_TLS | `true`: TLS with the system's CAs (a hosted cluster); implied by the variables below (the SDK turns TLS on for an API key too); `false`: plain TCP even with an API key |
 * | TEMPORAL_TLS_CA | file: the CA that signed the server's certificate (PEM) |
 * | TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY | files: this client's certificate and private key (PEM), for mTLS; both or neither |
 * | TEMPORAL_TLS_SERVER_NAME | the name to check the server's certificate against (SNI), when it differs from the address's host |
 * | TEMPORAL_API_KEY | a secret reference (`env:NAME`, `file:/path`): sent as `Authorization: Bearer …` |
 *
 * They apply to TEMPORAL_ADDRESS only: the embedded dev server speaks plain TCP on loopback.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parseSecretRef } from './secret-ref';

export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** Spread into `Connection.connect` / `NativeConnection.connect` options. */
export interface TemporalConnectionSecurity {
  /** false: plain TCP even with an API key (the SDK turns TLS on for an API key unless told not to). */
  tls?: TemporalTls | boolean;
  apiKey?: string;
}

export const TEMPORAL_SECURITY_VARIABLES = ['TEMPORAL_TLS', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const;

/**
 * Reads and checks the variables (files are read now, so a missing one fails at start, not at the
 * first call).
 * @throws Error listing each bad variable by name.
 */
export function loadTemporalSecurity(env: NodeJS.ProcessEnv = process.env): TemporalConnectionSecurity {
  const problems: string[] = [];
  const get = (name: (typeof TEMPORAL_SECURITY_VARIABLES)[number]) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const set = TEMPORAL_SECURITY_VARIABLES.filter((n) => get(n) !== undefined);
  if (set.length === 0) return {};
  if (!env.TEMPORAL_ADDRESS) {
    throw new Error(`bad configuration:\n  ${set[0]}: set, but TEMPORAL_ADDRESS is not (the embedded dev server speaks plain TCP on loopback)`);
  }
  const file = (name: 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY'): Buffer | undefined => {
    const path = get(name);
    if (path === undefined) return undefined;
    if (!isAbsolute(path)) {
      problems.push(`${name}: expected an absolute file path`);
      return undefined;
    }
    try {
      const content = readFileSync(path);
      if (!content.toString('utf8').includes('-----BEGIN ')) problems.push(`${name}: ${path} is not a PEM file`);
      return content;
    } catch (err) {
      problems.push(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };

  const flag = get('TEMPORAL_TLS');
  if (flag !== undefined && !['true', 'false'].includes(flag)) problems.push('TEMPORAL_TLS: expected true or false');
  const ca = file('TEMPORAL_TLS_CA');
  const crt = file('TEMPORAL_TLS_CERT');
  const key = file('TEMPORAL_TLS_KEY');
  if ((get('TEMPORAL_TLS_CERT') === undefined) !== (get('TEMPORAL_TLS_KEY') === undefined)) {
    problems.push(`${get('TEMPORAL_TLS_CERT') === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'}: needed with ${get('TEMPORAL_TLS_CERT') === undefined ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'} (a client certificate and its key)`);
  }
  const serverName = get('TEMPORAL_TLS_SERVER_NAME');
  if (serverName !== undefined && !/^[A-Za-z0-9.-]+$/.test(serverName)) problems.push('TEMPORAL_TLS_SERVER_NAME: expected a host name');
  const apiKey = resolveApiKey(get('TEMPORAL_API_KEY'), env, problems);
  if (flag === 'false' && set.some((n) => n.startsWith('TEMPORAL_TLS_'))) problems.push('TEMPORAL_TLS: false, but TLS files or a server name are set');
  if (problems.length > 0) throw new Error(`bad configuration:\n  ${problems.join('\n  ')}`);

  const security: TemporalConnectionSecurity = {};
  const tls: TemporalTls = {};
  if (ca) tls.serverRootCACertificate = ca;
  if (crt && key) tls.clientCertPair = { crt, key };
  if (serverName) tls.serverNameOverride = serverName;
  if (Object.keys(tls).length > 0) security.tls = tls;
  else if (flag !== undefined) security.tls = flag === 'true';
  if (apiKey !== undefined) security.apiKey = apiKey;
  return security;
}

/** The API key's value from its reference; problems name the variable and the reference, never the value. */
function resolveApiKey(ref: string | undefined, env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  if (ref === undefined) return undefined;
  const parsed = parseSecretRef(ref);
  if (!parsed) {
    problems.push('TEMPORAL_API_KEY: expected a secret reference, env:NAME or file:/absolute/path (never the key itself)');
    return undefined;
  }
  let value: string | undefined;
  if (parsed.kind === 'env') {
    value = env[parsed.name];
    if (!value) problems.push(`TEMPORAL_API_KEY: ${ref}: the variable ${parsed.name} is not set`);
  } else {
    try {
      value = readFileSync(parsed.path, 'utf8').trim();
      if (!value) problems.push(`TEMPORAL_API_KEY: ${ref}: the file is empty`);
    } catch (err) {
      problems.push(`TEMPORAL_API_KEY: ${ref}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return value || undefined;
}

/** What the connection uses, for a log line: never the key or a certificate's content. */
export function describeTemporalSecurity(s: TemporalConnectionSecurity): string {
  const parts: string[] = [];
  if (s.tls === true || (s.tls === undefined && s.apiKey)) parts.push('TLS (system CAs)');
  else if (s.tls) parts.push(`TLS${s.tls.serverRootCACertificate ? ' (own CA)' : ''}${s.tls.clientCertPair ? ' with a client certificate' : ''}${s.tls.serverNameOverride ? ` as ${s.tls.serverNameOverride}` : ''}`);
  if (s.apiKey) parts.push('API key');
  return parts.length ? parts.join(', ') : 'plain TCP';
}
