/**
 * drillbook's search attributes as the dev server registers them at start (on a real cluster:
 * `temporal operator search-attribute create --name … --type …`), from the keys runs are started with.
 */
import { SearchAttributeType } from '@temporalio/common';
import { RUN_SEARCH_KEYS } from '../plan/search-attributes';

/** The CLI's names for the key types drillbook uses. */
const CLI_TYPE: Partial<Record<SearchAttributeType, string>> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `name` → the CLI's type name, for `--search-attribute name=type`. */
export const SEARCH_ATTRIBUTES: Record<string, string> = Object.fromEntries(
  Object.values(RUN_SEARCH_KEYS).map((key) => {
    const type = CLI_TYPE[key.type];
    if (!type) throw new Error(`search attribute ${key.name}: no CLI type name for ${key.type}`);
    return [key.name, type];
  }),
);
