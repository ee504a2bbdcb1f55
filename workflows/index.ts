/** The workflows the worker registers, each export named (an `export *` barrel can lose exports in the bundle). */
export { runDrill } from './run-drill/run-drill';
export { scheduledDrill } from './scheduled-drill';
export { coverageCheck } from './coverage';
export { runCampaign } from './campaign/campaign';
export { scheduledCampaign } from './scheduled-campaign';
export { readinessCheck } from './readiness';
export { notificationDispatcher } from './notification-dispatcher';
