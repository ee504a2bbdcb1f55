/** Links to a report's files (GET with the session cookie; the server names the file and sends it as an attachment). */
import { html } from '../html.js';
import { withQuery } from './use-get.js';

const FORMATS = [['pdf', 'PDF'], ['html', 'HTML'], ['csv', 'CSV'], ['json', 'JSON']] as const;

export function Downloads({ path, query = {} }: { path: string; query?: Record<string, string | undefined> }) {
  return html`<nav aria-label="downloads" class="downloads">
    Download: ${FORMATS.map(([format, label]) => html`<a class="button" href=${withQuery(path, { ...query, format })} download data-testid=${`download-${format}`}>${label}</a> `)}
  </nav>`;
}
