// Limits that the server, the agent and the browser all enforce, so that a
// program the editor accepts is one the agent will run.

/** bpftrace programs are passed as a single argv entry; Linux caps one at 128 KiB (MAX_ARG_STRLEN). */
export const MAX_PROGRAM_BYTES = 64 * 1024;
export const MAX_PROGRAM_NAME_LENGTH = 120;
export const MAX_REASON_LENGTH = 2000;
export const MIN_DURATION_SEC = 1;
/** Hard ceiling regardless of server configuration: one day. */
export const MAX_DURATION_SEC_CEILING = 86_400;
/** Hosts one approval signs orders for, unless WORKBENCH_MAX_HOSTS_PER_APPROVAL says otherwise. */
export const DEFAULT_MAX_HOSTS_PER_APPROVAL = 5000;
/**
 * The most WORKBENCH_MAX_HOSTS_PER_APPROVAL may allow: an approval signs all of
 * its orders in one transaction (about half a millisecond per host), and the
 * request and the review page stay bounded.
 */
export const MAX_HOSTS_PER_APPROVAL_CEILING = 20_000;
export const HOST_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/**
 * The largest PostgreSQL `integer` (int4): frame sequence numbers, revision
 * and line numbers are stored as one, so a larger number in a request is a
 * 400, not an overflow in the database.
 */
export const MAX_STORED_INT = 2_147_483_647;

/** The canary period when a revision for several hosts does not name one (docs/run-order.md, "Canary"). */
export const DEFAULT_CANARY_PERIOD_SEC = 10;
/** The longest canary period a revision may ask for. */
export const MAX_CANARY_PERIOD_SEC = 600;
/** The most canary hosts a revision may name: every order of the launch carries their names. */
export const MAX_CANARY_HOSTS = 20;
