/**
 * The format's names that campaign files share with runbooks, in a module of their own: the API
 * validates campaigns in its own process, which must not load schema.ts (its schemas' ids would join
 * the OpenAPI document; runbooks are parsed in the parse pool's threads).
 */
export const API_VERSION = 'drillbook/v1';
/** Step ids are kebab-case; expressions read them as `steps.<id>` (see expression-parser.ts). */
export const STEP_ID_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
