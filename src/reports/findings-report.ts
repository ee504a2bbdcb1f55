/** Findings: open findings, open and overdue actions with their ageing, risk acceptances (active or expired). */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { readRegister, type ActionRecord, type FindingRecord, type RiskAcceptanceRecord } from '../findings/register';

const DAY = 86_400_000;

export interface FindingsReport {
  report: 'findings';
  asOf: string;
  findings: (FindingRecord & { ageDays: number })[];
  actions: (ActionRecord & { overdue: boolean; ageDays: number; daysOverdue: number })[];
  acceptances: (RiskAcceptanceRecord & { expired: boolean })[];
  totals: { findings: number; open: number; riskAccepted: number; closed: number; openActions: number; overdueActions: number; activeAcceptances: number; expiredAcceptances: number };
}

export async function findingsReport(db: Kysely<Database>, asOf = new Date()): Promise<FindingsReport> {
  const register = await readRegister(db);
  const today = asOf.toISOString().slice(0, 10);
  const findings = register.findings.map((f) => ({ ...f, ageDays: Math.floor((asOf.getTime() - f.raisedAt.getTime()) / DAY) }));
  const actions = register.actions.map((a) => {
    const open = a.status === 'open' || a.status === 'in-progress';
    const overdue = open && a.dueDate < today;
    return {
      ...a, overdue, ageDays: Math.floor((asOf.getTime() - a.createdAt.getTime()) / DAY),
      daysOverdue: overdue ? Math.floor((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${a.dueDate}T00:00:00Z`)) / DAY) : 0,
    };
  });
  const acceptances = register.acceptances.map((a) => ({ ...a, expired: a.expiresAt.getTime() <= asOf.getTime() }));
  return {
    report: 'findings', asOf: asOf.toISOString(), findings, actions, acceptances,
    totals: {
      findings: findings.length, open: findings.filter((f) => f.status === 'open').length, riskAccepted: findings.filter((f) => f.status === 'risk-accepted').length,
      closed: findings.filter((f) => f.status === 'closed').length, openActions: actions.filter((a) => a.status === 'open' || a.status === 'in-progress').length,
      overdueActions: actions.filter((a) => a.overdue).length, activeAcceptances: acceptances.filter((a) => !a.expired).length, expiredAcceptances: acceptances.filter((a) => a.expired).length,
    },
  };
}
