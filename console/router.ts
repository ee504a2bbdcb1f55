/**
 * Pages and their addresses: `#/runs`, `#/runs/<id>`… (hash routes: the server serves one page, and a
 * link works without it knowing the console's routes). A page registers itself with `addPage` and is
 * imported once in pages/index.ts; `nav` puts it in the navigation, for the roles it names.
 */
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface PageDef {
  /** `/runs/:runId`: segments starting with `:` are parameters (decoded). */
  path: string;
  title: string;
  /** The navigation's label; absent: not in the navigation (a detail page). */
  nav?: string;
  /** Where in the navigation (Runs 10, Programme 20, Coverage 30, Findings 40, Integrity 50, Admin 60). */
  order?: number;
  /** Shown in the navigation to these roles only (the server checks anyway); absent: everyone signed in. */
  roles?: string[];
  render: (params: Record<string, string>) => VNode;
}

const pages: PageDef[] = [];

export function addPage(page: PageDef): void {
  pages.push(page);
}

export function navPages(roles: string[]): PageDef[] {
  return pages
    .filter((p) => p.nav && (!p.roles || p.roles.some((r) => roles.includes(r))))
    .sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
}

/** The console address of `path`, for links: `href(\`/runs/${id}\`)`. */
export function href(path: string): string {
  return `#${path}`;
}

export function navigate(path: string): void {
  location.hash = path;
}

function currentPath(): string {
  return location.hash.replace(/^#/, '') || '/runs';
}

export function match(path: string): { page: PageDef; params: Record<string, string> } | undefined {
  const [pathname] = path.split('?');
  const parts = pathname.split('/').filter(Boolean);
  for (const page of pages) {
    const pattern = page.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      if (pattern[i].startsWith(':')) {
        try {
          params[pattern[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
        }
      } else ok = pattern[i] === parts[i];
    }
    if (ok) return { page, params };
  }
  return undefined;
}

/** The query part of the current address (`#/runs?service=payments`). */
export function useQuery(): URLSearchParams {
  const path = useCurrentPath();
  return new URLSearchParams(path.split('?')[1] ?? '');
}

export function useCurrentPath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const onChange = () => setPath(currentPath());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return path;
}
