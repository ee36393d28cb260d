/**
 * ClusterError is a refused cluster operation with the HTTP status the admin API answers it with: 400 a malformed
 * replica id (bad percent-encoding), 404 unknown replica or route, 405 wrong method, 409 the replica's state does not allow it, 500 the operation failed (e.g.
 * a restored replica died while starting).
 */
export class ClusterError extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 409 | 500,
    message: string,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}
