/** The API's answers the console reads (src/api/run-views.ts, answer-schemas.ts). */

export interface WaitSummary {
  stepId: string;
  kind: 'manual' | 'approval' | 'decision' | string;
  title: string;
  role: string;
  since: string;
}

export interface RunListItem {
  runId: string;
  runbook: string;
  version: string;
  mode: string;
  services: string[];
  initiator: string;
  reason: string;
  status: string;
  state: string;
  live: boolean;
  ended: boolean;
  needsHuman: boolean;
  waiting: WaitSummary[];
  awaitingDecision: { stepId: string; error: string } | null;
  startedAt: string;
  endedAt: string | null;
  verdict: string | null;
  rtoMs: number | null;
  rpoMs: number | null;
}

export interface EvidenceField {
  name: string;
  description?: string;
  required: boolean;
}

export interface ViewStep {
  id: string;
  title: string;
  kind: string;
  phase: string;
  needs: string[];
  marks: string[];
  sequence?: string;
  instructions?: string | null;
  evidenceFields?: EvidenceField[];
  role?: string;
  approvers?: number;
  state: string;
  execution: number;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
  outputSummary: string | null;
  skipReason: string | null;
  output: unknown;
}

export interface HumanWait {
  stepId: string;
  kind: 'manual' | 'approval' | 'decision';
  title: string;
  since: string;
  instructions?: string;
  evidenceFields?: EvidenceField[];
  role: string;
  approvalsNeeded?: number;
  approvedBy?: string[];
  deadline?: string;
  error?: string;
}

export interface TimelineEvent {
  seq: number;
  at: string;
  type: string;
  stepId: string | null;
  actor: string;
  data?: Record<string, unknown>;
}

export interface RunView {
  runId: string;
  source: 'temporal' | 'audit';
  runbook: string;
  version: string;
  planHash: string;
  mode: string;
  services: string[];
  initiator: string;
  reason: string;
  state: string;
  ended: boolean;
  startedAt: string;
  endedAt: string | null;
  verdict: string | null;
  rtoMs: number | null;
  rpoMs: number | null;
  objectives: { rtoMs?: number; rpoMs?: number };
  steps: ViewStep[];
  guards: { id: string; title: string; onViolation: string; state: string; error: string | null }[];
  waiting: HumanWait[];
  awaitingDecision: { stepId: string; error: string } | null;
  evidence: { stepId: string | null; actor: string; at: string; evidence: Record<string, string>; note: string | null }[];
  timeline: TimelineEvent[];
}
