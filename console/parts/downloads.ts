/** Links to a report's files (GET with the session cookie; the server names the file and sends it as an attachment). */
import { html } from '../html.js';
import { withQuery } from './use-get.js';

const FORMATS = [['pdf', 'PDF'], ['html', 'HTML'], ['csv', 'CSV'], ['json', 'JSON']] as const;
type Format = (typeof FORMATS)[number][0];

/** `formats`: those the report has (default: all four; a campaign's dossier has no CSV). */
export function Downloads({ path, query = {}, formats }: { path: string; query?: Record<string, string | undefined>; formats?: Format[] }) {
  return html`<nav aria-label="downloads" class="downloads">
    Download: ${FORMATS.filter(([format]) => !formats || formats.includes(format)).map(([format, label]) => html`<a class="button" href=${withQuery(path, { ...query, format })} download data-testid=${`download-${format}`}>${label}</a> `)}
  </nav>`;
}
