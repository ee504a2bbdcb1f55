/** A live document from a server-sent stream: the last whole truth the server sent, and whether the stream is up. */
import { useEffect, useState } from 'preact/hooks';
import { stream } from '../api.js';
import { html } from '../html.js';

export function useStream<T>(path: string | undefined): { data: T | undefined; live: boolean; problem: unknown } {
  const [data, setData] = useState<T>();
  const [live, setLive] = useState(false);
  const [problem, setProblem] = useState<unknown>();
  useEffect(() => {
    if (!path) return undefined;
    setData(undefined);
    setProblem(undefined);
    return stream<T>(
      path,
      (d) => {
        setProblem(undefined);
        setData(d);
      },
      setLive,
      setProblem,
    );
  }, [path]);
  return { data, live, problem };
}

export function LiveBadge({ live }: { live: boolean }) {
  return html`<span class=${`live ${live ? 'live-on' : 'live-off'}`} data-testid="live" data-live=${String(live)}>${live ? 'live' : 'reconnecting…'}</span>`;
}
