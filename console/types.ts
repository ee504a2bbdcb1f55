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

/** One registered runbook's readiness (GET /api/readiness, src/readiness/query.ts). */
export interface RunbookReadiness {
  service: string;
  runbook: string;
  planHash: string;
  state: 'ready' | 'not-ready' | 'unknown' | string;
  since: string;
  /** The failing pre-check and its output (not ready), or why it could not be evaluated (unknown). */
  why: { check: string; output: string } | { reason: string } | null;
  lastEvaluatedAt: string;
}

/** A campaign's phase as GET /api/campaigns/:id answers it (src/plan/campaign.ts PhaseRecord). */
export interface CampaignPhase {
  id: string;
  title: string;
  runbook: string;
  planHash: string;
  mode: string;
  state: string;
  runId?: string;
  execution: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  runState?: string;
  verdict?: string;
  rtoMs?: number;
  rpoMs?: number;
  targets?: { rtoMs?: number; rpoMs?: number; source?: string };
  rtoMet?: boolean;
  rpoMet?: boolean;
  figures?: Record<string, unknown>;
  error?: string;
  skipReason?: string;
}

export interface CampaignView {
  source: 'temporal' | 'audit';
  campaign: {
    campaignId: string;
    campaign: string;
    campaignHash: string;
    state: string;
    verdict: string | null;
    startedAt: string;
    endedAt: string | null;
    durationMs: number | null;
    initiator: string;
    phases: CampaignPhase[];
    awaitingDecision: { phaseId: string; error: string; since: string } | null;
  };
}
