/** The workflows the worker registers, each export named (an `export *` barrel can lose exports in the bundle). */
export { runDrill } from './run-drill';
