/**
 * Where a notice goes: each of its services' owner webhook (`notify` in the inventory), else the
 * inventory's `notifications.webhook`. A target is known by its NAME (`service:payments`,
 * `inventory`) in every record; its URL — whose path is the secret of a Slack or Teams webhook — is
 * looked up when it is posted, and only its origin is ever written down.
 */
import type { NotifyFormat } from '../inventory/schema';

export interface NotifyTarget {
  /** `service:<name>` or `inventory`. */
  name: string;
  /** The webhook's URL, or a secret reference holding it (read by the worker when it posts). */
  url: string;
  format: NotifyFormat;
}

/** The inventory as last applied, as far as notices need it. */
export interface TargetDirectory {
  services: ReadonlyMap<string, { notify: string | null; format?: NotifyFormat }>;
  webhook: string | null;
  format?: NotifyFormat;
}

export const INVENTORY_TARGET = 'inventory';

/** The targets of a notice about `services`: one per distinct webhook (two services sharing one get one post). */
export function targetsFor(services: readonly string[], dir: TargetDirectory): NotifyTarget[] {
  const out: NotifyTarget[] = [];
  for (const name of services) {
    const target = targetByName(`service:${name}`, dir);
    if (target && !out.some((t) => t.url === target.url)) out.push(target);
  }
  if (out.length) return out;
  const fallback = targetByName(INVENTORY_TARGET, dir);
  return fallback ? [fallback] : [];
}

/** The target a name stands for now, or undefined when the inventory no longer has it. */
export function targetByName(name: string, dir: TargetDirectory): NotifyTarget | undefined {
  if (name === INVENTORY_TARGET) return dir.webhook ? { name, url: dir.webhook, format: dir.format ?? 'json' } : undefined;
  if (!name.startsWith('service:')) return undefined;
  const service = dir.services.get(name.slice('service:'.length));
  if (!service?.notify) return undefined;
  return { name, url: service.notify, format: service.format ?? dir.format ?? 'json' };
}

/** What of a webhook's URL may be recorded: scheme, host and port — never path, query or credentials. */
export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
