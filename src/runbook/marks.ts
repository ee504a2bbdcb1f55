/**
 * RTO/RPO are computed from marked steps, so the marks must be unambiguous: one step starts the RTO
 * clock and one stops it, and an objective nobody measures is worth a warning.
 */
import { isRecord, type CheckContext } from './findings';
import type { LooseStep } from './step-graph';

export function checkMarks(steps: LooseStep[], objectives: unknown, ctx: CheckContext): void {
  const marked = (mark: string) =>
    steps.filter((s) => Array.isArray(s.raw.marks) && s.raw.marks.includes(mark));
  const start = marked('rto.start');
  const end = marked('rto.end');
  for (const [mark, list] of [['rto.start', start], ['rto.end', end]] as const) {
    for (const extra of list.slice(1)) {
      ctx.report({
        path: [...extra.path, 'marks'],
        code: 'mark.duplicate',
        message: `only one step may mark ${mark} (already marked at line ${ctx.lineOf(list[0].path)})`,
      });
    }
  }
  if (start.length > 0 && end.length === 0) {
    ctx.report({ path: [...start[0].path, 'marks'], code: 'mark.unpaired', message: 'rto.start without a step marking rto.end' });
  }
  if (end.length > 0 && start.length === 0) {
    ctx.report({ path: [...end[0].path, 'marks'], code: 'mark.unpaired', message: 'rto.end without a step marking rto.start' });
  }
  if (!isRecord(objectives)) return;
  if (objectives.rto !== undefined && start.length === 0 && end.length === 0) {
    ctx.report({
      path: ['objectives', 'rto'],
      code: 'mark.missing',
      message: 'an RTO objective but no steps marking rto.start and rto.end: the RTO will not be measured',
      severity: 'warning',
    });
  }
  if (objectives.rpo !== undefined && marked('rpo.measure').length === 0) {
    ctx.report({
      path: ['objectives', 'rpo'],
      code: 'mark.missing',
      message: 'an RPO objective but no step marking rpo.measure: the RPO will not be measured',
      severity: 'warning',
    });
  }
}
