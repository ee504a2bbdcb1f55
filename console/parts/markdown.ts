/**
 * A runbook's instructions (Markdown) rendered safely: markdown-it with raw HTML off (`<script>` and
 * any tag come out as text) and its link check (javascript:, vbscript:, file: and data: links are not
 * made links). The only HTML the console inserts is markdown-it's output; the CSP forbids inline
 * scripts besides.
 */
import MarkdownIt from 'markdown-it';
import { html } from '../html.js';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet('rel', 'noopener noreferrer');
  tokens[idx].attrSet('target', '_blank');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(text: string): string {
  return md.render(text);
}

export function Markdown({ text }: { text: string | null | undefined }) {
  if (!text) return null;
  return html`<div class="instructions" dangerouslySetInnerHTML=${{ __html: renderMarkdown(text) }}></div>`;
}
