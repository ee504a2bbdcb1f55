/** Every page of the console, imported once (each registers itself with addPage, router.ts). Add a line per page file. */
import './runs.js';
import './campaign.js';
import './readiness.js';
import './programme.js';
import './coverage.js';
import './attainment.js';
import './findings.js';
import './history.js';
import './dossier.js';
import './integrity.js';
import './admin.js';
import './run.js';
import './start.js';
