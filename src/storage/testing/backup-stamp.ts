/**
 * The name the rclone_sync script gives a dated backup folder (`date -u +%Y%m%dT%H%M%SZ`, see
 * roles/rclone_sync/files/wpha-rclone-sync), for the given number of days before now: what its
 * tests lay out as folders earlier runs left.
 */
export function backupStamp(daysAgo: number, now = Date.now()): string {
  return new Date(now - daysAgo * 86_400_000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
