/**
 * Who may sign a run off in which capacity: the drill owner runs drills (operator), the business
 * owner accepts the outcome (approver), the independent reviewer checks it (auditor) and — to be
 * independent — never started the run. An admin may sign as owner, never as the reviewer.
 */
import type { SignoffRole } from './tables';

export const SIGNOFF_ROLE_NEEDS: Record<SignoffRole, readonly string[]> = {
  'drill-owner': ['operator', 'admin'],
  'business-owner': ['approver', 'admin'],
  'independent-reviewer': ['auditor'],
};

/** Why `user` may not sign `run` off as `role`, or undefined when they may. */
export function signoffRefusal(role: SignoffRole, user: { name: string; roles: string[] }, run: { initiator: string }): string | undefined {
  const needs = SIGNOFF_ROLE_NEEDS[role];
  if (!user.roles.some((r) => needs.includes(r))) {
    return `signing off as ${role} needs the role ${needs.map((r) => `"${r}"`).join(' or ')}; ${user.name} has ${user.roles.map((r) => `"${r}"`).join(', ') || 'no role'}`;
  }
  if (role === 'independent-reviewer' && user.name === run.initiator) return `${user.name} started this run and cannot be its independent reviewer`;
  return undefined;
}
