/** Runs: placeholder until the live list lands. */
import { html } from '../html.js';
import { addPage } from '../router.js';

addPage({ path: '/runs', title: 'Runs', nav: 'Runs', order: 10, render: () => html`<h1>Runs</h1>` });
