/** Every page of the console, imported once (each registers itself with addPage, router.ts). Add a line per page file. */
import './runs.js';
import './run.js';
import './start.js';
