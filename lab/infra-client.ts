/**
 * Calls the sites' infra APIs over HTTP, as an operator's script or a runbook adapter would: the
 * control plane of the traffic switch and the inventory.
 */
import http from 'node:http';
import { infraApiUrl, type LabConfig, type SiteCapacity, type SiteId } from './config';

export class InfraApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'InfraApiError';
  }
}

/**
 * One request to `site`'s infra API; throws InfraApiError on a non-2xx answer. Plain node:http, a
 * fresh loopback connection each time: fetch's first call costs tens of milliseconds of module
 * loading, which a failover's RTO would carry.
 */
export function infraRequest<T = unknown>(
  config: LabConfig,
  site: SiteId,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const url = new URL(path, infraApiUrl(config, site));
  return new Promise<T>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: options.timeoutMs ?? 5000,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed as T);
          const message = (parsed as { message?: string } | undefined)?.message ?? text;
          reject(new InfraApiError(status, parsed, `${method} ${path} at ${site}: ${status} ${message}`));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${path} at ${site}: no answer in time`)));
    request.on('error', reject);
    request.end(payload);
  });
}

export interface TrafficState {
  target: SiteId;
  fenced: SiteId[];
  activeConnections: Record<SiteId, number>;
  refusedConnections: number;
}

export function getTraffic(config: LabConfig, via: SiteId = 'site-a'): Promise<TrafficState> {
  return infraRequest<TrafficState>(config, via, 'GET', '/traffic');
}

/** Sent to the target site's API: in a real disaster the failed site's API may be gone too. */
export function switchTraffic(config: LabConfig, target: SiteId): Promise<TrafficState & { closedConnections: number; durationMs: number }> {
  return infraRequest(config, target, 'POST', '/traffic/switch', { target });
}

export function fenceSite(config: LabConfig, site: SiteId): Promise<{ changed: boolean; closedConnections: number }> {
  return infraRequest(config, site, 'POST', '/fence', { site });
}

export function unfenceSite(config: LabConfig, site: SiteId): Promise<{ changed: boolean }> {
  return infraRequest(config, site, 'POST', '/unfence', { site });
}

export type CapacityReport = SiteCapacity & { site: SiteId; usedConnections: number; headroomConnections: number };

export function getCapacity(config: LabConfig, site: SiteId): Promise<CapacityReport> {
  return infraRequest<CapacityReport>(config, site, 'GET', '/capacity');
}

export function setCapacity(config: LabConfig, site: SiteId, patch: Partial<SiteCapacity>): Promise<CapacityReport> {
  return infraRequest<CapacityReport>(config, site, 'PUT', '/capacity', patch);
}
