/** Column types shared by the table modules. */
import type { ColumnType } from 'kysely';

/** `bigint`/`bigserial`: pg returns int8 as a string (it may exceed 2^53); we write numbers or strings. */
export type Int8 = ColumnType<string, number | bigint | string, number | bigint | string>;

/** `timestamptz`: pg returns a Date (millisecond precision); we write a Date or an ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
