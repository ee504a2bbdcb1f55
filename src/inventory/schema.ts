/**
 * The service inventory format (inventory/services.yaml) as zod schemas: the single source of truth
 * for each service's owner, criticality, sites, RTO/RPO targets, the runbooks that drill it, the
 * required cadence, drill schedules and blackout windows. Every object is strict, so a typo is an
 * error instead of a silently ignored key; cross-field rules live in load.ts.
 */
import { z } from 'zod';
import { isSecretRef } from '../config/secret-ref';
import { DurationSchema } from '../runbook/schema';
import { parseTimeOfDay, WEEKDAYS } from '../plan/recurring-blackout';

export const INVENTORY_API_VERSION = 'drillbook/v1';
export const INVENTORY_KIND = 'ServiceInventory';

export const CRITICALITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** How often a service must be drilled; periods are calendar quarters, halves and years. */
export const CADENCES = ['quarterly', 'half-yearly', 'yearly'] as const;
export type Cadence = (typeof CADENCES)[number];

/** Month names as Temporal's calendar specs spell them. */
export const MONTHS = [
  'JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER',
] as const;
export type MonthName = (typeof MONTHS)[number];

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const Name = z.string().regex(NAME_PATTERN, { error: 'a name is lowercase letters, digits, ".", "_" and "-" (e.g. core-banking)' });
const Text = z.string().min(1);
const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
/** A webhook: its URL, or a secret reference holding it (a chat webhook's path is its credential: keep it out of git). */
const WebhookUrl = z
  .string()
  .refine((v) => isSecretRef(v) || HttpUrl.safeParse(v).success, {
    error: 'must be an http:// or https:// URL, or a secret reference holding one (env:NAME or file:/absolute/path)',
  });

/** Message bodies a webhook takes (docs/notifications.md): drillbook's JSON, Slack's, Teams'. */
export const NOTIFY_FORMATS = ['json', 'slack', 'teams'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];
/** A message format; its error names the field (`field`), as the setting is easy to misplace. */
const notifyFormatSchema = (field: string) =>
  z.custom<NotifyFormat>((v) => typeof v === 'string' && (NOTIFY_FORMATS as readonly string[]).includes(v), {
    error: (iss) => `${field}: ${JSON.stringify(iss.input)} is not a message format; use one of ${NOTIFY_FORMATS.join(', ')}`,
  });

/** An IANA time zone the runtime knows (Asia/Seoul, UTC, Europe/Berlin). */
export const TimeZoneSchema = z.string().refine(isKnownTimeZone, { error: 'unknown time zone; use an IANA name such as Asia/Seoul or UTC' });

export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** An instant with its offset (`2026-01-30T00:00:00+09:00`); a bare local time would be ambiguous. */
const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/, {
    error: 'an instant with its offset, e.g. 2026-01-30T00:00:00+09:00 or 2026-01-29T15:00:00Z',
  })
  .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'not a real date and time' });

/** A calendar spec: a fixed day in fixed months (never an interval, which drifts). */
export const DrillScheduleSchema = z.strictObject({
  months: z.array(z.enum(MONTHS)).min(1).meta({ description: 'Months the drill runs in, e.g. [JANUARY, JULY].' }),
  day: z.int().min(1).max(28).meta({ description: 'Day of the month (1-28, so that every month has it).' }),
  at: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time of day as HH:MM (24h), e.g. "10:00"' })
    .default('10:00'),
  timezone: TimeZoneSchema.optional().meta({ description: "Default: the inventory's timezone." }),
  jitter: DurationSchema.optional().meta({ description: 'Start up to this much later, at random (spreads load).' }),
  catchupWindow: DurationSchema.default(86_400_000).meta({ description: 'After an outage, still start a drill missed by at most this much (default 1d).' }),
  pauseOnFailure: z.boolean().default(true).meta({ description: 'Pause the schedule when a drill fails, until someone unpauses it.' }),
});

export const ServiceRunbookSchema = z.strictObject({
  file: Text.meta({ description: 'The runbook file, relative to the inventory file.' }),
  mode: z.enum(['drill', 'failover', 'failback']).default('drill'),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  schedule: DrillScheduleSchema.optional(),
  /** Expected step durations for threshold alerts: a step running longer notifies the owner. */
  expectedDurations: z.record(z.string(), DurationSchema).default({}),
});

/** The shortest readiness interval: Temporal's interval specs count in seconds. */
export const MIN_READINESS_EVERY_MS = 1_000;
export const DEFAULT_READINESS_EVERY_MS = 15 * 60_000;

export const ReadinessSchema = z.strictObject({
  every: DurationSchema.refine((ms) => ms >= MIN_READINESS_EVERY_MS, { error: 'readiness.every must be at least 1s' }).meta({
    description: 'Evaluate the pre-checks this often (e.g. 15m).',
  }),
});

export const ServiceSchema = z.strictObject({
  name: Name,
  owner: Text.meta({ description: 'Who answers for the service (a team or person, e.g. an e-mail).' }),
  notify: WebhookUrl.optional().meta({ description: "The owner's webhook, or a secret reference (env:NAME, file:/path) holding it; default: notifications.webhook." }),
  notifyFormat: notifyFormatSchema('notifyFormat').optional().meta({ description: "The body `notify` takes (json, slack, teams); default: notifications.format." }),
  criticality: z.enum(CRITICALITIES),
  sites: z.array(Name).min(1),
  objectives: z.strictObject({ rto: DurationSchema, rpo: DurationSchema }),
  cadence: z.enum(CADENCES).optional().meta({ description: 'Default: half-yearly for critical and high, yearly otherwise.' }),
  runbooks: z.array(ServiceRunbookSchema).min(1),
  alerts: z
    .strictObject({ rtoShare: z.number().gt(0).max(1).optional() })
    .default({})
    .meta({ description: 'Overrides of the inventory-wide alert thresholds.' }),
  readiness: ReadinessSchema.optional().meta({ description: "How often the service's registered runbooks' pre-checks are evaluated (docs/readiness.md); default every 15m." }),
});

const TimeOfDay = z.string().refine((s) => parseTimeOfDay(s) !== undefined, { error: 'a time of day as HH:MM (24h, 00:00-24:00), e.g. "09:00"' });

/** When a recurring window recurs (src/plan/recurring-blackout.ts). */
export const RecurrenceSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).optional().meta({ description: 'Weekdays, e.g. [MON, TUE, WED, THU, FRI].' }),
  monthDays: z
    .array(z.int().min(-31).max(31).refine((n) => n !== 0, { error: 'a day of the month is 1..31, or -1 (the last) .. -31' }))
    .min(1)
    .optional()
    .meta({ description: 'Days of the month: 1..31, -1 the last day, -2 the day before it.' }),
  from: TimeOfDay.meta({ description: 'Local start, HH:MM.' }),
  to: TimeOfDay.meta({ description: 'Local end, HH:MM; "24:00" is midnight; at or before `from`: the next day (overnight).' }),
  timezone: TimeZoneSchema.optional().meta({ description: "Default: the inventory's timezone." }),
});

/** A fixed window (`start`/`end`) or a recurring one (`every`); which one is checked in load.ts. */
export const BlackoutSchema = z.strictObject({
  name: Name,
  start: Instant.optional(),
  end: Instant.optional(),
  every: RecurrenceSchema.optional(),
  reason: z.string().optional(),
  services: z.array(Name).optional().meta({ description: 'Services it applies to; default: all.' }),
});

export const InventorySchema = z.strictObject({
  apiVersion: z.literal(INVENTORY_API_VERSION),
  kind: z.literal(INVENTORY_KIND),
  timezone: TimeZoneSchema.default('UTC').meta({ description: 'The programme time zone: periods and schedules are read in it.' }),
  notifications: z
    .strictObject({
      webhook: WebhookUrl.optional().meta({ description: 'The programme webhook, or a secret reference (env:NAME, file:/path) holding it.' }),
      dueWithin: DurationSchema.default(14 * 86_400_000).meta({ description: 'Notify when a due drill is this close to its deadline.' }),
      format: notifyFormatSchema('notifications.format').optional().meta({ description: 'The body `webhook` takes (json, slack, teams); default json.' }),
      link: HttpUrl.optional().meta({ description: "The console's public address (https://drillbook.bank.example): notices link a run's page." }),
      retry: z
        .strictObject({
          attempts: z.int().min(1).max(20).optional().meta({ description: 'Deliveries tried at most this often (default 5).' }),
          backoff: DurationSchema.optional().meta({ description: 'The first retry after this long, each next one twice as long (default 1s).' }),
        })
        .optional(),
      timeout: DurationSchema.optional().meta({ description: 'A webhook answers within this long or the attempt failed (default 10s).' }),
    })
    .prefault({}),
  alerts: z
    .strictObject({ rtoShare: z.number().gt(0).max(1).default(0.8) })
    .prefault({})
    .meta({ description: "Notify a run's owner once its elapsed time passes this share of the RTO." }),
  services: z.array(ServiceSchema).min(1),
  blackouts: z.array(BlackoutSchema).default([]),
});

export type InventoryInput = z.input<typeof InventorySchema>;
export type Inventory = z.output<typeof InventorySchema>;
export type InventoryService = z.output<typeof ServiceSchema>;
export type ServiceRunbook = z.output<typeof ServiceRunbookSchema>;
export type DrillSchedule = z.output<typeof DrillScheduleSchema>;
export type Blackout = z.output<typeof BlackoutSchema>;
export type Recurrence = z.output<typeof RecurrenceSchema>;

/** How often a service's readiness is evaluated (ms): its own `readiness.every`, else 15 minutes. */
export function readinessEveryMs(service: Pick<InventoryService, 'readiness'>): number {
  return service.readiness?.every ?? DEFAULT_READINESS_EVERY_MS;
}

/** The cadence a service must keep: its own, else half-yearly for critical and high services. */
export function cadenceOf(service: Pick<InventoryService, 'cadence' | 'criticality'>): Cadence {
  return service.cadence ?? (service.criticality === 'critical' || service.criticality === 'high' ? 'half-yearly' : 'yearly');
}
