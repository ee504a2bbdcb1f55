/** A page's reads: GET an API path, re-read when the path changes or on `reload()`; the error kept to show it. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useGet<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setLoading(true);
    setError(undefined);
    get<T>(path).then(
      (answer) => current && (setData(answer), setLoading(false)),
      (err: unknown) => current && (setError(err), setData(undefined), setLoading(false)),
    );
    return () => {
      current = false;
    };
  }, [path, round]);
  return { data, error, loading, reload: useCallback(() => setRound((n) => n + 1), []) };
}

/** `/api/x?a=1&b=2` from the values given (empty ones left out), every value encoded. */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
