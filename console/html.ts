/**
 * Markup for the console: htm's tagged templates over Preact. Text and attribute values are escaped
 * by Preact (it sets text nodes and properties, never parses strings as HTML): nothing in the console
 * writes HTML by hand. The one exception is parts/markdown.ts (markdown-it, raw HTML off).
 */
import { h, type VNode } from 'preact';
import htm from 'htm';

export const html = htm.bind(h) as unknown as (strings: TemplateStringsArray, ...values: unknown[]) => VNode;
